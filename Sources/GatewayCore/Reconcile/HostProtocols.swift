/// The kernel state the reconciler reads and changes, as GatewaySystem implements it for Linux.

/// IPv6 policy rules.
public protocol PolicyRuleStore: Sendable {
    /// The rules carrying `RoutingConstants.ownerProtocol`.
    func ownedRules() throws -> [PolicyRule]
    func add(_ rule: PolicyRule) throws
    func delete(_ rule: PolicyRule) throws
}

/// IPv6 routes in every table.
public protocol RouteStore: Sendable {
    /// The routes carrying `RoutingConstants.ownerProtocol`.
    func ownedRoutes() throws -> [RouteSpec]
    func add(_ route: RouteSpec) throws
    func delete(_ route: RouteSpec) throws
}

/// The network interfaces that exist.
public protocol LinkDirectory: Sendable {
    /// Every link. The `exact` ones (the few the plan's rules and routes hang on) are
    /// looked up one by one: a listing of thousands of links that keep changing (peers
    /// being provisioned) may skip some.
    func links(exact names: Set<String>) throws -> LinkSet
}

/// Interfaces by name: those that exist, and those administratively up (a route through
/// a device that is down is refused, so mmfd0 must be up before its route is added).
public struct LinkSet: Sendable, Equatable {
    public var present: Set<String>
    public var up: Set<String>

    public init(present: Set<String>, up: Set<String>? = nil) {
        self.present = present
        self.up = up ?? present
    }
}

/// Kernel parameters by dotted name.
public protocol SysctlStore: Sendable {
    /// nil when the key does not exist (e.g. the interface is gone).
    func read(_ key: String) throws -> String?
    func write(_ key: String, _ value: String) throws
}

/// Durable memory of what the host looked like before gatewayd changed it, so that
/// teardown can restore it — also after gatewayd was killed and started again.
public protocol HostStateRecordStore: Sendable {
    func load() throws -> HostStateRecord
    func save(_ record: HostStateRecord) throws
    func erase() throws
}

public struct HostStateRecord: Codable, Sendable, Equatable {
    /// sysctl key → the value it had before gatewayd first changed it.
    public var originalSysctls: [String: String]

    public init(originalSysctls: [String: String] = [:]) {
        self.originalSysctls = originalSysctls
    }
}

/// Everything the reconciler needs of the host, in one value.
public struct HostSystem: Sendable {
    public var rules: any PolicyRuleStore
    public var routes: any RouteStore
    public var links: any LinkDirectory
    public var sysctls: any SysctlStore
    public var firewall: any Firewall
    public var record: any HostStateRecordStore

    public init(
        rules: any PolicyRuleStore, routes: any RouteStore, links: any LinkDirectory,
        sysctls: any SysctlStore, firewall: any Firewall, record: any HostStateRecordStore
    ) {
        self.rules = rules
        self.routes = routes
        self.links = links
        self.sysctls = sysctls
        self.firewall = firewall
        self.record = record
    }
}
