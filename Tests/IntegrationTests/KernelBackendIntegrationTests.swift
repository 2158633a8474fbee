import Foundation
import GatewayControl
import Testing

/// `gatewayd run` on kernel WireGuard (rtnetlink + the WireGuard generic-netlink family via
/// libmnl), end to end, inside the VM that scripts/vm-tests boots: a node with a kernel
/// WireGuard interface asks the broker for its tunnel, handshakes and pings; babeld on both
/// ends learns a route across it; gatewayd killed with -9 leaves the kernel tunnel
/// working, and the next start adopts it untouched.
@Suite(.serialized, .enabled(if: Requirement.inVM, Requirement.vmReason))
final class KernelBackendIntegrationTests {
    let gateway: GatewayNamespace
    let node: MeshNode
    var namespace: NetworkNamespace { gateway.namespace }
    var running: BackgroundProcess?

    init() throws {
        gateway = try GatewayNamespace("gwtest-krn")
        node = try MeshNode(linkedTo: gateway)
        try gateway.writeEnvFile(extra: "WAN=wan1\nWG_BACKEND=kernel")
    }

    deinit {
        running = nil
    }

    /// As PID 1 of its own PID namespace, as in a container.
    @discardableResult
    func start() async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommandAsPid1("run"),
                                        logFile: gateway.directory.appendingPathComponent("run-\(UUID().uuidString.prefix(4)).log"))
        running = run
        #expect(await eventually(timeout: .seconds(60)) { run.output.contains("broker open") }, "\(run.output)")
        return run
    }

    func gatewayKey(_ run: BackgroundProcess) throws -> String {
        try #require(try gateway.gwctlJSON(GatewayStatus.self, "status").publicKey as String?)
    }

    func interfaceIndex(_ name: String) throws -> String? {
        try namespace.exec("ip", "-o", "link", "show", name).split(separator: ":").first.map(String.init)
    }

    @Test func aNodeGetsAKernelTunnelHandshakesAndPings() async throws {
        let run = try await start()
        #expect(try gateway.gwctlJSON(GatewayStatus.self, "status").backend == "kernel")
        let (secret, publicKey) = try MeshNode.keyPair()
        let requested = ContinuousClock.now
        let port = try #require(try node.request(publicKey)["port"] as? Int, "\(run.output)")
        let replied = ContinuousClock.now
        #expect(try namespace.exec("ip", "-d", "link", "show", "babel-wg-1").contains("wireguard"), "a kernel link, no wireguard-go")
        try await node.connect(secret: secret, gatewayKey: try gatewayKey(run), port: port, using: .kernel)
        #expect(try await eventually(timeout: .seconds(30)) {
            try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first?.latestHandshake != nil
        }, "\(run.output)")
        let handshaken = ContinuousClock.now
        print("kernel backend: request → reply \(replied - requested), request → handshake \(handshaken - requested)")
        #expect(try await eventually(timeout: .seconds(20)) { try node.pingsGateway() })
        let peer = try #require(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first)
        #expect(peer.port == port && peer.endpoint?.hasPrefix("[2001:db8:ff::2]:") == true && (peer.rxBytes ?? 0) > 0, "\(peer)")

        try namespace.exec("ip", "-6", "route", "add", "default", "via", "2001:db8:ff::2", "dev", "wan1", "proto", "static", "table", "12")
        try node.runBabeld(announcing: "2001:db8:0:1::11")
        #expect(try await eventually(timeout: .seconds(60)) {
            try namespace.exec("ip", "-6", "route", "show", "table", "10").contains("2001:db8:0:1::11 via \(MeshNode.tunnelAddress) dev babel-wg-1 proto babel")
        }, "the gateway's babeld learned the node's address across the kernel tunnel")
        #expect(try await eventually(timeout: .seconds(60)) {
            try node.namespace.exec("ip", "-6", "route", "show").contains("default via fe80::1 dev \(node.interface) proto babel")
        }, "the node's babeld learned the gateway's default route")
    }

    @Test func aKilledGatewaydLeavesTheKernelTunnelWorkingAndTheNextStartAdoptsIt() async throws {
        let run = try await start()
        let (secret, publicKey) = try MeshNode.keyPair()
        let port = try #require(try node.request(publicKey)["port"] as? Int)
        try await node.connect(secret: secret, gatewayKey: try gatewayKey(run), port: port, using: .kernel)
        #expect(try await eventually(timeout: .seconds(30)) { try node.pingsGateway() }, "\(run.output)")
        let index = try interfaceIndex("babel-wg-1")

        kill(try #require(GatewayNamespace.pid1(under: run.pid)), SIGKILL)
        _ = await run.waitForExit(timeout: .seconds(10))
        #expect(try node.pingsGateway(), "kernel WireGuard does not die with gatewayd")

        let again = try await start()
        #expect(again.output.contains("restored 1 peers (1 adopted, 0 recreated"), "\(again.output)")
        #expect(try interfaceIndex("babel-wg-1") == index, "the same interface, untouched")
        #expect(try node.request(publicKey)["port"] as? Int == port)
        #expect(try node.pingsGateway())
        // Emulation makes every process start slow: give the daemons time to come up.
        #expect(await eventually(timeout: .seconds(90)) {
            (try? gateway.gwctlJSON([PeerStatus].self, "peers", "list"))?.first?.registeredWith.count == 3
        }, "registered again with babeld, mmfd and l3roamd: \((try? gateway.gwctl("status").stdout) ?? "") \(again.output)")
    }
}
