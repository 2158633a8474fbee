import Foundation
import Glibc

/// A long-running program a test starts (e.g. `gatewayd run`), its output collected in a
/// file. Spawned and waited for by pid here rather than with Foundation.Process, whose
/// exit monitoring was seen to stall when a test killed its process. When the test is
/// done with it, it gets SIGTERM (so it stops its own children), then SIGKILL.
final class BackgroundProcess {
    let pid: pid_t
    let logFile: URL
    private(set) var exitStatus: Int32?

    init(_ arguments: [String], logFile: URL) throws {
        self.logFile = logFile
        let log = open(logFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logFile.path]) }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let error = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard error == 0 else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
        self.pid = pid
    }

    deinit {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 where isRunning { usleep(50_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Reaps the process if it ended.
    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        // WIFEXITED → WEXITSTATUS; a signal death is reported as 128 + signal, as shells do.
        exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return false
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// The exit status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        await eventually(timeout: timeout) { !self.isRunning } ? exitStatus : nil
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
