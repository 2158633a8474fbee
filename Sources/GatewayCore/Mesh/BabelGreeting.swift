/// What babeld says of itself when a client connects to its local interface (babeld's
/// local.c, `local_header`): `BABEL 1.0`, then `version babeld-1.14`, `host NAME`,
/// `my-id EUI64`, then `ok`.
public struct BabelGreeting: Sendable, Equatable {
    /// e.g. `babeld-1.14`; nil until a greeting named it.
    public var version: String?
    public var routerID: String?

    public init(version: String? = nil, routerID: String? = nil) {
        self.version = version
        self.routerID = routerID
    }

    /// Takes one greeting line; lines it does not know are ignored (a newer babeld may add some).
    public mutating func read(_ line: some StringProtocol) {
        let words = line.split(separator: " ", maxSplits: 1)
        guard words.count == 2 else { return }
        switch words[0] {
        case "version": version = String(words[1])
        case "my-id": routerID = String(words[1])
        default: break
        }
    }
}
