import Foundation
import Glibc

/// A blocking, line-oriented stream connection to a control socket (unix path or TCP on
/// ::1) with receive/send timeouts: gatewayd talks to babeld, mmfd and l3roamd with it,
/// and gwctl to gatewayd, so a hung peer can never stall the caller.
public final class ControlSocket {
    public enum Endpoint: Sendable, Equatable {
        case unix(String)
        case loopback(UInt16)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The peer sent nothing within the receive timeout (the connection is still usable).
        public let timedOut: Bool

        public init(description: String, timedOut: Bool = false) {
            self.description = description
            self.timedOut = timedOut
        }
    }

    private let descriptor: Int32
    /// Received bytes; those before `start` are consumed. `scanned` bytes after `start` are
    /// known to hold no newline, so each byte is searched once however long the line: a
    /// `peers` reply for 10,000 peers is one 3 MB line.
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    static let receiveChunk = 64 * 1024

    public init(_ endpoint: Endpoint, timeout: Duration = .seconds(2)) throws {
        let family = endpoint.isUnix ? AF_UNIX : AF_INET6
        descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        switch endpoint {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                close(descriptor)
                throw Failure(description: "\(path): path too long for a unix socket")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        case .loopback(let port):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard connected == 0 else {
            let error = errno
            close(descriptor)
            throw Failure(description: "connecting to \(endpoint): \(String(cString: strerror(error)))")
        }
    }

    deinit { close(descriptor) }

    public func send(line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "sending: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// The next line, without its newline; nil at end of stream.
    public func readLine(limit: Int = 64 * 1024) throws -> String? {
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                consume(upTo: newline + 1)
                return line
            }
            scanned = buffer.count - start
            guard scanned < limit else { throw Failure(description: "reply line longer than \(limit) bytes") }
            guard try fill() else { return takeRest() }
        }
    }

    /// Everything until the peer closes (the one-reply-per-connection daemons).
    public func readToEnd(limit: Int = 1024 * 1024) throws -> String {
        while try fill() {
            guard buffer.count - start < limit else { throw Failure(description: "reply longer than \(limit) bytes") }
        }
        return takeRest() ?? ""
    }

    private func consume(upTo end: Int) {
        start = end
        scanned = 0
        // Drop consumed bytes only once they are most of the buffer: each byte moves O(1) times.
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > Self.receiveChunk && start > buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }

    /// What is left after the last newline (nil when nothing is), at end of stream.
    private func takeRest() -> String? {
        defer { consume(upTo: buffer.count) }
        return start == buffer.count ? nil : String(decoding: buffer[start...], as: UTF8.self)
    }

    /// Reads what is available; false at end of stream.
    private func fill() throws -> Bool {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.receiveChunk))
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + old, Self.receiveChunk, 0) }
        let error = errno
        buffer.removeSubrange(old + max(count, 0)..<buffer.count)
        if count < 0 {
            throw Failure(description: error == EAGAIN ? "no reply in time" : "receiving: \(String(cString: strerror(error)))",
                          timedOut: error == EAGAIN)
        }
        return count > 0
    }
}

extension ControlSocket.Endpoint: CustomStringConvertible {
    public var isUnix: Bool {
        if case .unix = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .loopback(let port): return "[::1]:\(port)"
        }
    }
}
