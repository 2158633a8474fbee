/// The gateway's firewall (DESIGN.md section 3) as owned chains:
/// - filter `GATEWAYD-INPUT`, jumped to first from INPUT: babel (6696), mmfd (27275) and
///   l3roamd (5523) on mesh interfaces; the broker's TCP port and the WireGuard UDP range on WAN.
/// - mangle `GATEWAYD-MSS`, jumped to from FORWARD and OUTPUT: TCP MSS clamped to the path MTU
///   on everything leaving through a mesh interface.
public struct FirewallPlanner: Sendable {
    public static let inputChain = "GATEWAYD-INPUT"
    public static let mssChain = "GATEWAYD-MSS"

    public static let babelPort: UInt16 = 6696
    public static let mmfdPort: UInt16 = 27275
    public static let l3roamdPort: UInt16 = 5523
    static let linkLocal = IPv6Prefix(address: IPv6Address("fe80::")!, length: 64)

    let config: GatewayConfig

    public init(config: GatewayConfig) {
        self.config = config
    }

    /// Every (family, table) gatewayd owns chains in, in commit order.
    public static let ownedChains: [(IPFamily, FirewallTable, Set<String>)] = [
        (.ipv6, .filter, [inputChain]), (.ipv4, .filter, [inputChain]),
        (.ipv6, .mangle, [mssChain]), (.ipv4, .mangle, [mssChain]),
    ]

    public func tables() -> [FirewallTablePlan] {
        Self.ownedChains.map { family, table, _ in
            switch table {
            case .filter:
                return FirewallTablePlan(
                    family: family, table: .filter, chains: [Self.inputChain: inputRules(family)],
                    hooks: [FirewallHook(builtinChain: "INPUT", ownedChain: Self.inputChain, position: .first)])
            case .mangle:
                return FirewallTablePlan(
                    family: family, table: .mangle, chains: [Self.mssChain: mssRules()],
                    hooks: ["FORWARD", "OUTPUT"].map {
                        FirewallHook(builtinChain: $0, ownedChain: Self.mssChain, position: .last)
                    })
            }
        }
    }

    /// Babel-wg peers first (the wildcard), then the static mesh interfaces.
    var meshInterfaces: [String] { [HostPlan.peerInterfacePattern] + config.meshInterfaces }

    func inputRules(_ family: IPFamily) -> [FirewallRule] {
        let mesh = family == .ipv6 ? meshInterfaces.flatMap(meshDaemonRules) : []
        return mesh + wanRules()
    }

    /// The seed's accepts: babel and mmfd from link-local and node addresses, l3roamd from any mesh source.
    func meshDaemonRules(interface: String) -> [FirewallRule] {
        let fromMesh = [Self.linkLocal, config.nodePrefix].flatMap { source in
            [Self.babelPort, Self.mmfdPort].map { port in
                FirewallRule(inInterface: interface, source: source, transport: .udp,
                             destinationPorts: port...port, target: .accept)
            }
        }
        let l3roamd = FirewallRule(inInterface: interface, transport: .udp,
                                   destinationPorts: Self.l3roamdPort...Self.l3roamdPort, target: .accept)
        return fromMesh + [l3roamd]
    }

    /// Nodes reach the broker and their WireGuard ports over the uplink, in both families.
    func wanRules() -> [FirewallRule] {
        [
            FirewallRule(inInterface: config.wan, transport: .tcp,
                         destinationPorts: config.brokerPort...config.brokerPort, target: .accept),
            FirewallRule(inInterface: config.wan, transport: .udp,
                         destinationPorts: config.startPort...(config.endPort - 1), target: .accept),
        ]
    }

    func mssRules() -> [FirewallRule] {
        meshInterfaces.map {
            FirewallRule(outInterface: $0, transport: .tcp, tcpFlags: .synWithoutRst, target: .clampMSSToPMTU)
        }
    }
}
