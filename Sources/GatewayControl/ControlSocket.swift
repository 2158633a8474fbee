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

        public init(description: String) { self.description = description }
    }

    private let descriptor: Int32
    private var buffer = Data()

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
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            guard buffer.count < limit else { throw Failure(description: "reply line longer than \(limit) bytes") }
            guard try fill() else {
                defer { buffer.removeAll() }
                return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self)
            }
        }
    }

    /// Everything until the peer closes (the one-reply-per-connection daemons).
    public func readToEnd(limit: Int = 1024 * 1024) throws -> String {
        while try fill() {
            guard buffer.count < limit else { throw Failure(description: "reply longer than \(limit) bytes") }
        }
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Reads what is available; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            throw Failure(description: errno == EAGAIN ? "no reply in time" : "receiving: \(String(cString: strerror(errno)))")
        }
        buffer.append(contentsOf: chunk[0..<count])
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
