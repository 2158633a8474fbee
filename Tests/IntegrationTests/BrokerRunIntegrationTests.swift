import Foundation
import GatewayControl
import Testing

/// `gatewayd run` with the broker on the userspace backend, end to end: a node in its own
/// namespace asks for a tunnel over the real v1 protocol (socat, not the product's code),
/// configures its side with wireguard-go and `wg`, and pings the gateway across the tunnel.
/// Serialized: the gateway's interfaces are `babel-wg-N` and wireguard-go's UAPI socket
/// directory is shared by every namespace of the machine.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class BrokerRunIntegrationTests {
    let gateway: GatewayNamespace
    let node: NetworkNamespace
    var namespace: NetworkNamespace { gateway.namespace }
    let nodeInterface = "gwtn\(UInt16.random(in: 1000...9999))"
    var nodeWireGuard: BackgroundProcess?

    init() throws {
        gateway = try GatewayNamespace("gwtest-brk")
        node = try NetworkNamespace.create(prefix: "gwtest-bnode")
        try node.exec("ip", "link", "set", "lo", "up")
        try namespace.exec("ip", "link", "add", "wan1", "type", "veth", "peer", "name", "up0")
        try namespace.exec("ip", "link", "set", "up0", "netns", node.name)
        try namespace.exec("ip", "-6", "addr", "add", "2001:db8:ff::1/64", "dev", "wan1", "nodad")
        try node.exec("ip", "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "up0", "nodad")
        try namespace.exec("ip", "link", "set", "wan1", "up")
        try node.exec("ip", "link", "set", "up0", "up")
        try gateway.writeEnvFile(extra: "WAN=wan1\nWG_BACKEND=userspace\nMAXCONNECTIONS=2\nMETRICS_LISTEN=127.0.0.1:9184")
    }

    deinit {
        nodeWireGuard = nil
        _ = try? node.exec("ip", "link", "del", nodeInterface)
        node.delete()
    }

    /// Starts `gatewayd run` as PID 1 of its own PID namespace, as in a container: when it
    /// is killed, the kernel ends its daemons and wireguard-go children with it.
    func start() async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommandAsPid1("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        #expect(await eventually(timeout: .seconds(20)) { run.output.contains("broker open") }, "\(run.output)")
        return run
    }

    /// One v1 request from the node, as a field node's wg-broker client sends it.
    func request(_ publicKey: String) throws -> [String: Any] {
        let reply = try node.exec("sh", "-c",
                                  "printf '{\"version\":1,\"pubkey\":\"\(publicKey)\"}\\n' | socat -t 5 - TCP6:[2001:db8:ff::1]:40000")
        return try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any], "reply: \(reply)")
    }

    static func keyPair() throws -> (secret: String, public: String) {
        let secret = try Command.check(["wg", "genkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let publicKey = try Command.check(["sh", "-c", "echo \(secret) | wg pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (secret, publicKey)
    }

    /// The gateway's public key, as gatewayd logged it at start.
    func gatewayPublicKey(_ run: BackgroundProcess) throws -> String {
        let line = try #require(run.output.split(separator: "\n").first { $0.contains("public-key=") })
        return String(try #require(line.split(separator: " ").first { $0.hasPrefix("public-key=") }).dropFirst("public-key=".count))
    }

    /// The node's side: wireguard-go in the node namespace, peered with the gateway's port.
    func connectNode(secret: String, gatewayKey: String, port: Int) async throws {
        nodeWireGuard = try BackgroundProcess(["ip", "netns", "exec", node.name, "wireguard-go", "-f", nodeInterface],
                                              logFile: gateway.directory.appendingPathComponent("node-wg.log"))
        #expect(try await eventually(timeout: .seconds(10)) {
            try node.attempt(["ip", "link", "show", nodeInterface]).status == 0
        })
        let keyFile = gateway.directory.appendingPathComponent("node.key")
        try secret.write(to: keyFile, atomically: true, encoding: .utf8)
        try node.exec("wg", "set", nodeInterface, "private-key", keyFile.path, "peer", gatewayKey,
                      "endpoint", "[2001:db8:ff::1]:\(port)", "allowed-ips", "::/0", "persistent-keepalive", "1")
        try node.exec("ip", "-6", "addr", "add", "fe80::2/64", "dev", nodeInterface, "nodad")
        try node.exec("ip", "link", "set", nodeInterface, "up")
    }

    @Test func aNodeGetsATunnelAndPingsTheGatewayAcrossIt() async throws {
        let run = try await start()
        let (secret, publicKey) = try Self.keyPair()
        let reply = try request(publicKey)
        #expect(reply["version"] as? Int == 1)
        let port = try #require(reply["port"] as? Int, "\(reply)")
        #expect((40000..<41000).contains(port))
        #expect(abs((reply["time"] as? Double ?? 0) - Date().timeIntervalSince1970) < 60)
        #expect(try request(publicKey)["port"] as? Int == port, "a repeated request keeps the port")

        try await connectNode(secret: secret, gatewayKey: try gatewayPublicKey(run), port: port)
        let pinged = try await eventually(timeout: .seconds(20)) {
            try node.attempt(["ping", "-6", "-c", "1", "-W", "1", "fe80::1%\(nodeInterface)"]).status == 0
        }
        #expect(pinged, "\(run.output)")
        // The gateway registered its side with babeld (asynchronously: it may trail the first ping).
        #expect(try await eventually(timeout: .seconds(10)) {
            try namespace.exec("sh", "-c", "printf 'dump\\nquit\\n' | socat -t 1 - UNIX-CONNECT:\(gateway.directory.path)/run/babeld.sock")
                .contains("add interface babel-wg-1 up true")
        })
    }

    /// gwctl sees the real peer (handshake age, endpoint, traffic, registrations); a reload
    /// during a ping run leaves its tunnel alone (same handshake, no packet lost); removal
    /// deregisters it and deletes the interface.
    @Test func gwctlShowsReloadsAroundAndRemovesARealPeer() async throws {
        let run = try await start()
        let (secret, publicKey) = try Self.keyPair()
        let port = try #require(try request(publicKey)["port"] as? Int)
        try await connectNode(secret: secret, gatewayKey: try gatewayPublicKey(run), port: port)
        let ping = ["ping", "-6", "-c", "1", "-W", "1", "fe80::1%\(nodeInterface)"]
        #expect(try await eventually(timeout: .seconds(20)) { try node.attempt(ping).status == 0 }, "\(run.output)")
        #expect(try await eventually(timeout: .seconds(10)) {
            try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first?.registeredWith.count == 3
        })

        let peer = try #require(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first)
        #expect(peer.interface == "babel-wg-1" && peer.port == port && peer.publicKey == publicKey)
        #expect(peer.endpoint?.hasPrefix("[2001:db8:ff::2]:") == true, "\(peer)")
        #expect((peer.handshakeAgeSeconds ?? 999) < 180 && (peer.rxBytes ?? 0) > 0 && (peer.txBytes ?? 0) > 0)
        #expect(Set(peer.registeredWith) == ["babeld", "mmfd", "l3roamd"])
        #expect(try gateway.gwctlJSON(GatewayStatus.self, "status").broker.peers == 1)
        let table = try gateway.gwctl("peers", "list")
        #expect(table.stdout.contains("babel-wg-1") && table.stdout.contains("HANDSHAKE"), "\(table.stdout)")
        #expect(try gateway.gwctl("peers", "list", "--key-prefix", "zzz").stdout.contains("no peers"))
        #expect(try gateway.gwctlJSON(PeerStatus.self, "peers", "show", "babel-wg-1").publicKey == publicKey)
        let metrics = try namespace.exec("sh", "-c", "printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' | socat -t 5 - TCP4:127.0.0.1:9184")
        for line in ["gatewayd_peers 1", "gatewayd_peers_recent_handshake 1", "gatewayd_broker_requests_total{result=\"accepted\"} 1",
                     "gatewayd_broker_request_duration_seconds_count 1", "gatewayd_child_up{daemon=\"babeld\"} 1",
                     "gatewayd_peer_handshake_age_seconds{interface=\"babel-wg-1\",key=\"\(publicKey)\"}"] {
            #expect(metrics.contains(line), "\(line) in \(metrics)")
        }

        let pings = try BackgroundProcess(["ip", "netns", "exec", node.name, "ping", "-6", "-c", "40", "-i", "0.1", "fe80::1%\(nodeInterface)"],
                                          logFile: gateway.directory.appendingPathComponent("ping.log"))
        try await Task.sleep(for: .seconds(1))
        try gateway.writeEnvFile(extra: "WAN=wan1\nWG_BACKEND=userspace\nMAXCONNECTIONS=3\nMETRICS_LISTEN=127.0.0.1:9184")
        let report = try gateway.gwctlJSON(ReloadReport.self, "reload")
        #expect(report.changedVariables == ["MAXCONNECTIONS"] && report.restarted.isEmpty)
        #expect(await pings.waitForExit(timeout: .seconds(15)) == 0)
        #expect(pings.output.contains(" 0% packet loss"), "\(pings.output)")
        let after = try #require(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first)
        #expect(after.port == port && after.interface == peer.interface && after.created == peer.created)

        let removed = try gateway.gwctl("peers", "remove", publicKey)
        #expect(removed.status == 0 && removed.stdout.contains("removed babel-wg-1"), "\(removed.stderr)")
        #expect(try namespace.attempt(["ip", "link", "show", "babel-wg-1"]).status != 0)
        #expect(gateway.received(by: "mmfd").contains("del_meshif babel-wg-1"))
        #expect(gateway.received(by: "l3roamd").contains("del_meshif babel-wg-1"))
        #expect(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").isEmpty)
    }

    @Test func theLimitAndAKilledGatewaydAreHandledWithoutLosingPeers() async throws {
        var run = try await start()
        let first = try request(try Self.keyPair().public)
        let second = try request(try Self.keyPair().public)
        let refused = try request(try Self.keyPair().public)
        #expect(first["port"] as? Int == 40000 && second["port"] as? Int == 40001, "\(first) \(second) \(run.output)")
        let error = try #require(refused["error"] as? [String: Any], "MAXCONNECTIONS=2: \(refused)")
        #expect(error["code"] as? Int == 1)
        #expect(error["reason"] as? String == "Remote peer is not accepting additional connections")

        let pid1 = try #require(GatewayNamespace.pid1(under: run.pid))
        kill(pid1, SIGKILL)
        _ = await run.waitForExit(timeout: .seconds(5))
        run = try await start()
        #expect(run.output.contains("restored 2 peers"), "\(run.output)")
        let (secret, publicKey) = try Self.keyPair()
        #expect(try request(publicKey)["error"] != nil, "still full after the restart")
        _ = secret
    }

    /// kill -9 of gatewayd (PID 1: its wireguard-go children die with it) and a new start:
    /// the stored peer is rebuilt on its old port and the node's unchanged tunnel works again.
    @Test func aTunnelWorksAgainAfterGatewaydIsKilledAndStarted() async throws {
        var run = try await start()
        let (secret, publicKey) = try Self.keyPair()
        let port = try #require(try request(publicKey)["port"] as? Int)
        try await connectNode(secret: secret, gatewayKey: try gatewayPublicKey(run), port: port)
        let ping = { try self.node.attempt(["ping", "-6", "-c", "1", "-W", "1", "fe80::1%\(self.nodeInterface)"]).status == 0 }
        #expect(try await eventually(timeout: .seconds(20)) { try ping() }, "\(run.output)")

        kill(try #require(GatewayNamespace.pid1(under: run.pid)), SIGKILL)
        _ = await run.waitForExit(timeout: .seconds(5))
        #expect(try !ping(), "the tunnel died with gatewayd")
        run = try await start()
        #expect(run.output.contains("restored 1 peers (0 adopted, 1 recreated"), "\(run.output)")
        #expect(try await eventually(timeout: .seconds(30)) { try ping() }, "\(run.output)")
    }
}
