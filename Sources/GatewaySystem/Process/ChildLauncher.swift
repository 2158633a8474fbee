import CGatewayShims
import Foundation
import GatewayCore
import Glibc
import Logging

/// Spawns the children with posix_spawn — not Foundation.Process, whose own waitpid
/// would race gatewayd's reaper as PID 1 — and forwards their output to the log line
/// by line, labelled with the child's name.
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
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SpawnError(program: arguments[0], errno: errno) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        // Neither end may leak into other children; dup2 in the child clears the flag on 1 and 2.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(writeEnd) }

        var pid: pid_t = 0
        let error = Self.withCStrings(arguments) { gw_spawn($0, writeEnd, &pid) }
        guard error == 0 else {
            close(readEnd)
            throw SpawnError(program: arguments[0], errno: error)
        }
        forwardOutput(of: name, from: readEnd)
        return pid
    }

    public func signal(_ pid: Int32, _ signal: ChildStateMachine.Signal) {
        switch signal {
        case .terminate: kill(pid, SIGTERM)
        case .interrupt: kill(pid, SIGINT)
        case .kill: kill(pid, SIGKILL)
        }
    }

    /// One thread per child reads its output until the child and all holders of the pipe close it.
    private func forwardOutput(of name: String, from descriptor: Int32) {
        let logger = self.logger
        let thread = Thread {
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    logger.info("\(line)", metadata: ["child": "\(name)"])
                }
            }
            if !pending.isEmpty { logger.info("\(String(decoding: pending, as: UTF8.self))", metadata: ["child": "\(name)"]) }
        }
        thread.name = "output-\(name)"
        thread.start()
    }

    /// A NULL-terminated argv that lives for the call.
    static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        let pointers = duplicates.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
