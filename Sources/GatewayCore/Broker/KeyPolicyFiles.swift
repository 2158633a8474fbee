import Foundation

/// Where the key lists live (ALLOWKEYS / DENYKEYS / PINNEDKEYS; nil = no such list). Reading them
/// again is the reload: the broker applies the new policy to new and existing peers.
public struct KeyPolicyFiles: Sendable, Equatable {
    public var allowListPath: String?
    public var denyListPath: String?
    public var pinnedListPath: String?

    public init(allowListPath: String? = nil, denyListPath: String? = nil, pinnedListPath: String? = nil) {
        self.allowListPath = allowListPath
        self.denyListPath = denyListPath
        self.pinnedListPath = pinnedListPath
    }

    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads both lists; reports every problem of both at once.
    public func load() throws(LoadError) -> KeyPolicy {
        var messages: [String] = []
        func read(_ path: String?) -> Set<PublicKey>? {
            guard let path else { return nil }
            do {
                return try KeyListParser.parse(String(contentsOfFile: path, encoding: .utf8), source: path)
            } catch let failure as KeyListParser.Failure {
                messages.append(failure.description)
            } catch {
                messages.append("\(path): \(error.localizedDescription)")
            }
            return nil
        }
        let allowed = read(allowListPath)
        let denied = read(denyListPath) ?? []
        let pinned = read(pinnedListPath) ?? []
        guard messages.isEmpty else { throw LoadError(description: messages.joined(separator: "\n")) }
        return KeyPolicy(allowed: allowed, denied: denied, pinned: pinned)
    }
}
