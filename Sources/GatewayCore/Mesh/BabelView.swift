/// What babeld itself reports through `monitor`: its interfaces, neighbours and routes,
/// kept current line by line. The one source for "does babeld have this interface up",
/// babel health per tunnel and the babel metrics.
public struct BabelView: Sendable, Equatable {
    public struct Interface: Sendable, Equatable {
        public var up: Bool
        /// babeld's link-local address on it, once up.
        public var ipv6: String?

        public init(up: Bool, ipv6: String?) {
            self.up = up
            self.ipv6 = ipv6
        }
    }

    public struct Neighbour: Sendable, Equatable {
        public var address: String
        public var interface: String
        /// The last 16 hellos as a bit field (`ffff`: none missed).
        public var reach: UInt16
        public var rxcost: Int
        public var txcost: Int
        public var cost: Int
        /// Round-trip time in seconds, when timestamps are on.
        public var rttSeconds: Double?

        public init(address: String, interface: String, reach: UInt16, rxcost: Int, txcost: Int, cost: Int, rttSeconds: Double?) {
            self.address = address
            self.interface = interface
            self.reach = reach
            self.rxcost = rxcost
            self.txcost = txcost
            self.cost = cost
            self.rttSeconds = rttSeconds
        }
    }

    public struct Route: Sendable, Equatable {
        public var prefix: String
        public var from: String
        public var installed: Bool
        public var metric: Int
        public var via: String
        public var interface: String
    }

    public private(set) var interfaces: [String: Interface] = [:]
    /// By babeld's identifier.
    public private(set) var neighbours: [String: Neighbour] = [:]
    /// By babeld's identifier; routes learned from neighbours, not xroutes.
    public private(set) var routes: [String: Route] = [:]

    public init() {}

    /// Applies one line; returns what happened to an interface, if the line was about one.
    @discardableResult
    public mutating func apply(_ line: BabelMonitorLine) -> InterfaceEvent? {
        switch line.subject {
        case .interface:
            if line.verb == .flush {
                interfaces[line.id] = nil
                return .forgotten(line.id)
            }
            let up = line.fields["up"] == "true"
            interfaces[line.id] = Interface(up: up, ipv6: line.fields["ipv6"])
            return .reported(line.id, up: up)
        case .neighbour:
            if line.verb == .flush {
                neighbours[line.id] = nil
            } else if let neighbour = Self.neighbour(line.fields) {
                neighbours[line.id] = neighbour
            }
        case .route:
            if line.verb == .flush {
                routes[line.id] = nil
            } else if let route = Self.route(line.fields) {
                routes[line.id] = route
            }
        case .xroute:
            break
        }
        return nil
    }

    public enum InterfaceEvent: Sendable, Equatable {
        case reported(String, up: Bool)
        /// `flush interface`: babeld no longer knows it.
        case forgotten(String)
    }

    public func neighbours(on interface: String) -> [Neighbour] {
        neighbours.values.filter { $0.interface == interface }.sorted { $0.address < $1.address }
    }

    public func routes(via interface: String) -> [Route] {
        routes.values.filter { $0.interface == interface }
    }

    static func neighbour(_ fields: [String: String]) -> Neighbour? {
        guard let address = fields["address"], let interface = fields["if"],
              let reach = fields["reach"].flatMap({ UInt16($0, radix: 16) }) else { return nil }
        return Neighbour(address: address, interface: interface, reach: reach,
                         rxcost: fields["rxcost"].flatMap { Int($0) } ?? 0, txcost: fields["txcost"].flatMap { Int($0) } ?? 0,
                         cost: fields["cost"].flatMap { Int($0) } ?? 0,
                         // babeld prints the rtt in milliseconds with three decimals.
                         rttSeconds: fields["rtt"].flatMap { Double($0) }.map { $0 / 1000 })
    }

    static func route(_ fields: [String: String]) -> Route? {
        guard let prefix = fields["prefix"], let from = fields["from"], let via = fields["via"],
              let interface = fields["if"] else { return nil }
        return Route(prefix: prefix, from: from, installed: fields["installed"] == "yes",
                     metric: fields["metric"].flatMap { Int($0) } ?? 0, via: via, interface: interface)
    }
}
