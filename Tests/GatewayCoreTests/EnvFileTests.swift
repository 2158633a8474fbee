import GatewayCore
import Testing

@Suite struct EnvFileTests {
    func entries(_ text: String) -> [String: String?] {
        Dictionary(EnvFile(parsing: text).entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    @Test(arguments: [
        ("A=b", "b"),
        ("A=\"b c\"", "b c"),
        ("A='b c'", "b c"),
        ("A='b\"c'", "b\"c"),
        ("A=\"b\" # a comment", "b"),
        ("A=\"b\"c", "\"b\"c"),                // text after the closing quote: literal
        ("A=b   ", "b"),                      // wg-docker's example has trailing spaces
        ("A=2001:db8::/40 # a comment", "2001:db8::/40"),
        ("A=b\t# tab comment", "b"),
        ("A=\"b # not a comment\"", "b # not a comment"),
        ("A=b#c", "b#c"),                     // '#' not after whitespace is part of the value
        ("export A=b", "b"),
        ("  A = b ", "b"),
        ("A=", ""),
        ("A=b=c", "b=c"),
        ("A=b\r", "b"),                       // CRLF files
    ])
    func values(line: String, value: String) {
        #expect(entries(line) == ["A": value])
    }

    @Test func commentsAndBlankLinesAreSkippedAndLinesNumbered() {
        let file = EnvFile(parsing: "# comment\n\n   \nA=1\n  # indented comment\nB=2\n")
        #expect(file.entries.map(\.line) == [4, 6])
        #expect(file.malformedLines.isEmpty)
    }

    @Test func aBareKeyHasNoValue() {
        #expect(EnvFile(parsing: "WAN\n").entries == [EnvFile.Entry(key: "WAN", value: nil, line: 1)])
    }

    @Test func linesThatAreNotAssignmentsAreReportedWithTheirLine() {
        let file = EnvFile(parsing: "A=1\nthis is not valid\n1A=2\n=3\n")
        #expect(file.malformedLines.map(\.line) == [2, 3, 4])
    }

    @Test func crlfLineEndsAndAByteOrderMarkAreAccepted() {
        let file = EnvFile(bytes: [0xEF, 0xBB, 0xBF] + Array("A=1\r\nB=\"2\"\r\n\r\n# c\r\nC=3".utf8))
        #expect(file.entries == [EnvFile.Entry(key: "A", value: "1", line: 1), EnvFile.Entry(key: "B", value: "2", line: 2),
                                 EnvFile.Entry(key: "C", value: "3", line: 5)])
        #expect(file.malformedLines.isEmpty)
    }

    @Test func aLineThatIsNotUTF8IsNamedAsSuch() {
        let file = EnvFile(bytes: Array("A=1\nB=caf".utf8) + [0xE9] + Array("\nC=3\n".utf8))
        #expect(file.entries.map(\.key) == ["A", "C"])
        #expect(file.malformedLines.map(\.line) == [2])
        #expect(file.malformedLines.first?.reason.contains("not UTF-8") == true)
    }

    @Test(arguments: ["A=\"b", "A='b", "A=\"", "A=\"b'"])
    func anUnterminatedQuoteIsRejectedWithItsLine(line: String) {
        let file = EnvFile(parsing: "X=1\n" + line + "\n")
        #expect(file.entries.map(\.key) == ["X"])
        #expect(file.malformedLines.map(\.line) == [2])
        #expect(file.malformedLines.first?.reason.contains("never closed") == true)
    }

    @Test func aNulByteRejectsItsLine() {
        let file = EnvFile(bytes: Array("WAN=et".utf8) + [0] + Array("h0\nB=2".utf8))
        #expect(file.entries.map(\.key) == ["B"])
        #expect(file.malformedLines.map(\.line) == [1])
    }

    /// Found by scripts/fuzz: an unclosed quote after a long mixed-case name (a key pasted
    /// in front of `="`) quoted that name back.
    @Test func anUnclosedQuoteNeverQuotesANameThatMayBeAKey() {
        let reason = EnvFile(parsing: "kB9zV3nIYl7hJ2qXl1KpaWcb8a0dQmT4eF6sR5uGyHo=\"x\n").malformedLines.first?.reason ?? ""
        #expect(!reason.contains("kB9z") && reason.contains("never closed"), "\(reason)")
    }

    /// The reason names at most an upper-case name; never what follows it.
    @Test(arguments: ["WGSECRET:", "WGSECRET ", "WGSECRET\t", "WGSECRET-", "WGSECRET+", "", "x", "-", "wgsecret:"])
    func aMalformedLineNeverEchoesItsValue(separator: String) {
        let secret = "kB9zV3nIYl7hJ2qXl1Kp+Wc/8a0dQmT4eF6sR5uGyHo="
        let file = EnvFile(parsing: separator + secret + "\n")
        #expect(file.entries.isEmpty)
        for reason in file.malformedLines.map(\.reason) {
            for fragment in [secret, String(secret.prefix(8)), "kB9z", "Ho="] { #expect(!reason.contains(fragment), "\(reason)") }
        }
    }
}
