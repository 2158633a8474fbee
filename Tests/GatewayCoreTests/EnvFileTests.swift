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
        ("A=\"b'", "\"b'"),                 // unbalanced quotes stay literal
        ("A=\"", "\""),
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
}
