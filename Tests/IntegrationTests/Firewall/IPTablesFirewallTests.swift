import Foundation
import GatewayCore
import GatewaySystem
import Testing

@Suite("IPTablesFirewall on a real kernel", .enabled(if: getuid() == 0, "needs root for network namespaces"))
struct IPTablesFirewallTests {
    let firewall = IPTablesFirewall()

    @Test("explore", arguments: IPFamily.allCases)
    func explore(family: IPFamily) async throws {
        try await NetworkNamespace.with { ns in
            let firewall = self.firewall
            try await ns.run { for plan in FirewallFixtures.plans(family) { try firewall.commit(plan) } }
            print(try ns.saveAll(family).joined(separator: "\n"))
        }
    }
}
