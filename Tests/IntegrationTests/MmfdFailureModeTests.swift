import Foundation
import GatewayControl
import GatewayCore
import GatewaySystem
import Glibc
import Testing

/// The real mmfd's failure modes, in namespaces of the test's own: it dies of SIGPIPE when
/// a client closes before mmfd writes its reply, and segfaults forwarding multicast to a
/// neighbour whose interface was deregistered (socket.c, main.c forward_packet).
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
struct MmfdFailureModeTests {
    /// A readiness probe that times out while mmfd is busy (stopped here) must not close
    /// under mmfd's coming write: mmfd answers once it runs again and is still alive.
    @Test func aProbeThatTimesOutDoesNotKillMmfd() async throws {
        try #require(MeshDaemon.missing == nil, "\(MeshDaemon.missing ?? "")")
        try await NetworkNamespace.with(prefix: "gwtest-mmfd") { namespace in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(namespace.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try namespace.addVeth("mesh0")
            let socket = directory.appendingPathComponent("mmfd.sock").path
            let mmfd = try BackgroundProcess(["ip", "netns", "exec", namespace.name, MeshDaemon.mmfd, "-s", socket, "-i", "mesh0"],
                                             logFile: directory.appendingPathComponent("mmfd.log"))
            #expect(await eventually(timeout: .seconds(5)) { (try? Self.ask(socket, "get_meshifs"))?.contains("mesh0") == true })

            // `ip netns exec` execs mmfd itself: the pid is mmfd's.
            kill(mmfd.pid, SIGSTOP)
            do {
                let probe = try ControlSocket(.unix(socket), timeout: .milliseconds(300))
                try probe.send(line: "get_meshifs")
                #expect(throws: ControlSocket.Failure.self) { try probe.readToEnd() }
            }
            kill(mmfd.pid, SIGCONT)
            // mmfd now writes the reply the probe gave up on, then takes the next request.
            let answered = await eventually(timeout: .seconds(5)) { (try? Self.ask(socket, "get_meshifs"))?.contains("mesh0") == true }
            #expect(mmfd.isRunning, "mmfd exited with status \(mmfd.exitStatus.map(String.init) ?? "-"): \(mmfd.output)")
            #expect(answered)
        }
    }

    /// A peer interface whose node is mmfd's neighbour, removed as PeerManager removes it
    /// (deregistration queued, then the link deleted) while respondd-style multicast goes
    /// out through mmfd0, the removal retried as the supervisor retries a deferred one:
    /// mmfd stays up, and `del_meshif` reaches it once the neighbour is forgotten (mmfd keeps
    /// one 50 s after its last hello, so this test takes about a minute).
    @Test func removingAPeerWithANeighbourWhileMulticastFlowsLeavesMmfdUp() async throws {
        let pair = try MmfdPair()
        defer { pair.delete() }
        try await pair.start()
        try await pair.removeAsPeerManagerDoes()

        try await pair.gateway.sendMulticast(for: .seconds(3))
        #expect(pair.mmfd.isRunning, "mmfd exited with status \(pair.status) right after the removal: \(pair.mmfd.output.suffix(2000))")
        var sent = false
        for _ in 0..<35 where pair.mmfd.isRunning && !sent {
            try await pair.gateway.sendMulticast(for: .seconds(2))
            sent = try await pair.control.perform(.init(.remove, pair.link, with: .mmfd)) == .sent
        }
        try await pair.gateway.sendMulticast(for: .seconds(1))
        let listed = try Self.ask(pair.socket, "get_meshifs")
        #expect(sent && !listed.contains(pair.link), "mmfd still lists \(pair.link)")
        #expect(pair.mmfd.isRunning, "mmfd exited with status \(pair.status): \(pair.mmfd.output.suffix(2000))")
    }

    /// The name comes back (a peer number given out again, a MESHIFS link created again)
    /// while its removal waits: mmfd still lists it, bound to the old link; after the add it
    /// is rebound and learns the new link's neighbour, and the stale removal stays back.
    @Test func aNameBackBeforeItsRemovalIsRegisteredOnTheNewLink() async throws {
        let pair = try MmfdPair()
        defer { pair.delete() }
        try await pair.start()
        try await pair.removeAsPeerManagerDoes()
        try pair.connect()
        let address = try pair.nodeAddress()
        #expect(try await pair.control.perform(.init(.add, pair.link, with: .mmfd)) == .sent)
        // Hellos every 10 s: the new link's node is a neighbour within about that.
        let learned = await eventually(timeout: .seconds(25)) { (try? Self.ask(pair.socket, "get_neighbours"))?.contains(address) == true }
        #expect(learned, "no neighbour \(address) on the new \(pair.link): \((try? Self.ask(pair.socket, "get_neighbours")) ?? "")")
        try await pair.control.perform(.init(.remove, pair.link, with: .mmfd)).expectDeferred()
        try await pair.gateway.sendMulticast(for: .seconds(1))
        let listed = try Self.ask(pair.socket, "get_meshifs")
        #expect(pair.mmfd.isRunning && listed.contains(pair.link), "\(pair.mmfd.output.suffix(2000))")
    }

    static func ask(_ socket: String, _ line: String) throws -> String {
        let connection = try ControlSocket(.unix(socket), timeout: .seconds(2))
        try connection.send(line: line)
        return try connection.readToEnd()
    }
}

/// Two namespaces over a veth pair, each with the real mmfd on its end, neighbours of each
/// other; respondd's group routed into the gateway's mmfd0 as gatewayd routes it.
final class MmfdPair {
    let gateway: NetworkNamespace
    let node: NetworkNamespace
    let directory: URL
    let link = "mw\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
    let socket: String
    private(set) var mmfd: BackgroundProcess!
    private var nodeMmfd: BackgroundProcess?
    private(set) var control: MmfdSafeRemoval!
    var status: String { mmfd.exitStatus.map(String.init) ?? "-" }

    /// The namespaces only; `start()` does the rest, so `delete()` can always follow.
    init() throws {
        try #require(MeshDaemon.missing == nil, "\(MeshDaemon.missing ?? "")")
        let gateway = try NetworkNamespace.create(prefix: "gwtest-mmfdgw")
        do { node = try NetworkNamespace.create(prefix: "gwtest-mmfdnode") } catch {
            gateway.delete()
            throw error
        }
        self.gateway = gateway
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(gateway.name)
        socket = directory.appendingPathComponent("mmfd.sock").path
    }

    func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for namespace in [gateway, node] {
            try namespace.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
            try namespace.exec("ip", "link", "set", "lo", "up")
        }
        try gateway.exec("ip", "link", "add", link, "type", "veth", "peer", "name", "\(link)n", "netns", node.name)
        try gateway.exec("ip", "link", "set", link, "up")
        try node.exec("ip", "link", "set", "\(link)n", "up")
        mmfd = try BackgroundProcess(["ip", "netns", "exec", gateway.name, MeshDaemon.mmfd, "-s", socket, "-i", link],
                                     logFile: directory.appendingPathComponent("mmfd.log"))
        let config = try ConfigLoader.load(environment: [
            "WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
            "NEXTNODE": "2001:db8:0:2::1", "OWNIP": "2001:db8:0:1::1", "WAN": "wan0", "MMFDSOCK": socket,
            "RUNDIR": directory.path,
        ]).get().config
        control = MmfdSafeRemoval(wrapping: DaemonClients(config: config, babelControl: config.daemons.babelControl),
                                  mmfdSocket: socket)
        try startNodeMmfd()
        let socket = self.socket, link = self.link
        let neighbour = await eventually(timeout: .seconds(25)) { (try? MmfdFailureModeTests.ask(socket, "get_neighbours"))?.contains(link) == true }
        try #require(neighbour, "no mmfd neighbour on \(link): \(mmfd.output)")
        try gateway.exec("ip", "-6", "route", "add", "ff05::2:1001/128", "dev", "mmfd0", "table", "local")
    }

    /// The removal queued (mmfd defers it: the node is its neighbour), then the link deleted.
    func removeAsPeerManagerDoes() async throws {
        try await control.perform(.init(.remove, link, with: .mmfd)).expectDeferred()
        try gateway.exec("ip", "link", "delete", link)
    }

    private func startNodeMmfd() throws {
        nodeMmfd = nil
        nodeMmfd = try BackgroundProcess(["ip", "netns", "exec", node.name, MeshDaemon.mmfd, "-s", "\(socket)-node", "-i", "\(link)n"],
                                         logFile: directory.appendingPathComponent("node-mmfd.log"))
    }

    /// A new veth pair under the same name (a new link, a new node address), the node's
    /// mmfd restarted on its new end.
    func connect() throws {
        try gateway.exec("ip", "link", "add", link, "type", "veth", "peer", "name", "\(link)n", "netns", node.name)
        try gateway.exec("ip", "link", "set", link, "up")
        try node.exec("ip", "link", "set", "\(link)n", "up")
        try startNodeMmfd()
    }

    func nodeAddress() throws -> String {
        let show = try node.exec("ip", "-6", "-o", "addr", "show", "dev", "\(link)n", "scope", "link")
        guard let field = show.split(separator: " ").first(where: { $0.hasPrefix("fe80::") }) else {
            throw NetworkNamespace.Failure(description: "no link-local address on \(link)n: \(show)")
        }
        return String(field.split(separator: "/")[0])
    }

    func delete() {
        nodeMmfd = nil
        mmfd = nil
        gateway.delete()
        node.delete()
        try? FileManager.default.removeItem(at: directory)
    }
}

extension RegistrationOutcome {
    func expectDeferred(sourceLocation: SourceLocation = #_sourceLocation) {
        if case .deferred = self { return }
        Issue.record("not deferred: \(self)", sourceLocation: sourceLocation)
    }
}

extension NetworkNamespace {
    /// UDP to ff05::2:1001 (respondd's group, routed into mmfd0 as gatewayd does) every 100 ms.
    func sendMulticast(for duration: Duration) async throws {
        try await run {
            let descriptor = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            defer { close(descriptor) }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(1001).bigEndian
            inet_pton(AF_INET6, "ff05::2:1001", &address.sin6_addr)
            let payload = Array("GET nodeinfo".utf8)
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline {
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
                usleep(100_000)
            }
        }
    }
}
