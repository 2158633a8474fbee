/// The broker's limits, from GatewayConfig plus the sweep timing.
public struct BrokerSettings: Sendable, Equatable {
    public var ports: Range<UInt16>
    public var mtu: Int
    public var maxConnections: Int
    public var sweep: IdleSweep
    /// The gateway's own public key, never accepted as a node's.
    public var gatewayKey: PublicKey?

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
    }
}
