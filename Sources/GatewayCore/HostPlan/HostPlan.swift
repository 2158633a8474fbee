/// The host state the gateway needs, computed from the configuration and the
/// interfaces that exist right now (per-interface sysctls and the mmfd0 route only
/// make sense once their interface is there, the route once it is up). Pure: no I/O.
public struct HostPlan: Sendable, Equatable {
    /// In the order they must be applied: forwarding is switched on last.
    public var sysctls: [SysctlSetting]
    public var rules: [PolicyRule]
    public var routes: [RouteSpec]
    public var firewall: [FirewallTablePlan]

    public init(sysctls: [SysctlSetting], rules: [PolicyRule], routes: [RouteSpec], firewall: [FirewallTablePlan]) {
        self.sysctls = sysctls
        self.rules = rules
        self.routes = routes
        self.firewall = firewall
    }

    /// The pattern that matches every broker-made peer interface (`babel-wg-N`).
    public static let peerInterfacePattern = "babel-wg-+"
    public static let peerInterfacePrefix = "babel-wg-"

    public init(config: GatewayConfig, links: LinkSet) {
        let meshInterfaces = config.meshInterfaces + links.present
            .filter { $0.hasPrefix(Self.peerInterfacePrefix) }
            .sorted()
        self.init(
            sysctls: [ReservedPorts.setting(for: config.startPort..<config.endPort)]
                + Self.sysctls(meshInterfaces: meshInterfaces.filter(links.present.contains)),
            rules: Self.rules(config: config),
            routes: Self.routes(upInterfaces: links.up),
            firewall: FirewallPlanner(config: config).tables()
        )
    }

    /// The links whose presence must be known for certain: the configured mesh interfaces
    /// and mmfd's tun, whose route a missed sighting would delete. A missed peer interface
    /// only waits for its own look.
    public static func exactLinks(_ config: GatewayConfig) -> Set<String> {
        Set(config.meshInterfaces + [RoutingConstants.mmfdInterface])
    }

    /// Everything babeld's kernel setup writes (kernel_netlink.c: both forwarding switches,
    /// accept_redirects, rp_filter, and rp_filter per interface) — applied by gatewayd, which
    /// runs babeld with `skip-kernel-setup true`, so they hold while babeld restarts and a
    /// read-only /proc/sys is checked instead of written.
    static func sysctls(meshInterfaces: [String]) -> [SysctlSetting] {
        interfaceSysctls(meshInterfaces) + [
            SysctlSetting("net.ipv6.conf.all.accept_redirects", "0"),
            SysctlSetting("net.ipv4.conf.all.rp_filter", "0"),
            SysctlSetting("net.ipv4.conf.all.forwarding", "1"),
            SysctlSetting("net.ipv6.conf.all.forwarding", "1"),
        ]
    }

    /// The settings each mesh interface needs, whichever made it.
    public static func interfaceSysctls(_ interfaces: [String]) -> [SysctlSetting] {
        interfaces.map { SysctlSetting("net.ipv4.conf.\($0).rp_filter", "0") }
    }

    /// scripts/iprules: traffic to and from the mesh's prefixes looks up babel's table.
    static func rules(config: GatewayConfig) -> [PolicyRule] {
        let prefixes = [config.nodePrefix, config.clientPrefix] + [config.clatPrefix, config.platPrefix].compactMap { $0 }
        return prefixes.flatMap { prefix in
            [PolicyRule.Selector.to, .from].map {
                PolicyRule(selector: $0, prefix: prefix, table: RoutingConstants.exportTable, priority: config.rulePriority)
            }
        }
    }

    /// respondd multicast leaves through mmfd once its tun is up.
    static func routes(upInterfaces: Set<String>) -> [RouteSpec] {
        guard upInterfaces.contains(RoutingConstants.mmfdInterface) else { return [] }
        return [RouteSpec(destination: RoutingConstants.responddGroup, device: RoutingConstants.mmfdInterface,
                          table: RoutingConstants.localTable)]
    }
}

extension SysctlSetting {
    /// False for the settings of interfaces the broker makes: they had no value before
    /// gatewayd, and recording one per peer would grow the host-state record (rewritten
    /// at every change) by a key for every peer ever seen.
    public var isRestoredOnTeardown: Bool {
        !key.hasPrefix("net.ipv4.conf.\(HostPlan.peerInterfacePrefix)")
    }
}
