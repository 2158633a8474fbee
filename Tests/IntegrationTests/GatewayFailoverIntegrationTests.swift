import Foundation
import GatewayControl
import Testing

/// The gateway's job end to end, with the real daemons (babeld 1.14, mmfd, l3roamd,
/// wireguard-go): nodes reach the Internet host through gatewayd on the default route
/// babel learned from its table 12, and when gateway A's uplink fails they move to gateway
/// B (A withdraws its announcement and refuses new nodes), and back when it returns.
/// Serialized with the other suites by scripts/test (--no-parallel): many namespaces.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class GatewayFailoverIntegrationTests {
    /// Waits for each gateway's broker, as a node's first request would.
    func start(_ mesh: GatewayMesh) async throws {
        for gateway in mesh.gateways { try gateway.start() }
        for gateway in mesh.gateways {
            #expect(await eventually(timeout: .seconds(60)) { gateway.log.contains("broker open") }, "\(gateway.log)")
            #expect(await eventually(timeout: .seconds(30)) { (try? gateway.status())?.uplink.state == "up" }, "\(gateway.log)")
        }
    }

    /// One gateway: a node's mesh address and a client behind the node (CLIENTPREFIX)
    /// reach the Internet host through the gateway; the reply to the client comes back
    /// through the policy rule into table 10 (the main table would hand it to l3roamd).
    @Test func aNodeAndItsClientReachTheInternetThroughTheGateway() async throws {
        let mesh = try GatewayMesh(gateways: 1)
        let gateway = mesh.gateways[0]
        try await start(mesh)
        let node = try mesh.addNode()
        let client = try node.addClient("2001:db8:0:2::100")
        defer { client.delete() }
        #expect(try await node.connect(to: gateway)["port"] as? Int == 40000)
        try node.runBabeld(on: gateway, announcing: ["2001:db8:0:2::100"])

        #expect(try await eventually(timeout: .seconds(60)) { try node.defaultRouteTunnel() != nil },
                "the node learned the gateway's source-specific default route: \(node.diagnostics)\n\(gateway.log.suffix(3000))")
        try mesh.countEchoRequests(from: node.meshAddress)
        #expect(try await eventually(timeout: .seconds(30)) { try node.reachesInternet() }, "\(gateway.log)")
        #expect(try mesh.echoRequestsArrived(from: node.meshAddress)[0] > 0, "the Internet host saw the node's pings on the gateway's uplink")
        let path = try node.namespace.exec("ip", "-6", "route", "get", GatewayMesh.internetHost, "from", node.meshAddress)
        #expect(path.contains("dev \(try #require(node.tunnels["a"]))") && path.contains("proto babel"), "\(path)")

        #expect(try await eventually(timeout: .seconds(30)) {
            try gateway.namespace.exec("ip", "-6", "route", "show", "table", "10").contains("2001:db8:0:2::100 via fe80:")
        }, "the gateway learned the client's route into table 10")
        #expect(try await eventually(timeout: .seconds(20)) {
            try client.attempt(["ping", "-6", "-c", "1", "-W", "1", GatewayMesh.internetHost]).status == 0
        }, "the client reaches the Internet host and the reply finds its way back")
        let back = try gateway.namespace.exec("ip", "-6", "route", "get", "2001:db8:0:2::100", "from", GatewayMesh.internetHost, "iif", "wan0")
        #expect(back.contains("table 10") && back.contains("dev babel-wg-1"), "\(back)")
    }

    /// Two gateways with a backbone and a node holding a tunnel to each: A's uplink is cut,
    /// the node's traffic moves to B and A refuses a new node, which B serves; A's uplink
    /// returns, and the node's traffic with it, no packet lost on the way back.
    @Test func nodesMoveToAnotherGatewayWhenAnUplinkFailsAndReturn() async throws {
        let mesh = try GatewayMesh(gateways: 2)
        let (a, b) = (mesh.gateways[0], mesh.gateways[1])
        try await start(mesh)
        let node = try mesh.addNode()
        for gateway in [a, b] { #expect(try await node.connect(to: gateway)["port"] as? Int == 40000) }
        try node.runBabeld(on: a)
        let tunnelA = try node.tunnel(to: a)
        #expect(try await eventually(timeout: .seconds(60)) { try node.defaultRouteTunnel() == tunnelA },
                "the node learned A's default route: \(node.diagnostics)\n\(a.log.suffix(3000))")
        try node.addBabelInterface(b)
        #expect(try await eventually(timeout: .seconds(30)) { try node.reachesInternet() }, "\(a.log)")
        try mesh.countEchoRequests(from: node.meshAddress)
        let pings = try node.steadyPing(log: mesh.directory.appendingPathComponent("steady-ping.log"))
        let exitGateway = { try await mesh.exitGateway(for: node.meshAddress) }
        #expect(try await exitGateway() == 0, "through A while both are up")

        // A's uplink fails: A withdraws its announcement and refuses; B carries the traffic
        // (straight from the node, or through A and the backbone: babel chooses).
        try a.cutUplink()
        #expect(await eventually(timeout: .seconds(15)) { (try? a.status())?.uplink.state == "down" }, "\(a.log)")
        #expect(try await eventually(timeout: .seconds(5)) { try a.announced().isEmpty }, "A withdrew its table-12 route")
        let down = try a.status()
        #expect(down.broker.state == "refusing" && down.uplink.announcementWithdrawn, "\(down)")
        let other = try b.status()
        #expect(other.uplink.state == "up" && other.broker.state == "open", "\(other)")
        var throughB = false
        for _ in 0..<30 where !throughB { throughB = try await exitGateway() == 1 }
        #expect(throughB, "the node's pings reach the Internet through B: \((try? mesh.echoRequestsArrived(from: node.meshAddress)) ?? [])")

        // A newcomer: A refuses (error code 1, as wg-broker does), B gives it a tunnel.
        let newcomer = try mesh.addNode()
        let refusal = try newcomer.request(a)
        let error = try #require(refusal["error"] as? [String: Any], "\(refusal)")
        #expect(error["code"] as? Int == 1)
        #expect(try await newcomer.connect(to: b)["port"] as? Int == 40001)
        try newcomer.runBabeld(on: b)
        #expect(try await eventually(timeout: .seconds(60)) { try newcomer.reachesInternet() },
                "the newcomer reaches the Internet through B: \(newcomer.diagnostics)\n\(b.log.suffix(3000))")
        #expect(try a.peers().count == 1 && b.peers().count == 2)

        // A's uplink returns: A announces again and accepts nodes; the traffic returns to A.
        // "The way back" starts when A's route returns (its announcement), while B still
        // carries the node's traffic. Before that, during UPLINKRECOVERIES, the upstream
        // already routes replies through A: bench/failover counts that window too.
        let restored = Date().timeIntervalSince1970
        try a.restoreUplink()
        #expect(await eventually(timeout: .seconds(15)) { (try? a.status())?.uplink.state == "up" }, "\(a.log)")
        #expect(try await eventually(timeout: .seconds(5)) { !(try a.announced()).isEmpty }, "A announces again")
        let back = Date().timeIntervalSince1970
        #expect(try a.status().broker.state == "open")
        var throughA = false
        for _ in 0..<200 where !throughA { throughA = try await exitGateway() == 0 }
        #expect(throughA, "the node's pings reach the Internet through A again")
        #expect(try newcomer.request(a)["port"] is Int, "A accepts nodes again")
        try await Task.sleep(for: .seconds(1))

        pings.signal(SIGINT)
        _ = await pings.waitForExit(timeout: .seconds(5))
        let log = PingLog(pings.output)
        #expect(log.replies.count > 40, "\(pings.output.prefix(400))")
        print("echo requests lost since A's uplink returned: \(log.lost(after: restored)), since A announced again: \(log.lost(after: back))")
        #expect(log.lost(after: back).isEmpty, "no packet lost on the way back: \(log.lost(after: back))")
    }
}
