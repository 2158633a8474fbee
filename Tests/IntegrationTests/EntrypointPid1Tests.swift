import Foundation
import Testing

/// The image's entrypoint binary as a container starts it: PID 1 of fresh PID, network and
/// mount namespaces, with nothing of the host's network and a /proc of its own.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
struct EntrypointPid1Tests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `sh` prints its pid and then execs gatewayd, which keeps that pid.
    static func asPid1(_ arguments: [String]) throws -> Command.Output {
        let gatewayd = ([BuiltProduct.path("gatewayd")] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try Command.run(["unshare", "--net", "--pid", "--fork", "--mount-proc",
                                "sh", "-c", "echo pid=$$; exec \(gatewayd)"])
    }

    @Test func checkRunsAsPid1InFreshNamespaces() throws {
        let example = Self.repositoryRoot.appendingPathComponent("env-file.example").path
        let output = try Self.asPid1(["check", "--env-file", example])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.lines.first == "pid=1")
        #expect(output.stdout.contains("Configuration valid."), "\(output.stdout)")
    }

    /// What a container with a broken env-file does: `run` exits 78, every problem named.
    @Test func runAsPid1RejectsAnInvalidEnvFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gwtest-pid1-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let envFile = directory.appendingPathComponent("env-file")
        try "WHOLENET=2001:db8::/40\nNODEPREFIX=2001:db8:0:1::/64\nCLIENTPREFIX=fda9::/129\n"
            .write(to: envFile, atomically: true, encoding: .utf8)

        let output = try Self.asPid1(["run", "--env-file", envFile.path])
        #expect(output.lines.first == "pid=1")
        #expect(output.status == 78, "\(output.stderr)")
        #expect(output.stderr.contains("\(envFile.path):3: CLIENTPREFIX"), "\(output.stderr)")
        #expect(output.stderr.contains("NEXTNODE: required"), "\(output.stderr)")
    }
}
