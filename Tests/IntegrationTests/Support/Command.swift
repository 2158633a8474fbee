import Foundation

/// Runs a program to completion and captures what it printed. Tests only: the product
/// spawns its children itself (posix_spawn) because it is PID 1.
struct Command {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    struct Failed: Error, CustomStringConvertible {
        var command: [String]
        var output: Output
        var description: String { "`\(command.joined(separator: " "))` exited \(output.status): \(output.stderr)\(output.stdout)" }
    }

    /// Runs `arguments` (arguments[0] looked up on PATH unless it is a path).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would otherwise block the child forever.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs and throws unless the exit status is 0.
    @discardableResult
    static func check(_ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let output = try run(arguments, environment: environment)
        guard output.status == 0 else { throw Failed(command: arguments, output: output) }
        return output
    }
}

/// The products built next to this test bundle.
enum BuiltProduct {
    static func path(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// The real mesh daemons scripts/mesh-daemons builds from their pinned upstream commits
/// (.build/mesh/bin): mmfd, l3roamd and babeld 1.14. Debian's babeld 1.12.1 is `debianBabeld`.
enum MeshDaemon {
    static func path(_ name: String) -> String {
        var directory = URL(fileURLWithPath: BuiltProduct.path(name)).deletingLastPathComponent()
        while directory.path != "/" && directory.lastPathComponent != ".build" { directory.deleteLastPathComponent() }
        if directory.path == "/" { directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build") }
        return directory.appendingPathComponent("mesh/bin/\(name)").path
    }

    static let babeld = path("babeld")
    static let mmfd = path("mmfd")
    static let l3roamd = path("l3roamd")
    static let debianBabeld = "/usr/sbin/babeld"
    /// babeld-1.12.1 with AddressSanitizer: a use of freed memory kills it at once.
    static let babeld1121WithASan = path("babeld-1.12.1-asan")

    /// Set up by scripts/setup (scripts/mesh-daemons); a test that needs them fails with this.
    static var missing: String? {
        let absent = [babeld, mmfd, l3roamd].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return absent.isEmpty ? nil : "not built: \(absent.joined(separator: ", ")) (run scripts/mesh-daemons)"
    }
}
