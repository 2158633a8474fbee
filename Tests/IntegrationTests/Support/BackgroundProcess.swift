import Foundation

/// A long-running program a test starts (e.g. `gatewayd run`), its output collected in a
/// file; killed when the test is done with it, also when the test fails.
final class BackgroundProcess {
    let process = Process()
    let logFile: URL

    init(_ arguments: [String], logFile: URL) throws {
        self.logFile = logFile
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logFile.path])
        }
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        await eventually(timeout: timeout) { !self.process.isRunning } ? process.terminationStatus : nil
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; bounded, never hangs a test.
func eventually(timeout: Duration, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}
