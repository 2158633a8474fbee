import CGatewayShims
import Foundation
import GatewayCore
import Glibc
import Logging

/// Spawns the children with posix_spawn — not Foundation.Process, whose own waitpid
/// would race gatewayd's reaper as PID 1 — and forwards their output to the log line
/// by line (stdout and stderr each whole), labelled with the child's name.
public struct ChildLauncher: ProcessLauncher {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let program: String
        public let errno: Int32
        public var description: String { "\(program): \(String(cString: strerror(errno)))" }
    }

    public func spawn(name: String, arguments: [String]) throws -> Int32 {
        let output = try Self.pipe(for: arguments[0])
        let errors: (read: Int32, write: Int32)
        do { errors = try Self.pipe(for: arguments[0]) } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        defer {
            close(output.write)
            close(errors.write)
        }
        var pid: pid_t = 0
        let error = Self.spawnProcess(arguments, stdout: output.write, stderr: errors.write, pid: &pid)
        guard error == 0 else {
            close(output.read)
            close(errors.read)
            throw SpawnError(program: arguments[0], errno: error)
        }
        forwardOutput(of: name, stream: "stdout", from: output.read)
        forwardOutput(of: name, stream: "stderr", from: errors.read)
        return pid
    }

    /// A pipe whose ends leak into no other child (dup2 in the child clears the flag on 1 and 2).
    private static func pipe(for program: String) throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw SpawnError(program: program, errno: errno) }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }

    public func signal(_ pid: Int32, _ signal: ChildStateMachine.Signal) {
        switch signal {
        case .terminate: kill(pid, SIGTERM)
        case .interrupt: kill(pid, SIGINT)
        case .kill: kill(pid, SIGKILL)
        }
    }

    /// One thread per stream reads it until the child and all holders of the pipe close it.
    private func forwardOutput(of name: String, stream: String, from descriptor: Int32) {
        let logger = self.logger
        let thread = Thread {
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            var lines = ChildOutputLines()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                for line in lines.append(chunk) { logger.info("\(line)", metadata: ["child": "\(name)"]) }
            }
            if let rest = lines.finish() { logger.info("\(rest)", metadata: ["child": "\(name)"]) }
        }
        thread.name = "\(stream)-\(name)"
        thread.start()
    }

    /// posix_spawn with the two streams on the given descriptors and the children's environment:
    /// only what they need, never WGSECRET, whatever gatewayd was given. 0 or the errno.
    static func spawnProcess(_ arguments: [String], stdout: Int32, stderr: Int32, pid: inout pid_t) -> Int32 {
        let environment = ChildEnvironment.minimal(ProcessInfo.processInfo.environment)
        return withCStrings(arguments) { argv in withCStrings(environment) { envp in gw_spawn(argv, envp, stdout, stderr, &pid) } }
    }

    /// A NULL-terminated argv that lives for the call.
    static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        let pointers = duplicates.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
