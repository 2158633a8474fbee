import Foundation

/// A mesh node in a namespace of its own, linked to the gateway namespace by a veth on
/// 2001:db8:ff::/64 (gateway ::1 on `wan1`, node ::2): it asks the broker for a tunnel over
/// the real v1 protocol (socat, not the product's code) and sets up its side of the tunnel
/// with `wg` — on wireguard-go or, in the VM, on kernel WireGuard.
final class MeshNode {
    enum WireGuard { case userspace, kernel }

    let namespace: NetworkNamespace
    let interface = "gwtn\(UInt16.random(in: 1000...9999))"
    private let scratch: URL
    private var wireguardGo: BackgroundProcess?
    private var babeld: BackgroundProcess?

    init(linkedTo gateway: GatewayNamespace) throws {
        namespace = try NetworkNamespace.create(prefix: "gwtest-node")
        scratch = gateway.directory
        try namespace.exec("ip", "link", "set", "lo", "up")
        try gateway.namespace.exec("ip", "link", "add", "wan1", "type", "veth", "peer", "name", "up0")
        try gateway.namespace.exec("ip", "link", "set", "up0", "netns", namespace.name)
        try gateway.namespace.exec("ip", "-6", "addr", "add", "2001:db8:ff::1/64", "dev", "wan1", "nodad")
        try namespace.exec("ip", "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "up0", "nodad")
        try gateway.namespace.exec("ip", "link", "set", "wan1", "up")
        try namespace.exec("ip", "link", "set", "up0", "up")
    }

    deinit {
        babeld = nil
        wireguardGo = nil
        _ = try? namespace.exec("ip", "link", "del", interface)
        namespace.delete()
    }

    static func keyPair() throws -> (secret: String, public: String) {
        let secret = try Command.check(["wg", "genkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let publicKey = try Command.check(["sh", "-c", "echo \(secret) | wg pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (secret, publicKey)
    }

    /// One v1 request, as a field node's wg-broker client sends it.
    func request(_ publicKey: String) throws -> [String: Any] {
        let reply = try namespace.exec("sh", "-c",
                                       "printf '{\"version\":1,\"pubkey\":\"\(publicKey)\"}\\n' | socat -t 5 - TCP6:[2001:db8:ff::1]:40000")
        guard let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any] else {
            throw Command.Failed(command: ["broker request"], output: .init(status: 0, stdout: reply, stderr: ""))
        }
        return object
    }

    /// The node's end of every tunnel; the gateway's is fe80::N on babel-wg-N.
    static let tunnelAddress = "fe80::ffff"

    /// The node's side of the tunnel to the gateway's port, up.
    func connect(secret: String, gatewayKey: String, port: Int, using kind: WireGuard) async throws {
        switch kind {
        case .userspace:
            wireguardGo = try BackgroundProcess(["ip", "netns", "exec", namespace.name, "wireguard-go", "-f", interface],
                                                logFile: scratch.appendingPathComponent("\(interface)-wg.log"))
            let created = try await eventually(timeout: .seconds(10)) {
                try namespace.attempt(["ip", "link", "show", interface]).status == 0
            }
            guard created else { throw Command.Failed(command: ["wireguard-go", interface], output: .init(status: 1, stdout: "", stderr: "no link")) }
        case .kernel:
            try namespace.exec("ip", "link", "add", interface, "type", "wireguard")
        }
        let keyFile = scratch.appendingPathComponent("\(interface).key")
        try secret.write(to: keyFile, atomically: true, encoding: .utf8)
        try namespace.exec("wg", "set", interface, "private-key", keyFile.path, "peer", gatewayKey,
                           "endpoint", "[2001:db8:ff::1]:\(port)", "allowed-ips", "::/0", "persistent-keepalive", "1")
        try namespace.exec("ip", "-6", "addr", "add", "\(Self.tunnelAddress)/64", "dev", interface, "nodad")
        try namespace.exec("ip", "link", "set", interface, "up")
    }

    /// One ping to the gateway's end of the tunnel.
    func pingsGateway(_ address: String = "fe80::1") throws -> Bool {
        try namespace.attempt(["ping", "-6", "-c", "1", "-W", "1", "\(address)%\(interface)"]).status == 0
    }

    /// babeld on the tunnel, announcing `address` (put on lo), so the gateway learns a route.
    func runBabeld(announcing address: String) throws {
        try namespace.exec("ip", "-6", "addr", "add", "\(address)/128", "dev", "lo")
        babeld = try BackgroundProcess(
            ["ip", "netns", "exec", namespace.name, MeshDaemon.babeld, "-I", "", "-S", scratch.appendingPathComponent("\(interface).babel-state").path,
             "-G", scratch.appendingPathComponent("\(interface).babel.sock").path,
             "-C", "interface \(interface) type tunnel", "-C", "redistribute local ip \(address)/128 allow", "-C", "redistribute local deny"],
            logFile: scratch.appendingPathComponent("\(interface)-babeld.log"))
    }

    /// What the node's babeld has learned (its `dump`).
    func babelDump() throws -> String {
        try namespace.exec("sh", "-c", "printf 'dump\\nquit\\n' | socat -t 1 - UNIX-CONNECT:\(scratch.appendingPathComponent("\(interface).babel.sock").path)")
    }
}
