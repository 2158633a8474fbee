/// babeld's version, as its local interface greets (`version babeld-1.12.1`). What
/// gatewayd may ask of babeld depends on it.
public struct BabeldVersion: Sendable, Comparable, CustomStringConvertible {
    public var components: [Int]

    public init(_ components: [Int]) { self.components = components }

    /// `babeld-1.14`, `babeld-1.12.1`, `babeld-1.13.1-12-gdeadbee` (a git build).
    public init?(greeting text: String) {
        guard text.hasPrefix("babeld-") else { return nil }
        let numbers = text.dropFirst("babeld-".count).prefix { $0.isNumber || $0 == "." }
        let components = numbers.split(separator: ".").compactMap { Int($0) }
        guard components.count >= 2 else { return nil }
        self.components = components
    }

    public static func < (lhs: BabeldVersion, rhs: BabeldVersion) -> Bool {
        for index in 0..<max(lhs.components.count, rhs.components.count) {
            let left = index < lhs.components.count ? lhs.components[index] : 0
            let right = index < rhs.components.count ? rhs.components[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    public var description: String { "babeld-" + components.map(String.init).joined(separator: ".") }

    /// Before 1.14 (upstream commit 82fbac5), `flush interface` freed the interface while
    /// neighbours on it still pointed to it: the next `dump` or monitor line about such a
    /// neighbour read freed memory.
    public var flushKeepsNeighbours: Bool { self < BabeldVersion([1, 14]) }

    /// `shutdown-delay-ms` (1.13): babeld waits after sending its retractions at exit.
    public var hasShutdownDelay: Bool { self >= BabeldVersion([1, 13]) }
}
