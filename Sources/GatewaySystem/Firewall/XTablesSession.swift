import Foundation
import GatewayCore

/// One libiptc handle on one (family, table): reads decode rules immediately (libiptc's
/// entry pointers die with the next change), and every failure becomes a
/// `FirewallError.libiptc` naming the step.
struct XTablesSession {
    let family: IPFamily
    let table: FirewallTable
    private let lib: LibIPTC
    private let handle: LibIPTC.Handle

    /// One rule as found in a chain.
    struct Entry {
        var tagged: Bool
        var rule: FirewallRule?
        /// libiptc's name for the target (a chain name for jumps).
        var targetName: String
    }

    /// libiptc keeps global error state and legacy commits replace whole tables: one
    /// session at a time in this process.
    private static let lock = NSLock()

    /// Opens the table, runs `body`, and frees the handle whatever happens.
    static func with<T>(family: IPFamily, table: FirewallTable, _ body: (XTablesSession) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let lib = LibIPTC.of(family)
        guard let handle = lib.open(table.rawValue) else {
            throw failure(lib, family, table, errno: errno, step: "opening table")
        }
        defer { lib.free(handle) }
        return try body(XTablesSession(family: family, table: table, lib: lib, handle: handle))
    }

    func chainExists(_ chain: String) -> Bool { lib.isChain(chain, handle) != 0 }

    var builtinChains: [String] {
        var chains: [String] = []
        var next = lib.firstChain(handle)
        while let name = next {
            if lib.isBuiltin(name, handle) != 0 { chains.append(String(cString: name)) }
            next = lib.nextChain(handle)
        }
        return chains
    }

    func entries(of chain: String) -> [Entry] {
        var entries: [Entry] = []
        var next = lib.firstRule(chain, handle)
        while let entry = next {
            let targetName = lib.target(entry, handle).map { String(cString: $0) } ?? ""
            let decoded = XTablesRuleCodec.decode(entry, family: family, resolvedTarget: targetName)
            entries.append(Entry(tagged: decoded.tagged, rule: decoded.rule, targetName: targetName))
            next = lib.nextRule(entry, handle)
        }
        return entries
    }

    /// Tagged jumps in `chain` into one of `ownedChains`, with their indices.
    func taggedJumps(in chain: String, into ownedChains: Set<String>) -> [(index: Int, ownedChain: String)] {
        entries(of: chain).enumerated().compactMap { index, entry in
            entry.tagged && ownedChains.contains(entry.targetName) ? (index, entry.targetName) : nil
        }
    }

    /// Fails closed when an owned chain holds a rule gatewayd did not write.
    func ensureOwned(_ chain: String) throws {
        if chainExists(chain), !entries(of: chain).allSatisfy(\.tagged) {
            throw FirewallError.foreignChain(family: family, table: table, chain: chain)
        }
    }

    func createChain(_ chain: String) throws {
        try check(lib.createChain(chain, handle), "creating chain \(chain)")
    }

    func flush(_ chain: String) throws {
        try check(lib.flush(chain, handle), "flushing \(chain)")
    }

    func deleteChain(_ chain: String) throws {
        try check(lib.deleteChain(chain, handle), "deleting chain \(chain)")
    }

    /// `number` is 1-based, as iptables counts rules, and only names the step.
    func append(_ rule: FirewallRule, to chain: String, number: Int) throws {
        let step = "appending rule \(number) to \(chain)"
        let entry = try encode(rule, step: step)
        try check(entry.withUnsafeBytes { lib.append(chain, $0.baseAddress!, handle) }, step)
    }

    func insert(_ rule: FirewallRule, into chain: String, at index: Int) throws {
        let step = "inserting rule at \(index + 1) in \(chain)"
        let entry = try encode(rule, step: step)
        try check(entry.withUnsafeBytes { lib.insert(chain, $0.baseAddress!, UInt32(index), handle) }, step)
    }

    /// `index` is 0-based, as libiptc counts.
    func deleteRule(at index: Int, in chain: String) throws {
        try check(lib.deleteNumber(chain, UInt32(index), handle), "deleting rule \(index + 1) from \(chain)")
    }

    /// Writes the table to the kernel; libiptc skips the write when nothing changed.
    func commit() throws {
        try check(lib.commit(handle), "committing")
    }

    private func encode(_ rule: FirewallRule, step: String) throws -> [UInt8] {
        guard let entry = XTablesRuleCodec.encode(rule, family: family) else {
            throw FirewallError.libiptc(family: family, table: table, step: step, errno: EINVAL,
                                        message: "rule outside gatewayd's xtables subset: \(rule)")
        }
        return entry
    }

    private func check(_ result: Int32, _ step: @autoclosure () -> String) throws {
        guard result == 0 else { return }
        let code = errno  // before building the step text can clobber it
        throw Self.failure(lib, family, table, errno: code, step: step())
    }

    private static func failure(
        _ lib: LibIPTC, _ family: IPFamily, _ table: FirewallTable, errno code: Int32, step: String
    ) -> FirewallError {
        let message = lib.strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return .libiptc(family: family, table: table, step: step, errno: code, message: message)
    }
}
