import GatewayCore
import Testing

@Suite struct HostPlanTests {
    let config = ExampleConfig.wgDocker

    @Test func rulesAreTheSeedsIprulesWithAnExplicitPriority() {
        let plan = HostPlan(config: config, links: LinkSet(present: []))
        #expect(plan.rules.map(\.description) == [
            "to 2a06:8187:fbab:1::/64 lookup 10 pref 10",
            "from 2a06:8187:fbab:1::/64 lookup 10 pref 10",
            "to 2a06:8187:fbab:2::/64 lookup 10 pref 10",
            "from 2a06:8187:fbab:2::/64 lookup 10 pref 10",
        ])
    }

    @Test func clatAndPlatPrefixesGetRulesToo() {
        var config = config
        config.clatPrefix = IPv6Prefix("2a06:8187:fbab:3::/96")
        config.platPrefix = IPv6Prefix("2a06:8187:fbab:4::/96")
        let prefixes = HostPlan(config: config, links: LinkSet(present: [])).rules.map(\.prefix.description)
        #expect(Set(prefixes) == ["2a06:8187:fbab:1::/64", "2a06:8187:fbab:2::/64",
                                  "2a06:8187:fbab:3::/96", "2a06:8187:fbab:4::/96"])
    }

    @Test func forwardingIsTheLastSysctlAndPresentMeshInterfacesGetRpFilterOff() {
        let plan = HostPlan(config: config, links: LinkSet(present: ["mesh0", "babel-wg-1", "eth0"]))
        #expect(plan.sysctls.map(\.description) == [
            "net.ipv4.ip_local_reserved_ports=40000-40999",
            "net.ipv4.conf.mesh0.rp_filter=0",
            "net.ipv4.conf.babel-wg-1.rp_filter=0",
            "net.ipv6.conf.all.accept_redirects=0",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.all.forwarding=1",
            "net.ipv6.conf.all.forwarding=1",
        ])
    }

    @Test func responddRouteExistsOnlyOnceMmfdsTunIsThere() {
        #expect(HostPlan(config: config, links: LinkSet(present: [])).routes.isEmpty)
        #expect(HostPlan(config: config, links: LinkSet(present: ["mmfd0"])).routes.map(\.description) == [
            "ff05::2:1001/128 dev mmfd0 table local",
        ])
    }

    @Test func filterChainAcceptsMeshDaemonsOnMeshInterfacesAndBrokerOnWan() throws {
        let plan = HostPlan(config: config, links: LinkSet(present: []))
        let v6 = try #require(plan.firewall.first { $0.family == .ipv6 && $0.table == .filter })
        let rules = try #require(v6.chains[FirewallPlanner.inputChain])
        // 5 rules per mesh interface pattern (babel-wg-+ and mesh0), then 2 on WAN.
        #expect(rules.count == 12)
        #expect(rules.first == FirewallRule(inInterface: "babel-wg-+", source: IPv6Prefix("fe80::/64"), transport: .udp,
                                            destinationPorts: 6696...6696, target: .accept))
        #expect(rules.suffix(2) == [
            FirewallRule(inInterface: "eth0", transport: .tcp, destinationPorts: 40000...40000, target: .accept),
            FirewallRule(inInterface: "eth0", transport: .udp, destinationPorts: 40000...40999, target: .accept),
        ])
        #expect(v6.hooks == [FirewallHook(builtinChain: "INPUT", ownedChain: FirewallPlanner.inputChain, position: .first)])
        let v4 = try #require(plan.firewall.first { $0.family == .ipv4 && $0.table == .filter })
        #expect(v4.chains[FirewallPlanner.inputChain] == Array(rules.suffix(2)))
    }

    @Test func mangleChainClampsMssOnEveryMeshInterfaceInBothFamilies() {
        let plan = HostPlan(config: config, links: LinkSet(present: []))
        let mangle = plan.firewall.filter { $0.table == .mangle }
        #expect(mangle.map(\.family) == [.ipv6, .ipv4])
        for table in mangle {
            #expect(table.chains[FirewallPlanner.mssChain]?.map(\.outInterface) == ["babel-wg-+", "mesh0"])
            #expect(table.chains[FirewallPlanner.mssChain]?.allSatisfy {
                $0.transport == .tcp && $0.tcpFlags == .synWithoutRst && $0.target == .clampMSSToPMTU
            } == true)
            #expect(table.hooks.map(\.builtinChain) == ["FORWARD", "OUTPUT"])
        }
    }

    @Test func withoutWanTheBrokerIsAcceptedOnAnyInterface() {
        var config = config
        config.wan = nil
        let v4 = HostPlan(config: config, links: LinkSet(present: [])).firewall.first { $0.family == .ipv4 && $0.table == .filter }
        #expect(v4?.chains[FirewallPlanner.inputChain]?.allSatisfy { $0.inInterface == nil } == true)
    }
}
