import Testing
import Foundation

/// A network namespace a test creates for itself (`ip netns add`) and removes again,
/// also when the test fails. Names are unique per run so parallel tests never meet.
final class TestNamespace {
    let name: String

    init(_ purpose: String) throws {
        name = "gwtest-\(purpose)-\(UInt32.random(in: 0...0xffffff))"
        try Command.check(["ip", "netns", "add", name])
        try run(["ip", "link", "set", "lo", "up"])
    }

    deinit {
        _ = try? Command.run(["ip", "netns", "del", name])
    }

    /// Runs a command inside the namespace.
    @discardableResult
    func run(_ arguments: [String]) throws -> Command.Output {
        try Command.check(["ip", "netns", "exec", name] + arguments)
    }

    /// Runs a command inside the namespace without checking its status.
    func attempt(_ arguments: [String]) throws -> Command.Output {
        try Command.run(["ip", "netns", "exec", name] + arguments)
    }

    /// A veth pair with both ends in this namespace, up (the peer stands in for the far side).
    func addVeth(_ name: String) throws {
        try run(["ip", "link", "add", name, "type", "veth", "peer", "name", "\(name)-p"])
        try run(["ip", "link", "set", name, "up"])
        try run(["ip", "link", "set", "\(name)-p", "up"])
    }
}

/// Skips integration tests with a visible reason when they cannot run.
enum Requirement {
    static let isRoot = getuid() == 0
    static let rootReason: Comment = "needs root: creates network namespaces"
}
