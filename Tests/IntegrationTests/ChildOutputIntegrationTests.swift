import Foundation
import GatewaySystem
import Glibc
import Logging
import Synchronization
import Testing

/// What a child writes reaches gatewayd's log as whole lines, per stream, without control
/// bytes: l3roamd's stdout is block-buffered in a pipe while its stderr is not, and its
/// SIGTERM handler writes `sizeof(SIGTERM_MSG)` bytes, the string's NUL included (main.c).
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
struct ChildOutputIntegrationTests {
    /// The log lines of one child, as ChildLauncher logs them.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }

        func logger() -> Logger {
            Logger(label: "test") { _ in Handler(lines: self) }
        }

        struct Handler: LogHandler {
            let lines: Lines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) { lines.lines.withLock { $0.append(event.message.description) } }
        }
    }

    /// A partial stdout line pending while stderr writes a whole one, as l3roamd's buffered
    /// stdout and unbuffered stderr do: neither line is cut into the other.
    @Test func stdoutAndStderrStayWholeLines() async throws {
        let lines = Lines()
        let pid = try ChildLauncher(logger: lines.logger()).spawn(
            name: "sh", arguments: ["sh", "-c", #"printf 'stdout begins '; printf 'stderr line\n' >&2; sleep 0.2; printf 'and ends\n'"#])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let logged = await eventually(timeout: .seconds(5)) { lines.all.count == 2 }
        #expect(logged && Set(lines.all) == ["stdout begins and ends", "stderr line"], "\(lines.all)")
    }

    @Test func realL3roamdsLinesHaveNoNulOrOtherControlBytes() async throws {
        try #require(MeshDaemon.missing == nil, "\(MeshDaemon.missing ?? "")")
        try await NetworkNamespace.with(prefix: "gwtest-l3out") { namespace in
            try namespace.exec("ip", "link", "set", "lo", "up")
            try namespace.exec("ip", "-6", "addr", "add", "2001:db8:0:1::1/128", "dev", "lo", "nodad")
            try namespace.addVeth("mesh0")
            let lines = Lines()
            let socket = FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace.name).sock").path
            defer { unlink(socket) }
            let pid = try ChildLauncher(logger: lines.logger()).spawn(name: "l3roamd", arguments: [
                "ip", "netns", "exec", namespace.name, MeshDaemon.l3roamd, "-d", "-s", socket,
                "-p", "2001:db8:0:1::/64", "-m", "mesh0", "-t", "11", "-a", "2001:db8:0:1::1", "-4", "0:0:0:0:0:ffff::/96",
            ])
            let started = await eventually(timeout: .seconds(5)) { lines.all.contains("starting loop") }
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let exited = await eventually(timeout: .seconds(5)) {
                lines.all.contains("Exiting. Removing routes for prefixes and clients.")
            }
            #expect(started && exited, "\(lines.all)")
            // What follows the message (its NUL) is logged when the pipe ends, a moment later.
            try await Task.sleep(for: .milliseconds(500))
            let controlBytes = lines.all.filter { $0.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7f } }
            #expect(controlBytes.isEmpty, "\(controlBytes.map { Array($0.utf8) })")
            #expect(!lines.all.contains(""), "an empty line logged: \(lines.all)")
        }
    }
}
