import Foundation
import GatewayControl
import Glibc
import Testing

/// The client side's line reading: lines split across many small writes, several lines in
/// one write, a multi-megabyte line (a `peers` reply for 10,000 peers), an unterminated
/// last line and the end of the stream, against a plain unix-socket server on a thread.
@Suite struct ControlSocketTests {
    /// Listens on a fresh path; `serve` gets the accepted descriptor on its own thread, and
    /// `body` (the blocking client) runs on another: blocking reads on the test's own
    /// thread would starve the concurrency pool that suites running beside this one need.
    static func withServer(_ serve: @escaping @Sendable (Int32) -> Void,
                           _ body: @escaping @Sendable (String) throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctlsock-\(UUID().uuidString.prefix(8)).sock").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer {
            close(listener)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && listen(listener, 1) == 0)
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            serve(connection)
            close(connection)
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread { continuation.resume(with: Result { try body(path) }) }
        }
    }

    /// Writes `bytes` in pieces of `piece` bytes, so the reader sees many partial reads.
    static func write(_ connection: Int32, _ text: String, piece: Int) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset..<min(offset + piece, bytes.count)].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return }
            offset += written
        }
    }

    @Test func linesAreReadWhateverTheirSizeAndHowTheyArrive() async throws {
        let big = String(repeating: "0123456789abcdef", count: 256 * 1024)  // 4 MiB, one line
        try await Self.withServer({ connection in
            Self.write(connection, "greeting\nsplit ", piece: 3)
            Self.write(connection, "line\none\ntwo\n\(big)\nafter\nunterminated", piece: 1000)
        }) { path in
            let socket = try ControlSocket(.unix(path), timeout: .seconds(10))
            #expect(try socket.readLine() == "greeting")
            #expect(try socket.readLine() == "split line")
            #expect(try socket.readLine() == "one")
            #expect(try socket.readLine() == "two")
            #expect(try socket.readLine(limit: 8 * 1024 * 1024) == big)
            #expect(try socket.readLine() == "after")
            #expect(try socket.readLine() == "unterminated")
            #expect(try socket.readLine() == nil)
        }
    }

    @Test func aLineOverTheLimitIsAnErrorAndReadToEndTakesEverything() async throws {
        try await Self.withServer({ Self.write($0, String(repeating: "x", count: 100_000) + "\n", piece: 4096) }) { path in
            let socket = try ControlSocket(.unix(path))
            #expect(throws: ControlSocket.Failure.self) { try socket.readLine(limit: 50_000) }
        }
        try await Self.withServer({ Self.write($0, "{\"mesh_interfaces\":[]}\nsecond\n", piece: 5) }) { path in
            let socket = try ControlSocket(.unix(path))
            #expect(try socket.readToEnd() == "{\"mesh_interfaces\":[]}\nsecond\n")
        }
    }
}
