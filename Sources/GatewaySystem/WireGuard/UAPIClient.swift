// CMnl brings <sys/socket.h>: without it, release (whole-module) builds of this module do
// not see Glibc's SOCK_* constants.
import CMnl
import CSodium
import Foundation
import GatewayControl
import GatewayCore
import Glibc

/// Talks to one wireguard-go through its UAPI unix socket (`DIR/IF.sock`). Each call
/// connects, sends one request and reads the answer up to its blank line; every socket
/// operation is bounded by `timeout` so a hung daemon cannot stall the broker.
struct UAPIClient {
    let socketPath: String
    var timeout: TimeInterval = 2
    /// A `get` answer for one peer is ~300 bytes; anything near this is not wireguard-go.
    static let maximumAnswer = 64 * 1024

    struct Error: Swift.Error, CustomStringConvertible {
        let operation: String
        let reason: String
        var description: String { "\(operation): \(reason)" }
    }

    func configure(privateKey: PrivateKey, listenPort: UInt16, peer: PublicKey) throws {
        var request = UAPIMessages.configure(privateKey: privateKey, listenPort: listenPort, peer: peer)
        defer { request.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) } }
        let answer = try exchange(request, "configuring \(socketPath)")
        guard UAPIMessages.errno(of: answer) == 0 else {
            throw Error(operation: "configuring \(socketPath)", reason: "answer \(answer.debugDescription)")
        }
    }

    func device() throws -> UAPIMessages.Device {
        let operation = "reading \(socketPath)"
        do {
            return try UAPIMessages.device(from: try exchange(UAPIMessages.get, operation))
        } catch let failure as UAPIMessages.Failure {
            throw Error(operation: operation, reason: failure.description)
        }
    }

    private func exchange(_ request: [UInt8], _ operation: String) throws -> String {
        func failure(_ what: String) -> Error { Error(operation: operation, reason: "\(what): \(String(cString: strerror(errno)))") }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure("socket") }
        defer { close(descriptor) }
        if let error = SocketTimeout.set(.microseconds(Int64(timeout * 1_000_000)), on: descriptor) {
            throw Error(operation: operation, reason: "setting the socket's timeout: \(String(cString: strerror(error)))")
        }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Error(operation: operation, reason: "socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw failure("connect") }

        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw failure("send") }
            sent += written
        }

        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !answer.ends(with: [0x0a, 0x0a]) {
            let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard received > 0 else {
                if received == 0 { throw Error(operation: operation, reason: "connection closed mid-answer") }
                throw failure("recv")
            }
            answer += chunk[..<received]
            guard answer.count <= Self.maximumAnswer else { throw Error(operation: operation, reason: "answer too long") }
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
