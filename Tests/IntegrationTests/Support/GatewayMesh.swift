import Foundation
import GatewayControl
import Testing

/// A mesh as a community runs it, out of namespaces: an "Internet" (an upstream router with
/// the host 2001:db8:ffff::1 on its loopback, routing WHOLENET back to each gateway),
/// gateways running `gatewayd run` with the real daemons, joined by a backbone link given
/// in MESHIFS, and nodes with a WireGuard tunnel to any of them. Addresses:
/// gateway G's uplink 2001:db8:feG0::/64 (G = a, b: ::1 the gateway, ::ff the Internet),
/// the underlay between gateway G and node N 2001:db8:ffGN::/64 (::1 and ::2),
/// gateway G's OWNIP 2001:db8:0:1::1 or ::2, node N's mesh address 2001:db8:0:1::1N.
final class GatewayMesh {
    static let internetHost = "2001:db8:ffff::1"
    static let wholeNet = "2001:db8::/40"

    let internet: NetworkNamespace
    let directory: URL
    private(set) var gateways: [Gateway] = []
    private(set) var nodes: [Node] = []

    init(gateways count: Int) throws {
        if let missing = MeshDaemon.missing { throw NetworkNamespace.Failure(description: missing) }
        internet = try NetworkNamespace.create(prefix: "gwtest-inet")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(internet.name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try internet.exec("ip", "link", "set", "lo", "up")
        try internet.exec("ip", "-6", "addr", "add", "\(Self.internetHost)/128", "dev", "lo")
        for index in 0..<count { gateways.append(try Gateway(index: index, mesh: self)) }
        if count == 2 {  // the backbone, a static mesh interface of both
            try gateways[0].namespace.exec("ip", "link", "add", "bb0", "type", "veth", "peer", "name", "bb0", "netns", gateways[1].namespace.name)
            for gateway in gateways { try gateway.namespace.exec("ip", "link", "set", "bb0", "multicast", "on", "up") }
        }
    }

    deinit {
        nodes.removeAll()
        gateways.removeAll()
        internet.delete()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A node linked by an underlay veth to every gateway (a tunnel comes with `connect`).
    func addNode() throws -> Node {
        let node = try Node(number: nodes.count + 1, mesh: self)
        nodes.append(node)
        return node
    }

    /// Echo requests from `source` the Internet host received through each gateway's uplink
    /// (ip6tables counters on the Internet's side).
    func echoRequestsArrived(from source: String) throws -> [Int] {
        try gateways.map { gateway in
            let rules = try internet.exec("ip6tables-legacy", "-L", "INPUT", "-v", "-x", "-n")
            let line = rules.split(separator: "\n").first { $0.contains(" \(gateway.uplinkName) ") && $0.contains(source) }
            return line.flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        }
    }

    /// The gateway whose uplink carries `source`'s echo requests now (a steady ping must be
    /// running): the one whose count grows within 300 ms while the other's stays.
    func exitGateway(for source: String) async throws -> Int? {
        let before = try echoRequestsArrived(from: source)
        try await Task.sleep(for: .milliseconds(300))
        let after = try echoRequestsArrived(from: source)
        let grown = before.indices.filter { after[$0] > before[$0] }
        return grown.count == 1 ? grown[0] : nil
    }

    /// Counts echo requests from `source` per uplink from now on.
    func countEchoRequests(from source: String) throws {
        for gateway in gateways {
            try internet.exec("ip6tables-legacy", "-A", "INPUT", "-i", gateway.uplinkName, "-s", source,
                              "-p", "ipv6-icmp", "--icmpv6-type", "echo-request")
        }
    }

    final class Gateway {
        let index: Int
        let namespace: NetworkNamespace
        let directory: URL
        var letter: String { index == 0 ? "a" : "b" }
        var uplinkPrefix: String { "2001:db8:fe\(letter)0" }
        /// The Internet's end of this gateway's uplink.
        var uplinkName: String { "gw\(letter)" }
        var ownIP: String { "2001:db8:0:1::\(index + 1)" }
        var controlSocket: String { directory.appendingPathComponent("gatewayd.sock").path }
        private(set) var running: BackgroundProcess?
        private unowned let mesh: GatewayMesh

        init(index: Int, mesh: GatewayMesh) throws {
            self.index = index
            self.mesh = mesh
            namespace = try NetworkNamespace.create(prefix: "gwtest-gw\(index == 0 ? "a" : "b")")
            directory = mesh.directory.appendingPathComponent(namespace.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try namespace.exec("ip", "link", "set", "lo", "up")
            for ns in [namespace, mesh.internet] { try ns.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0") }
            try namespace.exec("ip", "link", "add", "wan0", "type", "veth", "peer", "name", uplinkName, "netns", mesh.internet.name)
            try namespace.exec("ip", "-6", "addr", "add", "\(uplinkPrefix)::1/64", "dev", "wan0")
            try mesh.internet.exec("ip", "-6", "addr", "add", "\(uplinkPrefix)::ff/64", "dev", uplinkName)
            try namespace.exec("ip", "link", "set", "wan0", "up")
            try mesh.internet.exec("ip", "link", "set", uplinkName, "up")
            try namespace.exec("ip", "-6", "addr", "add", "\(ownIP)/128", "dev", "lo")
            try restoreUplink()
            // What babeld announces to the mesh (table 12), for mesh sources only.
            try namespace.exec("ip", "-6", "route", "add", "default", "from", GatewayMesh.wholeNet, "via", "\(uplinkPrefix)::ff",
                               "dev", "wan0", "proto", "static", "table", "12")
        }

        deinit {
            running = nil
            namespace.delete()
        }

        /// An upstream outage: the gateway's default route goes, and the Internet stops
        /// routing the mesh to it.
        func cutUplink() throws {
            try namespace.exec("ip", "-6", "route", "del", "default", "via", "\(uplinkPrefix)::ff", "dev", "wan0")
            try mesh.internet.exec("ip", "-6", "route", "del", GatewayMesh.wholeNet, "via", "\(uplinkPrefix)::1")
        }

        /// The upstream is back (gateway A's route back preferred by the Internet).
        func restoreUplink() throws {
            try namespace.exec("ip", "-6", "route", "add", "default", "via", "\(uplinkPrefix)::ff", "dev", "wan0")
            try mesh.internet.exec("ip", "-6", "route", "add", GatewayMesh.wholeNet, "via", "\(uplinkPrefix)::1", "dev", uplinkName,
                                   "metric", String(100 + index))
        }

        /// `gatewayd run` with the real daemons and a quick uplink check, with a
        /// /run/wireguard of its own (both gateways name their tunnels babel-wg-N).
        func start() throws {
            let meshInterfaces = mesh.gateways.count > 1 ? "bb0" : ""
            try """
                WHOLENET=\(GatewayMesh.wholeNet)
                NODEPREFIX=2001:db8:0:1::/64
                CLIENTPREFIX=2001:db8:0:2::/64
                NEXTNODE=2001:db8:0:2::1
                OWNIP=\(ownIP)
                WAN=wan0
                MESHIFS=\(meshInterfaces)
                WG_BACKEND=userspace
                PRIVATEKEY=\(directory.path)/private.key
                RUNDIR=\(directory.path)/run
                STATEDIR=\(directory.path)/state
                CONTROLSOCKET=\(controlSocket)
                BABELD=\(MeshDaemon.babeld)
                MMFD=\(MeshDaemon.mmfd)
                L3ROAMD=\(MeshDaemon.l3roamd)
                MMFDSOCK=\(directory.path)/mmfd.sock
                L3ROAMDSOCK=\(directory.path)/l3roamd.sock
                UPLINKROUTE=::/0
                UPLINKINTERVAL=1
                UPLINKFAILURES=2
                UPLINKRECOVERIES=2
                """.write(to: directory.appendingPathComponent("env-file"), atomically: true, encoding: .utf8)
            running = try BackgroundProcess(
                GatewayNamespace.gatewaydCommand(in: namespace, envFile: directory.appendingPathComponent("env-file"), "run"),
                logFile: directory.appendingPathComponent("gatewayd.log"))
        }

        var log: String { running?.output ?? "" }

        var publicKey: String? {
            log.split(separator: "\n").lazy.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("public-key=") }.map { String($0.dropFirst("public-key=".count)) }
            }.first
        }

        func status() throws -> GatewayStatus {
            let output = try Command.run([BuiltProduct.path("gwctl"), "status", "--json", "--socket", controlSocket])
            guard output.status == 0 else { throw Command.Failed(command: ["gwctl", "status"], output: output) }
            return try JSONDecoder().decode(GatewayStatus.self, from: Data(output.stdout.utf8))
        }

        func peers() throws -> [PeerStatus] {
            let output = try Command.run([BuiltProduct.path("gwctl"), "peers", "list", "--json", "--socket", controlSocket])
            guard output.status == 0 else { throw Command.Failed(command: ["gwctl", "peers", "list"], output: output) }
            return try JSONDecoder().decode([PeerStatus].self, from: Data(output.stdout.utf8))
        }

        /// What this gateway announces to the mesh (table 12).
        func announced() throws -> String { try namespace.exec("ip", "-6", "route", "show", "table", "12") }
    }

    /// A mesh node: babeld 1.14 and a wireguard-go tunnel per gateway it connects to. It
    /// asks each broker over the real v1 protocol (socat, not the product's code).
    final class Node {
        let number: Int
        let namespace: NetworkNamespace
        let secret: String
        let publicKey: String
        var meshAddress: String { "2001:db8:0:1::1\(number)" }
        private(set) var tunnels: [String: String] = [:]  // gateway letter → tunnel interface
        private var processes: [BackgroundProcess] = []
        private unowned let mesh: GatewayMesh
        private let tag = String(UInt16.random(in: 1000...9999))

        init(number: Int, mesh: GatewayMesh) throws {
            self.number = number
            self.mesh = mesh
            (secret, publicKey) = try MeshNode.keyPair()
            namespace = try NetworkNamespace.create(prefix: "gwtest-n\(number)")
            try namespace.exec("ip", "link", "set", "lo", "up")
            try namespace.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.forwarding=1")
            for gateway in mesh.gateways {
                let underlay = Self.underlay(gateway, number)
                try gateway.namespace.exec("ip", "link", "add", "lan\(number)", "type", "veth", "peer", "name", "wan\(gateway.letter)",
                                           "netns", namespace.name)
                try gateway.namespace.exec("ip", "-6", "addr", "add", "\(underlay)::1/64", "dev", "lan\(number)", "nodad")
                try namespace.exec("ip", "-6", "addr", "add", "\(underlay)::2/64", "dev", "wan\(gateway.letter)", "nodad")
                try gateway.namespace.exec("ip", "link", "set", "lan\(number)", "up")
                try namespace.exec("ip", "link", "set", "wan\(gateway.letter)", "up")
                // A veth passes traffic once both ends report UP (a broker request sent
                // earlier can fail with "No route to host").
                for (ns, link) in [(gateway.namespace, "lan\(number)"), (namespace, "wan\(gateway.letter)")] {
                    try ns.waitFor("\(link) up") { try ns.exec("ip", "link", "show", link).contains("state UP") }
                }
            }
            try namespace.exec("ip", "-6", "addr", "add", "\(meshAddress)/128", "dev", "lo")
        }

        deinit {
            processes.removeAll()
            for tunnel in tunnels.values { _ = try? namespace.exec("ip", "link", "del", tunnel) }
            namespace.delete()
        }

        private static func underlay(_ gateway: Gateway, _ number: Int) -> String { "2001:db8:ff\(gateway.letter)\(number)" }
        private func underlay(_ gateway: Gateway) -> String { Self.underlay(gateway, number) }

        /// One v1 request to `gateway`'s broker: the decoded reply.
        func request(_ gateway: Gateway) throws -> [String: Any] {
            let reply = try namespace.exec("sh", "-c", "printf '{\"version\":1,\"pubkey\":\"\(publicKey)\"}\\n' | socat -t 5 - TCP6:[\(underlay(gateway))::1]:40000")
            guard let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any] else {
                throw Command.Failed(command: ["broker request"], output: .init(status: 0, stdout: reply, stderr: ""))
            }
            return object
        }

        /// Asks `gateway` for a tunnel and sets up the node's side; the broker's reply.
        @discardableResult
        func connect(to gateway: Gateway) async throws -> [String: Any] {
            let reply = try request(gateway)
            guard let port = reply["port"] as? Int, let gatewayKey = gateway.publicKey else { return reply }
            let tunnel = "gwtn\(tag)\(gateway.letter)"
            processes.append(try BackgroundProcess(["ip", "netns", "exec", namespace.name, "wireguard-go", "-f", tunnel],
                                                   logFile: mesh.directory.appendingPathComponent("\(tunnel)-wg.log")))
            guard try await eventually(timeout: .seconds(10), { try namespace.attempt(["ip", "link", "show", tunnel]).status == 0 }) else {
                throw Command.Failed(command: ["wireguard-go", tunnel], output: .init(status: 1, stdout: "", stderr: "no link"))
            }
            tunnels[gateway.letter] = tunnel
            let keyFile = mesh.directory.appendingPathComponent("\(tunnel).key")
            try secret.write(to: keyFile, atomically: true, encoding: .utf8)
            try namespace.exec("wg", "set", tunnel, "private-key", keyFile.path, "peer", gatewayKey,
                               "endpoint", "[\(underlay(gateway))::1]:\(port)", "allowed-ips", "::/0", "persistent-keepalive", "1")
            try namespace.exec("ip", "-6", "addr", "add", "fe80::1\(number)/64", "dev", tunnel)
            try namespace.exec("ip", "link", "set", tunnel, "multicast", "on", "up")
            return reply
        }

        var babelSocket: String { mesh.directory.appendingPathComponent("node\(number).babel.sock").path }

        /// babeld 1.14 on the tunnel to `gateway`, announcing the node's mesh address (and
        /// `extra` routes of its main table, e.g. a client's). Routes learned through a
        /// tunnel to B cost 5 more: the node prefers A while both announce the Internet.
        /// (babel keeps the route it has until another is clearly better, so a tunnel to B
        /// is added once the node uses A: `addBabelInterface`.)
        func runBabeld(on gateway: Gateway, announcing extra: [String] = []) throws {
            let tunnel = try tunnel(to: gateway)
            var arguments = ["ip", "netns", "exec", namespace.name, MeshDaemon.babeld, "-I", "",
                             "-S", mesh.directory.appendingPathComponent("node\(number).babel-state").path, "-G", babelSocket,
                             "-C", "interface \(tunnel) type tunnel", "-C", "in if gwtn\(tag)b metric 5"]
            arguments += extra.flatMap { ["-C", "redistribute ip \($0)/128 allow"] }
            arguments += ["-C", "redistribute local ip \(meshAddress)/128 allow", "-C", "redistribute local deny"]
            processes.append(try BackgroundProcess(arguments, logFile: mesh.directory.appendingPathComponent("node\(number)-babeld.log")))
        }

        /// The tunnel to `gateway` registered with the running babeld, over its local socket.
        func addBabelInterface(_ gateway: Gateway) throws {
            let answer = try namespace.exec("sh", "-c", "printf 'interface \(try tunnel(to: gateway)) type tunnel\\nquit\\n' | socat -t 1 - UNIX-CONNECT:\(babelSocket)")
            // The greeting ends with "ok"; then the directive's own.
            guard answer.split(separator: "\n").filter({ $0 == "ok" }).count == 2 else {
                throw Command.Failed(command: ["babeld", "interface"], output: .init(status: 1, stdout: answer, stderr: ""))
            }
        }

        func tunnel(to gateway: Gateway) throws -> String {
            guard let tunnel = tunnels[gateway.letter] else {
                throw Command.Failed(command: ["tunnel to \(gateway.letter)"], output: .init(status: 1, stdout: "", stderr: "not connected"))
            }
            return tunnel
        }

        /// For failure messages: the node's routes, tunnels and babeld's log.
        var diagnostics: String {
            let routes = (try? namespace.exec("ip", "-6", "route")) ?? ""
            // Only its own tunnels: `wg show` alone asks every UAPI socket of the machine.
            let wireguard = tunnels.values.sorted().map { (try? namespace.exec("wg", "show", $0)) ?? "" }.joined()
            let log = (try? String(contentsOf: mesh.directory.appendingPathComponent("node\(number)-babeld.log"), encoding: .utf8)) ?? ""
            return "routes:\n\(routes)\nwg:\n\(wireguard)\nbabeld:\n\(log.suffix(1500))"
        }

        /// The tunnel the node's source-specific default route (learned over babel) uses.
        func defaultRouteTunnel() throws -> String? {
            let routes = try namespace.exec("ip", "-6", "route", "show")
            guard let line = routes.split(separator: "\n").first(where: { $0.hasPrefix("default from \(GatewayMesh.wholeNet) via fe80:") && $0.contains("proto babel") }) else { return nil }
            let words = line.split(separator: " ")
            return words.firstIndex(of: "dev").map { String(words[$0 + 1]) }
        }

        /// One ping from the node's mesh address to the Internet host.
        func reachesInternet() throws -> Bool {
            try namespace.attempt(["ping", "-6", "-c", "1", "-W", "1", "-I", meshAddress, GatewayMesh.internetHost]).status == 0
        }

        /// A steady ping (every 50 ms) to the Internet host, timestamped, until stopped.
        func steadyPing(log: URL) throws -> BackgroundProcess {
            try BackgroundProcess(["ip", "netns", "exec", namespace.name, "ping", "-6", "-D", "-i", "0.05", "-W", "1",
                                   "-I", meshAddress, GatewayMesh.internetHost], logFile: log)
        }

        /// A client namespace behind this node, its address from CLIENTPREFIX, routed by
        /// the node (announce it with `runBabeld(announcing:)`).
        func addClient(_ address: String) throws -> NetworkNamespace {
            let client = try NetworkNamespace.create(prefix: "gwtest-cl")
            try client.exec("ip", "link", "set", "lo", "up")
            try client.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
            try namespace.exec("ip", "link", "add", "cl0", "type", "veth", "peer", "name", "eth0", "netns", client.name)
            try namespace.exec("ip", "-6", "addr", "add", "fe80::1/64", "dev", "cl0", "nodad")
            try client.exec("ip", "-6", "addr", "add", "fe80::100/64", "dev", "eth0", "nodad")
            try client.exec("ip", "-6", "addr", "add", "\(address)/128", "dev", "eth0", "nodad")
            try namespace.exec("ip", "link", "set", "cl0", "up")
            try client.exec("ip", "link", "set", "eth0", "up")
            try client.exec("ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0")
            try namespace.exec("ip", "-6", "route", "add", "\(address)/128", "dev", "cl0", "proto", "static")
            return client
        }
    }
}

/// What a `ping -D` log shows: the sequence numbers answered and when.
struct PingLog {
    let replies: [Int: Double]

    init(_ text: String) {
        var replies: [Int: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("[") && line.contains("bytes from") {
            guard let close = line.firstIndex(of: "]"), let time = Double(line[line.index(after: line.startIndex)..<close]),
                  let range = line.range(of: "icmp_seq="),
                  let seq = Int(line[range.upperBound...].prefix { $0.isNumber }) else { continue }
            replies[seq] = time
        }
        self.replies = replies
    }

    /// Sequence numbers never answered among those sent after the last one answered before
    /// `since` (seconds since the epoch), up to the last answered one.
    func lost(after since: Double) -> [Int] {
        guard let last = replies.keys.max(), let first = replies.keys.min() else { return [] }
        let from = (replies.filter { $0.value < since }.keys.max() ?? first) + 1
        return from <= last ? (from...last).filter { replies[$0] == nil } : []
    }
}
