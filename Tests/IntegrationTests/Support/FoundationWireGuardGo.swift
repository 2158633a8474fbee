import Foundation
import GatewaySystem

/// wireguard-go through Foundation.Process: fine in tests, which are not PID 1.
struct FoundationWireGuardGo: WireGuardGoLauncher {
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
        var hasExited: Bool { !process.isRunning }
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }
}
