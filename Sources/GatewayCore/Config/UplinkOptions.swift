/// The optional uplink check (UPLINK*) and what gatewayd withdraws while it fails (ANNOUNCEROUTE).
public struct UplinkOptions: Sendable, Equatable {
    /// A route that must exist, and the table it must be in.
    public var route: IPv6Prefix?
    public var routeTable: UInt32
    /// A TCP address that must accept a connection.
    public var probe: HostPort?
    public var interval: Duration
    /// Failed checks in a row that make an up uplink down, and good ones that bring it back.
    public var failuresToDown: Int
    public var successesToUp: Int
    /// Withdrawn from table 12 while the uplink is down.
    public var announcedRoute: IPv6Prefix

    public static let defaultAnnouncedRoute = IPv6Prefix(address: IPv6Address(high: 0, low: 0), length: 0)

    public init(route: IPv6Prefix? = nil, routeTable: UInt32 = 254, probe: HostPort? = nil, interval: Duration = .seconds(10),
                failuresToDown: Int = 3, successesToUp: Int = 3, announcedRoute: IPv6Prefix = defaultAnnouncedRoute) {
        self.route = route
        self.routeTable = routeTable
        self.probe = probe
        self.interval = interval
        self.failuresToDown = failuresToDown
        self.successesToUp = successesToUp
        self.announcedRoute = announcedRoute
    }

    /// True when anything is to be checked at all.
    public var isEnabled: Bool { route != nil || probe != nil }

    /// What is checked, for status lines.
    public var summary: String? {
        let parts = [route.map { "route \($0) in table \(routeTable)" }, probe.map { "tcp \($0)" }].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
