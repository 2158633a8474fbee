import Foundation
import GatewayCore
import GatewaySystem
import Testing

@Suite("IPTablesFirewall on a real kernel", .enabled(if: Requirement.isRoot, Requirement.rootReason))
struct IPTablesFirewallTests {
    static let owned: Set<String> = [FirewallFixtures.inputChain, FirewallFixtures.mssChain]
    let firewall = IPTablesFirewall()

    @Test("commit writes exactly the planned rules", arguments: IPFamily.allCases)
    func commitWritesPlan(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            let elapsed = try await ns.run {
                try ContinuousClock().measure { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }
            }
            print("\(family.toolName): commit of filter + mangle plans took \(elapsed)")
            #expect(try ns.save(family, .filter) == Self.expectedFilter(family))
            #expect(try ns.save(family, .mangle) == Self.expectedMangle)
        }
    }

    @Test("a second commit changes nothing", arguments: IPFamily.allCases)
    func commitIsIdempotent(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            try await ns.run { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }
            let first = try ns.saveAll(family)
            try await ns.run { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }
            #expect(try ns.saveAll(family) == first)
            #expect(first.filter { $0.hasSuffix("-j GATEWAYD-INPUT") }.count == 1)
        }
    }

    @Test("observe returns the committed plan", arguments: IPFamily.allCases)
    func observeReturnsPlan(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            let states = try await ns.run {
                try FirewallFixtures.plans(family).map { plan in
                    try firewall.commit(plan)
                    return try firewall.observe(family: family, table: plan.table, ownedChains: Self.owned)
                }
            }
            #expect(states[0] == FirewallTableState(
                chains: FirewallFixtures.filterPlan(family).chains,
                hooks: [.init(builtinChain: "INPUT", ownedChain: FirewallFixtures.inputChain, index: 0)]))
            #expect(states[1] == FirewallTableState(
                chains: FirewallFixtures.manglePlan(family).chains,
                hooks: [.init(builtinChain: "FORWARD", ownedChain: FirewallFixtures.mssChain, index: 0),
                        .init(builtinChain: "OUTPUT", ownedChain: FirewallFixtures.mssChain, index: 0)]))
            let empty = try await ns.run { try firewall.observe(family: family, table: .filter, ownedChains: ["GATEWAYD-NONE"]) }
            #expect(empty == FirewallTableState())
        }
    }

    @Test("operator rules survive commit and remove; remove restores the tables", arguments: IPFamily.allCases)
    func operatorRulesSurvive(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            try ns.operatorRule(family, "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
            try ns.operatorRule(family, "-t", "mangle", "-A", "FORWARD", "-p", "udp", "--dport", "53", "-j", "ACCEPT")
            let before = try ns.saveAll(family)

            try await ns.run { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }
            try ns.operatorRule(family, "-A", "INPUT", "-p", "tcp", "--dport", "80", "-j", "ACCEPT")
            try ns.operatorRule(family, "-t", "mangle", "-A", "FORWARD", "-p", "udp", "--dport", "123", "-j", "ACCEPT")
            try await ns.run { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }

            let filter = try ns.save(family, .filter).filter { $0.hasPrefix("-A INPUT") }
            #expect(filter == [
                "-A INPUT -m comment --comment gatewayd -j GATEWAYD-INPUT",
                "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
                "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT",
            ])
            let mangle = try ns.save(family, .mangle).filter { $0.hasPrefix("-A FORWARD") }
            #expect(mangle == [
                "-A FORWARD -p udp -m udp --dport 53 -j ACCEPT",
                "-A FORWARD -p udp -m udp --dport 123 -j ACCEPT",
                "-A FORWARD -m comment --comment gatewayd -j GATEWAYD-MSS",
            ], "the last-position jump moves behind the operator's new rule")

            try await ns.run {
                for table in FirewallTable.allCases { try firewall.remove(family: family, table: table, ownedChains: Self.owned) }
            }
            try ns.operatorRule(family, "-D", "INPUT", "-p", "tcp", "--dport", "80", "-j", "ACCEPT")
            try ns.operatorRule(family, "-t", "mangle", "-D", "FORWARD", "-p", "udp", "--dport", "123", "-j", "ACCEPT")
            #expect(try ns.saveAll(family) == before)
        }
    }

    @Test("a foreign chain with an owned name fails closed", arguments: IPFamily.allCases)
    func foreignChain(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            try ns.operatorRule(family, "-N", FirewallFixtures.inputChain)
            try ns.operatorRule(family, "-A", FirewallFixtures.inputChain, "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
            try ns.operatorRule(family, "-t", "mangle", "-S")  // load the table so it shows in saves
            let before = try ns.saveAll(family)
            let expected = FirewallError.foreignChain(family: family, table: .filter, chain: FirewallFixtures.inputChain)

            await #expect(throws: expected) { try await ns.run { try firewall.commit(FirewallFixtures.filterPlan(family)) } }
            await #expect(throws: expected) {
                try await ns.run { try firewall.observe(family: family, table: .filter, ownedChains: Self.owned) }
            }
            await #expect(throws: expected) {
                try await ns.run { try firewall.remove(family: family, table: .filter, ownedChains: Self.owned) }
            }
            #expect(try ns.saveAll(family) == before)
        }
    }

    @Test("libiptc failures name the step", arguments: IPFamily.allCases)
    func failureNamesStep(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            // A hook into a chain the plan does not create: libiptc takes the name for a target
            // extension, which the kernel rejects at commit.
            let plan = FirewallTablePlan(
                family: family, table: .filter, chains: [:],
                hooks: [FirewallHook(builtinChain: "INPUT", ownedChain: "GATEWAYD-MISSING", position: .first)])
            let error = await #expect(throws: FirewallError.self) { try await ns.run { try firewall.commit(plan) } }
            guard case .libiptc(_, _, let step, _, _) = error else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(step == "committing")
        }
    }

    static func expectedFilter(_ family: IPFamily) -> [String] {
        let mesh = family == .ipv4 ? [] : [6696, 27275, 5523].map {
            "-A GATEWAYD-INPUT -s fe80::/64 -i babel-wg-+ -p udp -m udp --dport \($0) -m comment --comment gatewayd -j ACCEPT"
        }
        return [
            "*filter",
            ":INPUT ACCEPT [0:0]",
            ":FORWARD ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":GATEWAYD-INPUT - [0:0]",
            "-A INPUT -m comment --comment gatewayd -j GATEWAYD-INPUT",
        ] + mesh + [
            "-A GATEWAYD-INPUT -i eth0 -p tcp -m tcp --dport 40000 -m comment --comment gatewayd -j ACCEPT",
            "-A GATEWAYD-INPUT -i eth0 -p udp -m udp --dport 40000:40999 -m comment --comment gatewayd -j ACCEPT",
            "COMMIT",
        ]
    }

    static let expectedMangle = [
        "*mangle",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        ":GATEWAYD-MSS - [0:0]",
        "-A FORWARD -m comment --comment gatewayd -j GATEWAYD-MSS",
        "-A OUTPUT -m comment --comment gatewayd -j GATEWAYD-MSS",
        "-A GATEWAYD-MSS -o babel-wg-+ -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment gatewayd -j TCPMSS --clamp-mss-to-pmtu",
        "COMMIT",
    ]
}
