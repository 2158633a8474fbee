/// The firewall as gatewayd models it: a few owned chains per (family, table), each
/// holding exactly the rules of the plan, and jump rules from built-in chains into them.
/// Everything gatewayd writes carries the comment `FirewallRule.ownerTag`, so that
/// teardown removes only its own rules and a foreign chain of the same name is detected.

public enum IPFamily: String, Sendable, Hashable, CaseIterable, Codable {
    case ipv4, ipv6

    /// The name iptables-save users know it by.
    public var toolName: String { self == .ipv4 ? "iptables" : "ip6tables" }
}

public enum FirewallTable: String, Sendable, Hashable, CaseIterable, Codable {
    case filter, mangle
}

public enum TransportProtocol: String, Sendable, Hashable, Codable {
    case tcp, udp
}

/// `--tcp-flags MASK COMP` with the flags as the kernel's bit values (FIN=1 SYN=2 RST=4 ...).
public struct TCPFlagsMatch: Hashable, Sendable, Codable {
    public var mask: UInt8
    public var comparison: UInt8

    public init(mask: UInt8, comparison: UInt8) {
        self.mask = mask
        self.comparison = comparison
    }

    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    /// `--tcp-flags SYN,RST SYN`: the only flags match the kernel accepts for TCPMSS.
    public static let synWithoutRst = TCPFlagsMatch(mask: syn | rst, comparison: syn)
}

public enum FirewallTarget: Hashable, Sendable, Codable {
    case accept
    case drop
    /// Jump into a user-defined chain.
    case jump(String)
    /// `-j TCPMSS --clamp-mss-to-pmtu`.
    case clampMSSToPMTU
}

/// One xtables rule in the subset gatewayd writes. Interface names may end in `+`
/// (iptables' prefix wildcard). `source` is only meaningful in IPv6 rules.
public struct FirewallRule: Hashable, Sendable, Codable {
    public var inInterface: String?
    public var outInterface: String?
    public var source: IPv6Prefix?
    public var transport: TransportProtocol?
    public var destinationPorts: ClosedRange<UInt16>?
    public var tcpFlags: TCPFlagsMatch?
    public var target: FirewallTarget

    /// The comment every rule of gatewayd's carries.
    public static let ownerTag = "gatewayd"

    public init(
        inInterface: String? = nil, outInterface: String? = nil, source: IPv6Prefix? = nil,
        transport: TransportProtocol? = nil, destinationPorts: ClosedRange<UInt16>? = nil,
        tcpFlags: TCPFlagsMatch? = nil, target: FirewallTarget
    ) {
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.source = source
        self.transport = transport
        self.destinationPorts = destinationPorts
        self.tcpFlags = tcpFlags
        self.target = target
    }
}

/// Where a built-in chain jumps into an owned chain.
public struct FirewallHook: Hashable, Sendable, Codable {
    public enum Position: String, Sendable, Codable { case first, last }
    public var builtinChain: String
    public var ownedChain: String
    public var position: Position

    public init(builtinChain: String, ownedChain: String, position: Position) {
        self.builtinChain = builtinChain
        self.ownedChain = ownedChain
        self.position = position
    }
}

/// The desired content of one (family, table): committed atomically as one libiptc commit.
public struct FirewallTablePlan: Hashable, Sendable, Codable {
    public var family: IPFamily
    public var table: FirewallTable
    /// Owned chain name → its rules, in order.
    public var chains: [String: [FirewallRule]]
    public var hooks: [FirewallHook]

    public init(family: IPFamily, table: FirewallTable, chains: [String: [FirewallRule]], hooks: [FirewallHook]) {
        self.family = family
        self.table = table
        self.chains = chains
        self.hooks = hooks
    }
}

/// What the kernel holds of gatewayd's state in one (family, table).
public struct FirewallTableState: Hashable, Sendable {
    /// Owned chain name → its rules, for the owned chains that exist.
    public var chains: [String: [FirewallRule]]
    /// Every gatewayd-tagged jump found in a built-in chain, with its index in that chain.
    public var hooks: [ObservedHook]

    public struct ObservedHook: Hashable, Sendable {
        public var builtinChain: String
        public var ownedChain: String
        public var index: Int
        public init(builtinChain: String, ownedChain: String, index: Int) {
            self.builtinChain = builtinChain
            self.ownedChain = ownedChain
            self.index = index
        }
    }

    public init(chains: [String: [FirewallRule]] = [:], hooks: [ObservedHook] = []) {
        self.chains = chains
        self.hooks = hooks
    }
}

/// The kernel's xtables, as far as gatewayd touches them.
public protocol Firewall: Sendable {
    /// Reads the owned chains (absent ones are left out) and the tagged jumps into them.
    /// Throws `FirewallError.foreignChain` when an owned chain name holds rules gatewayd did
    /// not write (no owner tag).
    func observe(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws -> FirewallTableState

    /// Makes (family, table) hold exactly `plan` in one commit: creates missing chains,
    /// replaces their rules, keeps exactly one tagged jump per hook at its position, and
    /// leaves every rule it did not write alone. All or nothing.
    func commit(_ plan: FirewallTablePlan) throws

    /// Removes the tagged jumps into `ownedChains` and those chains, in one commit.
    /// Missing chains are not an error.
    func remove(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws
}

public enum FirewallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A chain with an owned name exists and holds rules without gatewayd's tag.
    case foreignChain(family: IPFamily, table: FirewallTable, chain: String)
    /// libiptc failed; `step` says what was being done.
    case libiptc(family: IPFamily, table: FirewallTable, step: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .foreignChain(let family, let table, let chain):
            return "\(family.toolName) -t \(table.rawValue): chain \(chain) exists and holds rules gatewayd did not write; "
                + "refusing to overwrite it (rename or delete that chain)"
        case .libiptc(let family, let table, let step, _, let message):
            return "\(family.toolName) -t \(table.rawValue): \(step): \(message)"
        }
    }
}
