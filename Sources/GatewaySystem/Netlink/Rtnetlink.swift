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

    /// Names only the devices of gatewayd's few routes: a dump of every link would cost
    /// O(peers) at every look.
    public func ownedRoutes() throws -> [RouteSpec] {
        try socket().dump(RoutingMessages.routeDump(), "listing ip -6 routes").compactMap {
            RoutingMessages.ownedRoute(from: $0, interfaceName: Self.name(ofInterface:))
        }
    }

    static func name(ofInterface index: UInt32) -> String? {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE))
        guard if_indextoname(index, &name) != nil else { return nil }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
        let index = if_nametoindex(device)
        guard index != 0 else { throw NetlinkError(operation: operation, errno: ENODEV) }
        return index
    }

    // MARK: LinkDirectory

    public func links(exact names: Set<String>) throws -> LinkSet {
        let socket = try socket()
        var links = Dictionary(try socket.dump(RoutingMessages.linkDump(), "listing links", acceptingInterrupted: true)
            .compactMap(RoutingMessages.link).map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        for name in names { links[name] = try link(named: name, on: socket) }
        return LinkSet(present: Set(links.keys), up: Set(links.values.filter(\.isUp).map(\.name)))
    }

    /// One link by name (not a dump: nothing to interrupt); nil when there is none.
    private func link(named name: String, on socket: NetlinkSocket) throws -> RoutingMessages.Link? {
        do {
            return try socket.request(RoutingMessages.linkQuery(name: name), "looking up link \(name)")
                .compactMap(RoutingMessages.link).first
        } catch let error as NetlinkError where error.errno == ENODEV {
            return nil
        }
    }
}
