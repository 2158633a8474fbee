import GatewayCore

/// Babel's view of one mesh interface, as babeld's monitor (and mmfd's `get_neighbours`)
/// report it: in `peers`/`peer-show` per tunnel.
public struct BabelTunnel: Codable, Sendable, Equatable {
    public struct Neighbour: Codable, Sendable, Equatable {
        public var address: String
        /// The last 16 hellos as a bit field (65535: none missed, 0: none heard).
        public var reach: Int
        public var rxcost: Int
        public var txcost: Int
        public var cost: Int
        public var rttSeconds: Double?

        public init(address: String, reach: Int, rxcost: Int, txcost: Int, cost: Int, rttSeconds: Double?) {
            self.address = address
            self.reach = reach
            self.rxcost = rxcost
            self.txcost = txcost
            self.cost = cost
            self.rttSeconds = rttSeconds
        }

        /// Hellos heard of the last 16.
        public var hellosHeard: Int { reach.nonzeroBitCount }
    }

    /// babeld has the interface up; false: it knows it but has it down; nil: it does not know it.
    public var up: Bool?
    public var neighbours: [Neighbour]
    /// Routes babeld learned through the interface, and how many of them it installed.
    public var routes: Int
    public var installedRoutes: Int
    /// mmfd's neighbours on it; nil when mmfd is off or did not answer.
    public var mmfdNeighbours: [String]?

    public init(up: Bool?, neighbours: [Neighbour], routes: Int, installedRoutes: Int, mmfdNeighbours: [String]?) {
        self.up = up
        self.neighbours = neighbours
        self.routes = routes
        self.installedRoutes = installedRoutes
        self.mmfdNeighbours = mmfdNeighbours
    }

    public init(interface: String, view: BabelView, mmfd: [String: [String]]?) {
        self = Self.all(view: view, mmfd: mmfd)(interface)
    }

    /// Every interface's view from one pass over babeld's neighbours and routes: a listing
    /// of N tunnels costs O(N), not N scans of everything babeld knows.
    public static func all(view: BabelView, mmfd: [String: [String]]?) -> @Sendable (String) -> BabelTunnel {
        let neighbours = Dictionary(grouping: view.neighbours.values, by: \.interface)
        let routes = Dictionary(grouping: view.routes.values, by: \.interface)
        let interfaces = view.interfaces
        return { interface in
            let learned = routes[interface] ?? []
            return BabelTunnel(
                up: interfaces[interface]?.up,
                neighbours: (neighbours[interface] ?? []).sorted { $0.address < $1.address }.map {
                    Neighbour(address: $0.address, reach: Int($0.reach), rxcost: $0.rxcost, txcost: $0.txcost, cost: $0.cost,
                              rttSeconds: $0.rttSeconds)
                },
                routes: learned.count, installedRoutes: learned.filter(\.installed).count,
                mmfdNeighbours: mmfd.map { $0[interface] ?? [] })
        }
    }

    /// The neighbour babeld hears best (most hellos, then the lowest cost); nil when it hears none.
    public var best: Neighbour? {
        neighbours.filter { $0.reach != 0 }
            .min { ($0.hellosHeard, -$0.cost) > ($1.hellosHeard, -$1.cost) }
    }

    /// babeld's infinite cost (babeld.h, INFINITY): a neighbour it cannot route through,
    /// e.g. one whose IHU has not arrived yet.
    public static let infinity = 0xFFFF

    /// Babel runs over the tunnel: babeld has it up and hears a neighbour on it that it
    /// can route through.
    public var hasNeighbour: Bool { up == true && (best.map { $0.cost < Self.infinity } ?? false) }
}

/// The mesh in `status`: how many live tunnels babel runs over.
public struct BabelSummary: Codable, Sendable, Equatable {
    /// Tunnels with a handshake in the last 3 minutes.
    public var tunnelsUp: Int
    /// Of those, the ones with a babel neighbour.
    public var tunnelsWithNeighbour: Int
    /// The interfaces of live tunnels without one: WireGuard works, babel does not (yet).
    public var upWithoutNeighbour: [String]
    /// babeld's neighbours and learned routes on every interface (MESHIFS included).
    public var neighbours: Int
    public var routes: Int

    public init(tunnelsUp: Int, tunnelsWithNeighbour: Int, upWithoutNeighbour: [String], neighbours: Int, routes: Int) {
        self.tunnelsUp = tunnelsUp
        self.tunnelsWithNeighbour = tunnelsWithNeighbour
        self.upWithoutNeighbour = upWithoutNeighbour
        self.neighbours = neighbours
        self.routes = routes
    }

    public init(peers: [PeerStatus], view: BabelView) {
        let live = peers.filter(\.isLive)
        let without = live.filter { $0.babel?.hasNeighbour != true }.map(\.interface)
        self.init(tunnelsUp: live.count, tunnelsWithNeighbour: live.count - without.count, upWithoutNeighbour: without,
                  neighbours: view.neighbours.values.filter { $0.reach != 0 }.count, routes: view.routes.count)
    }
}

extension PeerStatus {
    /// A handshake within this counts as a live tunnel (WireGuard rekeys every 2 minutes).
    public static let recentHandshake: Int64 = 180

    public var isLive: Bool { (handshakeAgeSeconds ?? .max) <= Self.recentHandshake }
}
