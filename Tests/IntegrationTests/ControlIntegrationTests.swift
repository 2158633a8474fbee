import Foundation
import GatewayControl
import Testing

/// `gwctl` against a real `gatewayd run` (real babeld, mmfd/l3roamd doubles) in a
/// namespace: status, health while babeld is down and back, and reloads that change only
/// what they must, or nothing at all.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
final class ControlIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }
    /// Held by the suite so gatewayd lives until the test ends (ARC may end a local early).
    var running: BackgroundProcess?

    init() throws {
        gateway = try GatewayNamespace("gwtest-ctl")
        try gateway.writeEnvFile(extra: Self.settings)
    }

    static let settings = "BACKOFFMAX=2\nWG_BACKEND=userspace\nMETRICS_LISTEN=127.0.0.1:9184\n"

    deinit {
        running = nil  // gatewayd ends (SIGTERM, in order) before its namespace goes
    }

    @discardableResult
    func start() async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        running = run
        let healthy = try await eventually(timeout: .seconds(20)) { try gateway.gwctl("health").status == 0 }
        #expect(healthy, "gatewayd became healthy: \(run.output)")
        return run
    }

    func status() throws -> GatewayStatus { try gateway.gwctlJSON(GatewayStatus.self, "status") }

    func pid(of daemon: String) throws -> Int32? { try status().children.first { $0.name == daemon }?.pid }

    @Test func statusReportsTheRunningGateway() async throws {
        let run = try await start()
        let status = try status()
        #expect(status.host.state == .applied || status.host.state == .drift)
        #expect(status.configuration == gateway.envFile.path)
        #expect(status.backend == "userspace")
        #expect(status.broker.state == "open" && status.broker.maxConnections == 150)
        #expect(status.uplink.state == "unchecked")
        #expect(Set(status.children.map(\.name)) == ["babeld", "mmfd", "l3roamd"])
        #expect(status.children.allSatisfy { $0.state == "ready" && $0.pid != nil }, "\(status.children)")
        let publicKeyLine = try #require(run.output.split(separator: "\n").first { $0.contains("public-key=") })
        #expect(publicKeyLine.contains(status.publicKey) && status.publicKey.count == 44)
        let text = try gateway.gwctl("status")
        #expect(text.status == 0 && text.stdout.contains("babeld") && text.stdout.contains("host plan:"), "\(text.stdout)")
        #expect(try gateway.gwctl("health", "--liveness").status == 0)
        #expect(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").isEmpty)

        let metrics = try namespace.exec("sh", "-c", "printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' | socat -t 5 - TCP4:127.0.0.1:9184")
        #expect(metrics.hasPrefix("HTTP/1.0 200 OK") && metrics.contains("gatewayd_host_plan_applied 1"), "\(metrics)")
        #expect(metrics.contains("gatewayd_child_up{daemon=\"l3roamd\"} 1") && metrics.contains("gatewayd_peers 0"))
        // gatewayd's listening sockets stay gatewayd's: no child inherits one.
        let listeners = try namespace.exec("ss", "-lnp")
        #expect(listeners.split(separator: "\n").filter { $0.contains(":9184") || $0.contains(":40000") }
            .allSatisfy { $0.contains("gatewayd") && !$0.contains("babeld") && !$0.contains("mesh-daemon") }, "\(listeners)")
    }

    @Test func healthFailsWhileBabeldIsDownAndRecovers() async throws {
        try await start()
        let babeld = try #require(try pid(of: "babeld"))
        // The supervisor waits a backoff second before the restart: health must see the gap.
        kill(babeld, SIGKILL)
        let unhealthy = try await eventually(timeout: .seconds(10)) {
            let health = try gateway.gwctl("health")
            return health.status == 1 && health.stdout.contains("babeld is")
        }
        #expect(unhealthy, "health reported babeld down with exit status 1")
        #expect(try await eventually(timeout: .seconds(20)) { try gateway.gwctl("health").status == 0 }, "healthy again")
        #expect(try pid(of: "babeld") != babeld)
    }

    @Test func reloadWithAChangedLimitChangesOnlyThat() async throws {
        try await start()
        let before = try status()
        try gateway.writeEnvFile(extra: Self.settings + "MAXCONNECTIONS=7")
        let report = try gateway.gwctlJSON(ReloadReport.self, "reload")
        #expect(report.changedVariables == ["MAXCONNECTIONS"])
        #expect(report.restarted.isEmpty && report.hostChanges.isEmpty)
        let after = try status()
        #expect(after.broker.maxConnections == 7)
        #expect(after.children.map(\.pid) == before.children.map(\.pid), "no daemon restarted")
    }

    @Test func reloadWithAChangedBabeldOptionRestartsOnlyBabeld() async throws {
        try await start()
        let before = try status()
        try gateway.writeEnvFile(extra: Self.settings + "NEXTNODE=2001:db8:0:2::99")
        let report = try gateway.gwctlJSON(ReloadReport.self, "reload")
        #expect(report.changedVariables == ["NEXTNODE"])
        #expect(report.restarted == ["babeld"])
        let after = try status()
        let pids = { (status: GatewayStatus) in Dictionary(uniqueKeysWithValues: status.children.map { ($0.name, $0.pid) }) }
        #expect(pids(after)["babeld"] != pids(before)["babeld"])
        #expect(pids(after)["mmfd"] == pids(before)["mmfd"] && pids(after)["l3roamd"] == pids(before)["l3roamd"])
        let replayed = try await eventually(timeout: .seconds(15)) {
            try gateway.gwctl("health").status == 0
                && (try status().children.first { $0.name == "babeld" }?.arguments.contains { $0.contains("2001:db8:0:2::99") } ?? false)
        }
        #expect(replayed)
    }

    @Test func reloadWithABrokenEnvFileIsRejectedAndChangesNothing() async throws {
        try await start()
        let before = try status()
        let snapshot = try gateway.snapshot()
        try gateway.writeEnvFile(extra: Self.settings + "MAXCONNECTIONS=lots")
        let reload = try gateway.gwctl("reload")
        #expect(reload.status == 78)
        #expect(reload.stderr.contains("MAXCONNECTIONS") && reload.stderr.contains(gateway.envFile.path + ":"), "\(reload.stderr)")
        let check = try gateway.gatewayd("check")
        #expect(check.stderr.contains(reload.stderr.split(separator: "\n").last { $0.contains("MAXCONNECTIONS") }.map(String.init) ?? "?"),
                "the same message as gatewayd check: \(check.stderr)")
        let after = try status()
        #expect(after.broker.maxConnections == before.broker.maxConnections)
        #expect(after.children.map(\.pid) == before.children.map(\.pid))
        #expect(try gateway.snapshot() == snapshot)
    }

    @Test func unknownServiceAndPeerAreNotFound() async throws {
        try await start()
        #expect(try gateway.gwctl("services", "restart", "bird").status == 1)
        #expect(try gateway.gwctl("peers", "show", "babel-wg-9").status == 1)
        #expect(try gateway.gwctl("peers", "remove", "babel-wg-9").status == 1)
    }
}

/// gwctl without a daemon: exit 2 and a message that says where it looked. No root needed.
@Suite struct GwctlUnreachableTests {
    @Test func noDaemonExitsTwoWithAClearMessage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gwctl-absent-\(getpid()).sock").path
        let output = try Command.run([BuiltProduct.path("gwctl"), "status", "--socket", path])
        #expect(output.status == 2)
        #expect(output.stderr.contains("cannot reach gatewayd at \(path)"), "\(output.stderr)")
    }

    @Test func usageErrorsExit64() throws {
        #expect(try Command.run([BuiltProduct.path("gwctl"), "peers", "show"]).status == 64)
        #expect(try Command.run([BuiltProduct.path("gwctl"), "status", "--timeout", "0"]).status == 64)
    }
}
