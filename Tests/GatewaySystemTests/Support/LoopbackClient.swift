import Foundation
import Glibc

/// A blocking TCP client for broker tests; it only ever connects to 127.0.0.1 or ::1.
enum LoopbackClient {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Sends `request` (in `chunks` pieces, `pause` apart), half-closes unless told not to,
    /// and returns everything read until the server closes or `timeout` passes.
    /// Runs on a thread of its own: blocking a cooperative thread could starve the very
    /// server tasks that must answer (the machine has two).
    static func exchange(host: String = "127.0.0.1", port: Int, request: [UInt8], halfClose: Bool = true,
                         chunks: Int = 1, pause: TimeInterval = 0, timeout: TimeInterval = 10) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try blockingExchange(host: host, port: port, request: request, halfClose: halfClose,
                                         chunks: chunks, pause: pause, timeout: timeout)
                })
            }
        }
    }

    private static func blockingExchange(host: String, port: Int, request: [UInt8], halfClose: Bool,
                                         chunks: Int, pause: TimeInterval, timeout: TimeInterval) throws -> [UInt8] {
        precondition(host == "127.0.0.1" || host == "::1", "loopback only")
        let v6 = host == "::1"
        let descriptor = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }

        let chunkSize = max(1, (request.count + chunks - 1) / chunks)
        var offset = 0
        while offset < request.count {
            let end = min(request.count, offset + chunkSize)
            let sent = request[offset..<end].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }  // the server may close on us mid-request
            offset += sent
            if pause > 0, offset < request.count { Thread.sleep(forTimeInterval: pause) }
        }
        if halfClose { shutdown(descriptor, Int32(SHUT_WR)) }

        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if received > 0 { answer += buffer[..<received]; continue }
            if received == 0 || errno == ECONNRESET { return answer }
            throw Failure(description: "recv: \(errno) after \(answer.count) bytes")
        }
    }
}
