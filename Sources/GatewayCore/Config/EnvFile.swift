/// Docker's env-file syntax, plus what wg-docker's own example needs: `KEY=VALUE` lines,
/// `#` comment lines, blank lines, `KEY` alone (take it from the environment), an optional
/// `export ` prefix, one pair of surrounding quotes removed (`WAN="eth0"`: `docker run
/// --env-file` would keep them, Compose strips them), trailing spaces and — for unquoted
/// values — an inline ` # comment` removed (the example has `WHOLENET=… # this is …`).
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

    public var entries: [Entry] = []
    /// Lines that are not `KEY[=VALUE]`: (line, text).
    public var malformedLines: [(line: Int, text: String)] = []

    public static func == (lhs: EnvFile, rhs: EnvFile) -> Bool {
        lhs.entries == rhs.entries && lhs.malformedLines.map(\.line) == rhs.malformedLines.map(\.line)
    }

    public init(parsing text: String) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let body = line.hasPrefix("export ") ? String(line.dropFirst(7)).trimmingWhitespace() : line
            let key: String
            let value: String?
            if let equals = body.firstIndex(of: "=") {
                key = String(body[..<equals]).trimmingWhitespace()
                value = Self.unquote(String(body[body.index(after: equals)...]))
            } else {
                key = body
                value = nil
            }
            guard Self.isIdentifier(key) else {
                malformedLines.append((index + 1, String(rawLine)))
                continue
            }
            entries.append(Entry(key: key, value: value, line: index + 1))
        }
    }

    /// `"x"` or `'x'` → `x`; otherwise an inline ` # comment` goes, then surrounding spaces.
    static func unquote(_ raw: String) -> String {
        let value = raw.trimmingWhitespace()
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            return String(value.dropFirst().dropLast())
        }
        if let comment = value.firstRange(of: " #") ?? value.firstRange(of: "\t#") {
            return String(value[..<comment.lowerBound]).trimmingWhitespace()
        }
        return value
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
