/// Docker's env-file syntax, plus what wg-docker's own example needs: `KEY=VALUE` lines,
/// `#` comment lines, blank lines, `KEY` alone (take it from the environment), an optional
/// `export ` prefix, one pair of surrounding quotes removed (`WAN="eth0"`: `docker run
/// --env-file` would keep them, Compose strips them), trailing spaces and — for unquoted
/// values — an inline ` # comment` removed (the example has `WHOLENET=… # this is …`).
///
/// Parsed as bytes, not Characters: Swift's String makes `"\r\n"` one Character, so a file
/// saved on Windows would otherwise be a single line. A UTF-8 byte order mark is skipped.
/// A line that cannot be read is reported by number and reason only: its text may hold
/// WGSECRET (`WGSECRET:<key>`), so no part of it is ever quoted back.
public struct EnvFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// nil for a bare `KEY` line: the value comes from the environment, if there.
        public var value: String?
        public var line: Int

        public init(key: String, value: String?, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// A line that is not `KEY[=VALUE]`; `reason` never contains the line's value.
    public struct MalformedLine: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public var entries: [Entry] = []
    public var malformedLines: [MalformedLine] = []

    public init(parsing text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public init(bytes: [UInt8]) {
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = bytes.starts(with: byteOrderMark) ? bytes.dropFirst(3) : bytes[...]
        for (index, rawLine) in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let bytes = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            guard !bytes.contains(0) else {
                malformedLines.append(MalformedLine(line: number, reason: "contains a NUL byte"))
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                malformedLines.append(MalformedLine(line: number, reason: "is not UTF-8 text (save the env-file as UTF-8)"))
                continue
            }
            parseLine(text, number: number)
        }
    }

    private mutating func parseLine(_ rawLine: String, number: Int) {
        let line = rawLine.trimmingWhitespace()
        guard !line.isEmpty, !line.hasPrefix("#") else { return }
        let body = line.hasPrefix("export ") ? String(line.dropFirst(7)).trimmingWhitespace() : line
        guard let equals = body.firstIndex(of: "=") else {
            guard Self.isIdentifier(body) else { return malformed(number, Self.describeBadName(body)) }
            entries.append(Entry(key: body, value: nil, line: number))
            return
        }
        let key = String(body[..<equals]).trimmingWhitespace()
        guard Self.isIdentifier(key) else { return malformed(number, Self.describeBadName(body)) }
        guard let value = Self.parseValue(String(body[body.index(after: equals)...])) else {
            let name = Self.looksLikeVariableName(key) ? key : "(name not shown)"
            return malformed(number, "\(name): the value's opening quote is never closed")
        }
        entries.append(Entry(key: key, value: value, line: number))
    }

    private mutating func malformed(_ line: Int, _ reason: String) {
        malformedLines.append(MalformedLine(line: line, reason: reason))
    }

    /// What is wrong with a line whose name part is not an identifier, naming only the
    /// leading name — and that only when it looks like a variable name, not a pasted key.
    static func describeBadName(_ body: String) -> String {
        let name = String(body.unicodeScalars.prefix { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) })
        let column = name.unicodeScalars.count + 1
        guard !name.isEmpty, isIdentifier(name), looksLikeVariableName(name) else {
            return "not a KEY=VALUE line (the line is not shown: it may hold a secret)"
        }
        return "not a KEY=VALUE line: \"\(name)\" is followed by an unexpected character at column \(column) where \"=\" belongs (the rest is not shown)"
    }

    /// Upper-case letters, digits and `_`, at most 32 long: what variable names look like,
    /// and what a base64 key (44 mixed-case characters) does not.
    public static func looksLikeVariableName(_ name: String) -> Bool {
        name.unicodeScalars.count <= 32
            && name.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// `"x"` or `'x'` → `x` (a comment may follow the closing quote); otherwise an inline
    /// ` # comment` goes, then surrounding spaces. nil: an opening quote that never closes.
    static func parseValue(_ raw: String) -> String? {
        let value = raw.trimmingWhitespace()
        if let quote = value.first, quote == "\"" || quote == "'" {
            let inner = value.dropFirst()
            guard let closing = inner.firstIndex(of: quote) else { return nil }
            let rest = inner[inner.index(after: closing)...].trimmingWhitespace()
            if rest.isEmpty || rest.hasPrefix("#") { return String(inner[..<closing]) }
            return value
        }
        if let comment = value.firstRange(of: " #") ?? value.firstRange(of: "\t#") {
            return String(value[..<comment.lowerBound]).trimmingWhitespace()
        }
        return value
    }

    /// The same unquoting for a value from the environment (`docker run --env-file` passes
    /// quotes through); an unclosed quote there stays literal.
    public static func unquote(_ raw: String) -> String {
        parseValue(raw) ?? raw.trimmingWhitespace()
    }

    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
