import Foundation
import GatewayControl
import Testing

/// The uplink check against a real kernel: when the uplink's route goes (or its TCP target
/// stops answering), gatewayd withdraws the default route it announces from table 12 and
/// the broker refuses nodes; when the uplink is back, both return, after the hysteresis.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class UplinkIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }
    var running: BackgroundProcess?
    /// The operator's announcement, as wg-docker's README has it put into table 12.
    let announcement = ["default", "dev", "wan0", "proto", "static", "metric", "77", "table", "12"]
    /// The same for mesh sources only (babeld announces it source-specific): withdrawn too.
    let sourceSpecific = ["default", "from", "2001:db8::/40", "dev", "wan0", "proto", "static", "table", "12"]

    init() throws {
        gateway = try GatewayNamespace("gwtest-upl")
        try namespace.exec(["ip", "-6", "route", "add"] + announcement)
        try namespace.exec(["ip", "-6", "route", "add"] + sourceSpecific)
    }

    deinit {
        running = nil
    }

    func start(_ settings: String) async throws {
        try gateway.writeEnvFile(extra: "WG_BACKEND=userspace\nUPLINKINTERVAL=1\nUPLINKFAILURES=2\nUPLINKRECOVERIES=2\n" + settings)
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        running = run
        #expect(await eventually(timeout: .seconds(20)) { (try? uplink())?.state == "up" }, "\(run.output)")
    }

    func uplink() throws -> UplinkStatus { try gateway.gwctlJSON(GatewayStatus.self, "status").uplink }

    func announced() throws -> String { try namespace.exec("ip", "-6", "route", "show", "table", "12") }

    /// One v1 request over loopback; the error code, or nil when a port came back.
    func brokerRefuses() throws -> Bool {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let reply = try namespace.exec("sh", "-c", "printf '{\"version\":1,\"pubkey\":\"\(key)\"}\\n' | socat -t 5 - TCP6:[::1]:40000")
        return reply.contains("\"code\":1") || reply.contains("\"code\": 1")
    }

    @Test func aLostUplinkRouteWithdrawsTheAnnouncementAndClosesTheBroker() async throws {
        try namespace.exec("ip", "-6", "route", "add", "default", "dev", "wan0")
        try await start("UPLINKROUTE=::/0")
        let original = try announced()
        #expect(original.contains("default dev wan0 proto static metric 77"), "\(original)")
        #expect(original.contains("default from 2001:db8::/40 dev wan0 proto static"), "\(original)")
        #expect(try !brokerRefuses())

        try namespace.exec("ip", "-6", "route", "del", "default", "dev", "wan0")
        #expect(await eventually(timeout: .seconds(10)) { (try? uplink())?.state == "down" })
        #expect(try await eventually(timeout: .seconds(5)) { try announced().isEmpty }, "withdrawn from table 12")
        let down = try uplink()
        #expect(down.announcementWithdrawn && down.lastFailure?.contains("no route ::/0 in table 254") == true, "\(down)")
        #expect(try gateway.gwctlJSON(GatewayStatus.self, "status").broker.state == "refusing")
        #expect(try brokerRefuses(), "new nodes are sent elsewhere")
        // A routing daemon putting the route back while the uplink is down is overruled.
        try namespace.exec(["ip", "-6", "route", "add"] + announcement)
        #expect(try await eventually(timeout: .seconds(5)) { try announced().isEmpty })

        try namespace.exec("ip", "-6", "route", "add", "default", "dev", "wan0")
        #expect(await eventually(timeout: .seconds(10)) { (try? uplink())?.state == "up" })
        #expect(try announced() == original, "restored exactly as it was")
        #expect(try !brokerRefuses())

        // Shut down while the uplink is down: the operator's route is put back.
        try namespace.exec("ip", "-6", "route", "del", "default", "dev", "wan0")
        #expect(try await eventually(timeout: .seconds(10)) { try announced().isEmpty })
        running?.signal(SIGTERM)
        #expect(await running?.waitForExit(timeout: .seconds(20)) == 0)
        #expect(try announced() == original)
    }

    @Test func aProbeTargetThatStopsAnsweringTakesTheUplinkDown() async throws {
        try namespace.exec("ip", "-6", "addr", "add", "2001:db8:ff::5/128", "dev", "lo")
        let listener = try BackgroundProcess(["ip", "netns", "exec", namespace.name, "socat", "TCP6-LISTEN:8443,bind=[2001:db8:ff::5],fork,reuseaddr", "SYSTEM:true"],
                                             logFile: gateway.directory.appendingPathComponent("listener.log"))
        #expect(try await eventually(timeout: .seconds(5)) {
            try namespace.attempt(["sh", "-c", "ss -ltn | grep -q 8443"]).status == 0
        })
        try await start("UPLINKPROBE=[2001:db8:ff::5]:8443")
        #expect(try uplink().check == "tcp [2001:db8:ff::5]:8443")
        listener.signal(SIGKILL)
        _ = await listener.waitForExit(timeout: .seconds(5))
        #expect(await eventually(timeout: .seconds(10)) { (try? uplink())?.state == "down" }, "\(running?.output ?? "")")
        #expect(try uplink().lastFailure?.contains("Connection refused") == true)
        #expect(try await eventually(timeout: .seconds(5)) { try announced().isEmpty })
    }
}
