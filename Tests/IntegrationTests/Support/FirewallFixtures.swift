import GatewayCore

/// The seed's firewall (DESIGN.md section 3) as gatewayd plans it, with `eth0` as WAN.
enum FirewallFixtures {
    static let inputChain = "GATEWAYD-INPUT"
    static let mssChain = "GATEWAYD-MSS"
    static let wan = "eth0"

    static func filterPlan(_ family: IPFamily) -> FirewallTablePlan {
        let linkLocal = IPv6Prefix("fe80::/64")
        let mesh: [FirewallRule] = [6696, 27275, 5523].map { port in
            FirewallRule(inInterface: "babel-wg-+", source: linkLocal, transport: .udp,
                         destinationPorts: port...port, target: .accept)
        }
        let wan = [
            FirewallRule(inInterface: Self.wan, transport: .tcp, destinationPorts: 40000...40000, target: .accept),
            FirewallRule(inInterface: Self.wan, transport: .udp, destinationPorts: 40000...40999, target: .accept),
        ]
        return FirewallTablePlan(
            family: family, table: .filter,
            chains: [inputChain: (family == .ipv6 ? mesh : []) + wan],
            hooks: [FirewallHook(builtinChain: "INPUT", ownedChain: inputChain, position: .first)])
    }

    static func manglePlan(_ family: IPFamily) -> FirewallTablePlan {
        FirewallTablePlan(
            family: family, table: .mangle,
            chains: [mssChain: [FirewallRule(outInterface: "babel-wg-+", transport: .tcp,
                                             tcpFlags: .synWithoutRst, target: .clampMSSToPMTU)]],
            hooks: [
                FirewallHook(builtinChain: "FORWARD", ownedChain: mssChain, position: .last),
                FirewallHook(builtinChain: "OUTPUT", ownedChain: mssChain, position: .last),
            ])
    }

    static func plans(_ family: IPFamily) -> [FirewallTablePlan] { [filterPlan(family), manglePlan(family)] }
}

extension NetworkNamespace {
    /// `iptables-legacy-save` of one table without the timestamped comment lines and with
    /// counters zeroed, so that two saves compare equal when the rules do.
    func save(_ family: IPFamily, _ table: FirewallTable) throws -> [String] {
        try exec("\(family.toolName)-legacy-save", "-t", table.rawValue)
            .split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") }
            .map { $0.replacing(/\[\d+:\d+\]/, with: "[0:0]") }
    }

    func saveAll(_ family: IPFamily) throws -> [String] {
        try save(family, .filter) + save(family, .mangle)
    }

    /// An operator's own rule, added with the legacy CLI as an operator would.
    func operatorRule(_ family: IPFamily, _ arguments: String...) throws {
        try exec(["\(family.toolName)-legacy"] + arguments)
    }
}
