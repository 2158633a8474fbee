import Foundation
import GatewayControl
import GatewayCore
import GatewaySystem
import Logging
import Glibc
import Testing

/// The real mmfd's failure modes, in namespaces of the test's own: it dies of SIGPIPE when
/// a client closes before mmfd writes its reply, and segfaults forwarding multicast to a
/// neighbour whose interface was deregistered (socket.c, main.c forward_packet).
@Suite(.serialized, .enabled(if: RealMeshDaemons.available, RealMeshDaemons.reason))
struct MmfdFailureModeTests {
    /// A readiness probe that times out while mmfd is busy (stopped here) must not close
    /// under mmfd's coming write: mmfd answers once it runs again and is still alive.
    @Test func aProbeThatTimesOutDoesNotKillMmfd() async throws {
        try await NetworkNamespace.with(prefix: "gwtest-mmfd") { namespace in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(namespace.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try namespace.addVeth("mesh0")
            let socket = directory.appendingPathComponent("mmfd.sock").path
            let mmfd = try BackgroundProcess(["ip", "netns", "exec", namespace.name, RealMeshDaemons.path("mmfd"), "-s", socket, "-i", "mesh0"],
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
    /// out through mmfd0: mmfd stays up, and `del_meshif` reaches it once the neighbour is
    /// forgotten (mmfd keeps one 50 s after its last hello, so this test takes about a minute).
    @Test func removingAPeerWithANeighbourWhileMulticastFlowsLeavesMmfdUp() async throws {
        let gateway = try NetworkNamespace.create(prefix: "gwtest-mmfdgw")
        defer { gateway.delete() }
        let node = try NetworkNamespace.create(prefix: "gwtest-mmfdnode")
        defer { node.delete() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(gateway.name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = "mw\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
        for namespace in [gateway, node] {
            try namespace.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
            try namespace.exec("ip", "link", "set", "lo", "up")
        }
        try gateway.exec("ip", "link", "add", link, "type", "veth", "peer", "name", "\(link)n", "netns", node.name)
        try gateway.exec("ip", "link", "set", link, "up")
        try node.exec("ip", "link", "set", "\(link)n", "up")
        let socket = directory.appendingPathComponent("mmfd.sock").path
        let mmfd = try BackgroundProcess(["ip", "netns", "exec", gateway.name, RealMeshDaemons.path("mmfd"), "-s", socket, "-i", link],
                                         logFile: directory.appendingPathComponent("mmfd.log"))
        let nodeMmfd = try BackgroundProcess(["ip", "netns", "exec", node.name, RealMeshDaemons.path("mmfd"), "-s", "\(socket)-node", "-i", "\(link)n"],
                                             logFile: directory.appendingPathComponent("node-mmfd.log"))
        // Hellos go out every 10 s.
        let neighbour = await eventually(timeout: .seconds(25)) { (try? Self.ask(socket, "get_neighbours"))?.contains(link) == true }
        try #require(neighbour && nodeMmfd.isRunning, "no mmfd neighbour on \(link): \(mmfd.output)")
        try gateway.exec("ip", "-6", "route", "add", "ff05::2:1001/128", "dev", "mmfd0", "table", "local")

        let config = try ConfigLoader.load(environment: [
            "WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
            "NEXTNODE": "2001:db8:0:2::1", "OWNIP": "2001:db8:0:1::1", "WAN": "wan0", "MMFDSOCK": socket,
            "RUNDIR": directory.path,
        ]).get().config
        let control = MmfdSafeRemoval(wrapping: DaemonClients(config: config, babelControl: config.daemons.babelControl),
                                      mmfdSocket: socket, logger: Logger(label: "test"), pollInterval: .seconds(1))
        try await control.perform(.init(.remove, link, with: .mmfd))
        try gateway.exec("ip", "link", "delete", link)

        try await gateway.sendMulticast(for: .seconds(3))
        #expect(mmfd.isRunning, "mmfd exited with status \(mmfd.exitStatus.map(String.init) ?? "-") right after the removal: \(mmfd.output.suffix(2000))")
        var deregistered = false
        for _ in 0..<35 where mmfd.isRunning && !deregistered {
            try await gateway.sendMulticast(for: .seconds(2))
            deregistered = (try? Self.ask(socket, "get_meshifs")).map { !$0.contains(link) } ?? false
        }
        try await gateway.sendMulticast(for: .seconds(1))
        #expect(deregistered, "mmfd still lists \(link)")
        #expect(mmfd.isRunning, "mmfd exited with status \(mmfd.exitStatus.map(String.init) ?? "-"): \(mmfd.output.suffix(2000))")
    }

    static func ask(_ socket: String, _ line: String) throws -> String {
        let connection = try ControlSocket(.unix(socket), timeout: .seconds(2))
        try connection.send(line: line)
        return try connection.readToEnd()
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
