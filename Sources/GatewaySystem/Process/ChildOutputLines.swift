/// Splits one output stream of a child into whole lines for the log. Each stream (stdout,
/// stderr) has an assembler of its own: l3roamd's stdout is block-buffered in a pipe and
/// its stderr is not, so in one shared pipe their bytes interleave mid-line. Control bytes
/// other than tab are dropped (l3roamd writes a NUL on exit; a stray `\r` or escape
/// sequence would garble the log line).
struct ChildOutputLines {
    private var pending: [UInt8] = []
    /// A line longer than this is logged in pieces rather than held without bound.
    static let maximumLine = 16 * 1024

    /// The lines `chunk` completes.
    mutating func append(_ chunk: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") || pending.count == Self.maximumLine {
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte >= 0x20 && byte != 0x7f || byte == UInt8(ascii: "\t") { pending.append(byte) }
        }
        return lines
    }

    /// What is left at end of stream, unless nothing is.
    mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}
