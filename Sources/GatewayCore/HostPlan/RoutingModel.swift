/// Routing-policy state gatewayd owns. Every rule and route it adds carries
/// `RoutingConstants.ownerProtocol` as its protocol, so that teardown can remove
/// exactly its own state (`ip -6 rule show proto 215`) and nothing of the operator's.

public enum RoutingConstants {
    /// rtm_protocol / FRA_PROTOCOL of gatewayd's rules and routes (unused in iproute2's rt_protos).
    public static let ownerProtocol: UInt8 = 215
    /// What babeld learned (it exports here).
    public static let exportTable: UInt32 = 10
    /// l3roamd's client routes (babeld imports).
    public static let clientTable: UInt32 = 11
    /// Static routes the operator wants announced (babeld imports).
    public static let staticTable: UInt32 = 12
    /// The kernel's `local` table.
    public static let localTable: UInt32 = 255
    /// respondd's multicast group, routed through mmfd's tun.
    public static let responddGroup = IPv6Prefix(address: IPv6Address("ff05::2:1001")!, length: 128)
    public static let mmfdInterface = "mmfd0"
}

/// An IPv6 policy rule `ip -6 rule add {to|from} PREFIX lookup TABLE pref PRIORITY`.
public struct PolicyRule: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Selector: String, Hashable, Sendable, Comparable {
        case from, to
        public static func < (lhs: Selector, rhs: Selector) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var selector: Selector
    public var prefix: IPv6Prefix
    public var table: UInt32
    public var priority: UInt32

    public init(selector: Selector, prefix: IPv6Prefix, table: UInt32, priority: UInt32) {
        self.selector = selector
        self.prefix = prefix
        self.table = table
        self.priority = priority
    }

    /// In iproute2's words, so operators can compare with `ip -6 rule`.
    public var description: String {
        "\(selector.rawValue) \(prefix) lookup \(table) pref \(priority)"
    }

    public static func < (lhs: PolicyRule, rhs: PolicyRule) -> Bool {
        (lhs.priority, lhs.table, lhs.prefix, lhs.selector) < (rhs.priority, rhs.table, rhs.prefix, rhs.selector)
    }
}

/// An IPv6 unicast route through a device, optionally source-specific.
public struct RouteSpec: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var destination: IPv6Prefix
    public var source: IPv6Prefix?
    public var device: String
    public var table: UInt32

    public init(destination: IPv6Prefix, source: IPv6Prefix? = nil, device: String, table: UInt32) {
        self.destination = destination
        self.source = source
        self.device = device
        self.table = table
    }

    public var description: String {
        let from = source.map { " from \($0)" } ?? ""
        return "\(destination)\(from) dev \(device) table \(Self.tableName(table))"
    }

    static func tableName(_ table: UInt32) -> String {
        table == RoutingConstants.localTable ? "local" : String(table)
    }

    public static func < (lhs: RouteSpec, rhs: RouteSpec) -> Bool {
        (lhs.table, lhs.destination, lhs.device) < (rhs.table, rhs.destination, rhs.device)
    }
}

/// One sysctl and the value the gateway needs, by its dotted name (`net.ipv6.conf.all.forwarding`).
public struct SysctlSetting: Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public var description: String { "\(key)=\(value)" }
}
