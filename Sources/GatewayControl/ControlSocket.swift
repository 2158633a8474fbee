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
    /// Set when a one-reply-per-connection daemon's reply was not read to its end: mmfd and
    /// l3roamd write the reply once they get to the request, and a write to a socket already
    /// closed kills mmfd with SIGPIPE (mmfd's socket.c neither ignores the signal nor sends
    /// with MSG_NOSIGNAL). Such a connection is closed only after the daemon closes its end.
    private var awaitsPeerClose = false
    static let receiveChunk = 64 * 1024

    public init(_ endpoint: Endpoint, timeout: Duration = .seconds(2)) throws {
        let family = endpoint.isUnix ? AF_UNIX : AF_INET6
        descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if let error = SocketTimeout.set(timeout, on: descriptor) {
            close(descriptor)
            throw Failure(description: "setting the socket's timeout: \(String(cString: strerror(error)))")
        }
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

    deinit {
        if awaitsPeerClose { LingeringClose.closeAfterPeer(descriptor) } else { close(descriptor) }
    }

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
    /// A timeout or an overlong reply leaves the rest to `LingeringClose`, never to a close
    /// under the daemon's pending write.
    public func readToEnd(limit: Int = 1024 * 1024) throws -> String {
        do {
            while try fill() {
                guard buffer.count - start < limit else { throw Failure(description: "reply longer than \(limit) bytes") }
            }
        } catch {
            awaitsPeerClose = true
            throw error
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

/// Connections whose daemon has yet to answer: read and discarded on one background queue
/// until the daemon closes its end (it handles requests in order, so a busy daemon gets to
/// each in the end; a restarted one closes them all), then closed. Bounded: a daemon that
/// has not answered in `patience` is hung, and the supervisor restarts it anyway.
enum LingeringClose {
    static let patience: Duration = .seconds(120)
    private static let queue = DispatchQueue(label: "gatewayd.control-socket.lingering-close")

    static func closeAfterPeer(_ descriptor: Int32) {
        queue.async {
            let deadline = ContinuousClock.now + patience
            var scratch = [UInt8](repeating: 0, count: 4096)
            // recv returns at least every receive timeout (set when the socket was made).
            while ContinuousClock.now < deadline {
                let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { break }
            }
            close(descriptor)
        }
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
