import GatewayControl
import Glibc
import Testing

@Suite struct SocketTimeoutTests {
    @Test func aTimeoutThatCannotBeSetIsReported() {
        #expect(SocketTimeout.set(.seconds(2), on: -1) == EBADF)
        let pipeEnds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        defer { pipeEnds.deallocate() }
        #expect(pipe(pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        #expect(SocketTimeout.set(.seconds(2), on: pipeEnds[0]) == ENOTSOCK, "not a socket")
    }

    @Test func bothDirectionsAreBounded() {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        #expect(SocketTimeout.set(.milliseconds(1500), on: descriptor) == nil)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            var value = timeval()
            var length = socklen_t(MemoryLayout<timeval>.size)
            #expect(getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0)
            #expect(value.tv_sec == 1 && value.tv_usec == 500_000)
        }
    }
}

@Suite struct ControlCodecPrettyTests {
    struct Unencodable: Encodable { var value = Double.infinity }

    /// gwctl --json prints this or fails: never nothing with exit 0.
    @Test func aPayloadThatDoesNotEncodeThrows() throws {
        #expect(throws: (any Error).self) { try ControlCodec.pretty(Unencodable()) }
        #expect(try ControlCodec.pretty(["a": 1]) == "{\n  \"a\" : 1\n}")
    }
}
