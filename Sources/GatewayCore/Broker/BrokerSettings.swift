/// The broker's limits, from GatewayConfig plus the sweep timing.
public struct BrokerSettings: Sendable, Equatable {
    public var ports: Range<UInt16>
    public var mtu: Int
    public var maxConnections: Int
    public var sweep: IdleSweep

    public init(ports: Range<UInt16>, mtu: Int, maxConnections: Int, sweep: IdleSweep = IdleSweep()) {
        self.ports = ports
        self.mtu = mtu
        self.maxConnections = maxConnections
        self.sweep = sweep
    }

    public init(config: GatewayConfig) {
        self.init(ports: config.startPort..<config.endPort, mtu: config.mtu,
                  maxConnections: config.maxConnections, sweep: config.broker.sweep)
    }
}
