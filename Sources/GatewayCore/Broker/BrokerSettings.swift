import Foundation

/// The broker's limits, from GatewayConfig plus the sweep timing.
public struct BrokerSettings: Sendable, Equatable {
    public var ports: Range<UInt16>
    public var mtu: Int
    public var maxConnections: Int
    public var sweep: IdleSweep
    /// The gateway's own public key, never accepted as a node's.
    public var gatewayKey: PublicKey?
    /// A peer is provisional until its first handshake proves the node holds the key: it
    /// goes when none came within this many seconds (repeated requests do not extend it).
    public var provisionalGrace: TimeInterval = 120
    /// Provisional peers one source (IPv6 /64, IPv4 /32) may hold at once.
    public var provisionalPerSource: Int = 8

    public init(ports: Range<UInt16>, mtu: Int, maxConnections: Int, sweep: IdleSweep = IdleSweep(), gatewayKey: PublicKey? = nil) {
        self.ports = ports
        self.mtu = mtu
        self.maxConnections = maxConnections
        self.sweep = sweep
        self.gatewayKey = gatewayKey
    }

    public init(config: GatewayConfig, gatewayKey: PublicKey?) {
        self.init(ports: config.startPort..<config.endPort, mtu: config.mtu,
                  maxConnections: config.maxConnections, sweep: config.broker.sweep, gatewayKey: gatewayKey)
        provisionalGrace = config.broker.provisionalGrace
        provisionalPerSource = config.broker.provisionalPerSource
    }

    /// How often provisional peers are checked: often enough that one goes soon after its
    /// grace, never more often than every 5 s.
    public var provisionalCheckInterval: Duration {
        .seconds(max(5, min(provisionalGrace / 4, sweep.interval.seconds)))
    }
}
