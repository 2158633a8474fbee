import Testing

@testable import GatewaySystem

struct ChildOutputLinesTests {
    @Test func linesComeWholeAcrossChunks() {
        var lines = ChildOutputLines()
        #expect(lines.append(Array("Adding inter".utf8)).isEmpty)
        #expect(lines.append(Array("face mesh0\nnext".utf8)) == ["Adding interface mesh0"])
        #expect(lines.append(Array(" line\n".utf8)) == ["next line"])
        #expect(lines.finish() == nil)
    }

    /// l3roamd ends its output with a NUL byte; `\r` and escapes would garble the log.
    @Test func controlBytesOtherThanTabAreDropped() {
        var lines = ChildOutputLines()
        #expect(lines.append([0x61, 0x00, 0x09, 0x62, 0x0d, 0x1b, 0x7f, 0xc3, 0xa4, 0x0a]) == ["a\tb\u{e4}"])
        #expect(lines.append([0x00]).isEmpty)
        #expect(lines.finish() == nil)
        #expect(lines.append(Array("exiting".utf8) + [0x00]).isEmpty)
        #expect(lines.finish() == "exiting")
    }

    @Test func anOverlongLineIsLoggedInPieces() {
        var lines = ChildOutputLines()
        let pieces = lines.append([UInt8](repeating: 0x78, count: ChildOutputLines.maximumLine * 2 + 5))
        #expect(pieces.count == 2 && pieces.allSatisfy { $0.utf8.count == ChildOutputLines.maximumLine })
        #expect(lines.finish()?.utf8.count == 5)
    }
}
