import Foundation
import Testing

/// `gatewayd run` keeps the host reconciled and tears down on SIGTERM.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
final class RunIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }

    init() throws {
        gateway = try GatewayNamespace("gwtest-run")
        try gateway.addOperatorState()
    }

    /// A long recheck interval leaves netlink events as the only trigger.
    func start(recheckInterval: Int = 1) async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run", ["--recheck-interval", "\(recheckInterval)"]),
                                        logFile: gateway.directory.appendingPathComponent("run.log"))
        let ready = try await eventually(timeout: .seconds(10)) { try ownedRules().count == 4 }
        #expect(ready, "gatewayd run applied its rules: \(run.output)")
        return run
    }

    /// This iproute2 ignores `ip rule show proto N`: filter by hand.
    func ownedRules() throws -> [String] {
        try namespace.exec("ip", "-6", "rule").split(separator: "\n").map(String.init).filter { $0.hasSuffix("proto 215") }
    }

    @Test func sigtermTearsDownAndExitsZero() async throws {
        let before = try gateway.snapshot()
        let run = try await start()
        #expect(try gateway.snapshot() != before)
        run.signal(SIGTERM)
        let status = await run.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "\(run.output)")
        let after = try gateway.snapshot()
        #expect(after == before, "\(lineDifference(before, after))")
    }

    @Test func aDeletedRuleComesBackAtItsNetlinkEvent() async throws {
        let run = try await start(recheckInterval: 3600)
        try namespace.exec("ip", "-6", "rule", "del", "to", "2001:db8:0:1::/64", "lookup", "10", "pref", "10")
        let repaired = try await eventually(timeout: .seconds(10)) { try ownedRules().count == 4 }
        #expect(repaired, "\(run.output)")
    }

    @Test func aNewPeerInterfaceGetsItsSettingAtItsNetlinkEvent() async throws {
        let run = try await start(recheckInterval: 3600)
        // Past the start's own whole looks (mmfd0 appearing), which would cover it too.
        let settled = await eventually(timeout: .seconds(10)) { run.output.contains("dev mmfd0 table local") }
        #expect(settled, "\(run.output)")
        try await Task.sleep(for: .milliseconds(500))
        try namespace.exec("sysctl", "-qw", "net.ipv4.conf.default.rp_filter=1")
        try namespace.exec("ip", "tuntap", "add", "babel-wg-900", "mode", "tun")
        let rpFilter = { try self.namespace.exec("sysctl", "-n", "net.ipv4.conf.babel-wg-900.rp_filter") }
        let set = try await eventually(timeout: .seconds(10)) { try rpFilter() == "0\n" }
        let value = try rpFilter()
        #expect(set, "rp_filter is \(value): \(run.output)")
        let line = run.output.split(separator: "\n").first { $0.contains("babel-wg-900.rp_filter: 1 → 0") }
        #expect(line?.contains("reason=peer interfaces") == true, "looked at the one interface, not at everything: \(run.output)")
    }

    @Test func aFlushedFirewallChainIsRefilledByThePeriodicCheck() async throws {
        let run = try await start()
        let rules = { try self.namespace.exec("ip6tables-legacy", "-S", "GATEWAYD-INPUT").split(separator: "\n").count }
        let full = try rules()
        try namespace.exec("ip6tables-legacy", "-F", "GATEWAYD-INPUT")
        // xtables raise no event: the periodic check (or any later look) notices.
        let repaired = try await eventually(timeout: .seconds(10)) {
            try rules() == full && run.output.contains("~ ip6tables -t filter: GATEWAYD-INPUT (0 → ")
        }
        #expect(repaired, "\(run.output)")
    }

    @Test func mmfdsTunGetsTheResponddRouteOnceItIsUp() async throws {
        try gateway.writeEnvFile(extra: "MMFD=off")  // the test plays mmfd's part with the tun
        let run = try await start()
        let route = { try self.namespace.exec("ip", "-6", "route", "show", "table", "local", "proto", "215") }
        try namespace.exec("ip", "tuntap", "add", "mmfd0", "mode", "tun")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try route().isEmpty, "no route through a device that is down")
        try namespace.exec("ip", "link", "set", "mmfd0", "up")
        let added = try await eventually(timeout: .seconds(10)) { try route().contains("ff05::2:1001 dev mmfd0") }
        #expect(added, "\(run.output)")
        #expect(run.isRunning)
    }
}
