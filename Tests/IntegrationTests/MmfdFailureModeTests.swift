import Foundation
import GatewayControl
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

    static func ask(_ socket: String, _ line: String) throws -> String {
        let connection = try ControlSocket(.unix(socket), timeout: .seconds(2))
        try connection.send(line: line)
        return try connection.readToEnd()
    }
}
