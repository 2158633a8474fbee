import ArgumentParser
import Foundation

/// What host-touching commands share: a failure prints the failing step and exits non-zero.
enum HostCommand {
    static func run<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            FileHandle.standardError.write(Data("gatewayd: \(what) failed: \(error)\n".utf8))
            throw ExitStatus.hostStepFailed
        }
    }

    static func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            FileHandle.standardError.write(Data("gatewayd: \(what) failed: \(error)\n".utf8))
            throw ExitStatus.hostStepFailed
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
