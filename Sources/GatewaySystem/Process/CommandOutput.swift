import CGatewayShims
import Foundation
import GatewayCore
import Glibc

/// The output of a short-lived helper command (`babeld -V`), spawned like the children so
/// PID 1's reaper collects it. Bounded: a command still running at the deadline is killed.
public enum CommandOutput {
    public static func of(_ arguments: [String], timeout: Duration = .seconds(5)) -> String? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        var pid: pid_t = 0
        // Both streams on one pipe: babeld -V writes to stderr.
        let error = ChildLauncher.spawnProcess(arguments, stdout: writeEnd, stderr: writeEnd, pid: &pid)
        close(writeEnd)
        defer { close(readEnd) }
        guard error == 0 else { return nil }
        let deadline = ContinuousClock.now + timeout
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, (deadline - ContinuousClock.now).milliseconds))
            guard poll(&descriptor, 1, remaining) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return String(decoding: output, as: UTF8.self) }
            output += chunk[0..<count]
        }
        kill(pid, SIGKILL)
        return nil
    }

    /// What `babeld -V` names (it prints `babeld-1.14` on stderr).
    public static func babeldVersion(of binary: String) -> BabeldVersion? {
        of([binary, "-V"]).flatMap { BabeldVersion(greeting: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

private extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
