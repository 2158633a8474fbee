import CMnl
import GatewayCore
import Glibc

/// Policy rules, routes and links of the network namespace the calling thread is in,
/// through rtnetlink. Each call opens its own socket: nothing is shared between threads,
/// and the ~2 ms a whole host setup takes leaves nothing to gain from pooling.
public struct Rtnetlink: PolicyRuleStore, RouteStore, LinkDirectory {
    public init() {}

    private func socket() throws -> NetlinkSocket { try NetlinkSocket(bus: NETLINK_ROUTE) }

    // MARK: PolicyRuleStore

    public func ownedRules() throws -> [PolicyRule] {
        try socket().dump(RoutingMessages.ruleDump(), "listing ip -6 rules").compactMap(RoutingMessages.ownedRule)
    }

    public func add(_ rule: PolicyRule) throws {
        try socket().perform(RoutingMessages.rule(rule, adding: true), "adding rule \(rule)")
    }

    public func delete(_ rule: PolicyRule) throws {
        try socket().perform(RoutingMessages.rule(rule, adding: false), "deleting rule \(rule)")
    }

    // MARK: RouteStore

    public func ownedRoutes() throws -> [RouteSpec] {
        let names = try interfaces()
        return try socket().dump(RoutingMessages.routeDump(), "listing ip -6 routes").compactMap {
            RoutingMessages.ownedRoute(from: $0) { names[$0] }
        }
    }

    public func add(_ route: RouteSpec) throws {
        let operation = "adding route \(route)"
        try socket().perform(RoutingMessages.route(route, interfaceIndex: try index(of: route.device, operation), adding: true),
                             operation)
    }

    public func delete(_ route: RouteSpec) throws {
        let operation = "deleting route \(route)"
        try socket().perform(RoutingMessages.route(route, interfaceIndex: try index(of: route.device, operation), adding: false),
                             operation)
    }

    private func index(of device: String, _ operation: String) throws -> UInt32 {
        guard let index = try interfaces().first(where: { $0.value == device })?.key else {
            throw NetlinkError(operation: operation, errno: ENODEV)
        }
        return index
    }

    // MARK: LinkDirectory

    public func links() throws -> LinkSet {
        let links = try linkDump()
        return LinkSet(present: Set(links.map(\.name)), up: Set(links.filter(\.isUp).map(\.name)))
    }

    /// Interface index → name.
    public func interfaces() throws -> [UInt32: String] {
        Dictionary(try linkDump().map { ($0.index, $0.name) }, uniquingKeysWith: { _, last in last })
    }

    private func linkDump() throws -> [RoutingMessages.Link] {
        try socket().dump(RoutingMessages.linkDump(), "listing links").compactMap(RoutingMessages.link)
    }
}
