import Foundation
import GatewaySystem

/// wireguard-go through Foundation.Process: fine in tests, which are not PID 1.
struct ProcessLauncher: WireGuardGoLauncher {
    /// Runs it inside a network namespace (`ip netns exec`), or in ours when nil.
    var namespace: String?

    func start(interface: String) throws -> any WireGuardGoProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let command = ["wireguard-go", "-f", interface]
        process.arguments = namespace.map { ["ip", "netns", "exec", $0] + command } ?? command
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LOG_LEVEL": "error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Child(process: process)
    }

    final class Child: WireGuardGoProcess, @unchecked Sendable {
        let process: Process
        init(process: Process) { self.process = process }
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }
}

enum Shell {
    /// Runs a command, returning its output; throws on a non-zero exit.
    @discardableResult
    static func run(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ShellError(description: "\(arguments.joined(separator: " ")): exit \(process.terminationStatus): \(text)")
        }
        return text
    }

    struct ShellError: Error, CustomStringConvertible { let description: String }
}
