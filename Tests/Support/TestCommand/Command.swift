import Foundation

/// Runs a program to completion and captures what it printed. Tests only (the integration
/// and packaging suites): the product spawns its children itself (posix_spawn) because it
/// is PID 1.
public struct Command {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public struct Failed: Error, CustomStringConvertible {
        public var command: [String]
        public var output: Output

        public init(command: [String], output: Output) {
            self.command = command
            self.output = output
        }

        public var description: String { "`\(command.joined(separator: " "))` exited \(output.status): \(output.stderr)\(output.stdout)" }
    }

    /// Runs `arguments` (arguments[0] looked up on PATH unless it is a path).
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Output {
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
    public static func check(_ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let output = try run(arguments, environment: environment)
        guard output.status == 0 else { throw Failed(command: arguments, output: output) }
        return output
    }
}
