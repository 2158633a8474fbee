import Foundation
import Glibc

/// A throwaway network namespace (`ip netns add`) for one test. Code under test runs in it
/// on a dedicated thread that setns(2)s into it: a namespace belongs to a thread, and the
/// test's own threads must stay in the host's namespace.
struct NetworkNamespace: Sendable {
    let name: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates a namespace, runs `body` and deletes the namespace even when `body` throws.
    static func with<T>(prefix: String = "gwtest-fw", _ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let namespace = try create(prefix: prefix)
        defer { namespace.delete() }
        return try await body(namespace)
    }

    static func create(prefix: String) throws -> NetworkNamespace {
        let name = "\(prefix)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        try Command.check(["ip", "netns", "add", name])
        return NetworkNamespace(name: name)
    }

    func delete() {
        _ = try? Command.run(["ip", "netns", "delete", name])
    }

    /// Runs `body` on a fresh thread inside the namespace; the thread ends with it.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(name)"
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    return continuation.resume(throwing: Failure(description: "open \(path): errno \(errno)"))
                }
                defer { close(fd) }
                guard Self.setns(fd, Self.cloneNewNet) == 0 else {
                    return continuation.resume(throwing: Failure(description: "setns \(path): errno \(errno)"))
                }
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }

    /// Glibc's module map hides setns(2) and CLONE_NEWNET (they need _GNU_SOURCE); a test
    /// helper is not worth a C target, so look the function up at run time.
    private static let cloneNewNet: Int32 = 0x4000_0000
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "setns") else { fatalError("libc has no setns") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// Runs a command inside the namespace (`ip netns exec`) and returns its stdout.
    @discardableResult
    func exec(_ arguments: [String]) throws -> String {
        try Command.check(["ip", "netns", "exec", name] + arguments).stdout
    }

    @discardableResult
    func exec(_ arguments: String...) throws -> String { try exec(arguments) }

    /// Runs a command inside the namespace and returns its status and output, whatever the status.
    func attempt(_ arguments: [String]) throws -> Command.Output {
        try Command.run(["ip", "netns", "exec", name] + arguments)
    }

    /// A veth pair with both ends in this namespace, up (the peer stands in for the far side).
    /// Returns once both ends have their IPv6 link-local address: the kernel adds it (and
    /// its local route) a moment after carrier, and tests compare snapshots of routes.
    func addVeth(_ link: String) throws {
        // No duplicate address detection among a test's own links: addresses are usable at once.
        try exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
        try exec("ip", "link", "add", link, "type", "veth", "peer", "name", "\(link)-p")
        try exec("ip", "link", "set", link, "up")
        try exec("ip", "link", "set", "\(link)-p", "up")
        for end in [link, "\(link)-p"] {
            try waitFor("a link-local address on \(end)") {
                let addresses = try exec("ip", "-6", "addr", "show", "dev", end, "scope", "link")
                return addresses.contains("fe80::") && !addresses.contains("tentative")
            }
        }
    }

    /// Polls every 20 ms for at most 5 s.
    func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
        for _ in 0..<250 {
            if try condition() { return }
            usleep(20_000)
        }
        throw Failure(description: "\(name): gave up waiting for \(what)")
    }
}
