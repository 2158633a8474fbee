/// Which node keys the broker serves: an optional allow-list (when present, only its keys)
/// and a deny-list (never these). Denial wins over allowance. Pinned keys (infrastructure
/// nodes) are served like any other but never swept and never give way to a new request.
public struct KeyPolicy: Sendable, Equatable {
    public var allowed: Set<PublicKey>?
    public var denied: Set<PublicKey>
    public var pinned: Set<PublicKey>

    public init(allowed: Set<PublicKey>? = nil, denied: Set<PublicKey> = [], pinned: Set<PublicKey> = []) {
        self.allowed = allowed
        self.denied = denied
        self.pinned = pinned
    }

    /// Serves every key.
    public static let open = KeyPolicy()

    public func permits(_ key: PublicKey) -> Bool {
        !denied.contains(key) && (allowed?.contains(key) ?? true)
    }
}

/// Parses a key-list file: one base64 key per line; `#` starts a comment; blank lines and
/// surrounding whitespace are ignored. Every bad line is reported, with its number.
public enum KeyListParser {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let source: String
        public let line: Int
        public let text: String

        public var description: String { "\(source):\(line): not a base64 WireGuard public key: \(text)" }
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// `source` names the file in messages.
    public static func parse(_ text: String, source: String) throws(Failure) -> Set<PublicKey> {
        var keys: Set<PublicKey> = []
        var problems: [Problem] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !content.isEmpty else { continue }
            if let key = PublicKey(base64: content) {
                keys.insert(key)
            } else {
                problems.append(Problem(source: source, line: index + 1, text: String(content.prefix(60))))
            }
        }
        guard problems.isEmpty else { throw Failure(problems: problems) }
        return keys
    }
}
