import Foundation
import Testing

/// `gatewayd apply | plan | teardown` against a real kernel, each test in a fresh
/// network namespace with veth links standing in for WAN (wan0) and a mesh link (mesh0).
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
final class ApplyIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }

    init() throws {
        gateway = try GatewayNamespace("gwtest-apply")
    }

    func gatewayd(_ subcommand: String) throws -> Command.Output { try gateway.gatewayd(subcommand) }
    func snapshot() throws -> String { try gateway.snapshot() }
    func addOperatorState() throws { try gateway.addOperatorState() }
    func writeEnvFile(extra: String) throws { try gateway.writeEnvFile(extra: extra) }

    @Test func applyProducesExactlyTheSeedsRulesAndPlanThenShowsNothing() throws {
        let apply = try gatewayd("apply")
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try namespace.exec(["ip", "-6", "rule"]).split(separator: "\n").map(String.init) == [
            "0:\tfrom all lookup local",
            "10:\tfrom all to 2001:db8:0:1::/64 lookup 10 proto 215",
            "10:\tfrom 2001:db8:0:1::/64 lookup 10 proto 215",
            "10:\tfrom all to 2001:db8:0:2::/64 lookup 10 proto 215",
            "10:\tfrom 2001:db8:0:2::/64 lookup 10 proto 215",
            "32766:\tfrom all lookup main",
        ])
        #expect(try namespace.exec(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]) == "1\n")
        #expect(try namespace.exec(["cat", "/proc/sys/net/ipv4/ip_local_reserved_ports"]) == "40000-40999\n", "the peer ports are no ephemeral ports")
        #expect(try namespace.exec(["cat", "/proc/sys/net/ipv4/conf/mesh0/rp_filter"]) == "0\n")
        let plan = try gatewayd("plan")
        #expect(plan.stdout == "No changes: the host matches the plan.\n")
        #expect(try gatewayd("apply").stdout.contains("Applied 0 change(s)"))
    }

    @Test func firewallHoldsTheSeedsAcceptsAndMssClampInOwnedChains() throws {
        #expect(try gatewayd("apply").status == 0)
        let v6 = try namespace.exec(["ip6tables-legacy-save"]).split(separator: "\n").map(String.init)
        let tagged = #"-m comment --comment gatewayd"#
        #expect(v6.contains("-A INPUT \(tagged) -j GATEWAYD-INPUT"))
        #expect(v6.contains("-A GATEWAYD-INPUT -s fe80::/64 -i babel-wg-+ -p udp -m udp --dport 6696 \(tagged) -j ACCEPT"))
        #expect(v6.contains("-A GATEWAYD-INPUT -s 2001:db8:0:1::/64 -i mesh0 -p udp -m udp --dport 27275 \(tagged) -j ACCEPT"))
        #expect(v6.contains("-A GATEWAYD-INPUT -i mesh0 -p udp -m udp --dport 5523 \(tagged) -j ACCEPT"))
        #expect(v6.contains("-A GATEWAYD-INPUT -i wan0 -p udp -m udp --dport 40000:40999 \(tagged) -j ACCEPT"))
        #expect(v6.contains("-A FORWARD \(tagged) -j GATEWAYD-MSS"))
        #expect(v6.contains("-A OUTPUT \(tagged) -j GATEWAYD-MSS"))
        #expect(v6.contains(
            "-A GATEWAYD-MSS -o babel-wg-+ -p tcp -m tcp --tcp-flags SYN,RST SYN \(tagged) -j TCPMSS --clamp-mss-to-pmtu"))
        let v4 = try namespace.exec(["iptables-legacy-save"]).split(separator: "\n").map(String.init)
        #expect(v4.contains("-A GATEWAYD-INPUT -i wan0 -p tcp -m tcp --dport 40000 \(tagged) -j ACCEPT"))
        #expect(v4.contains(
            "-A GATEWAYD-MSS -o mesh0 -p tcp -m tcp --tcp-flags SYN,RST SYN \(tagged) -j TCPMSS --clamp-mss-to-pmtu"))
    }

    @Test func teardownRestoresTheNamespaceAndOperatorStateSurvives() throws {
        try addOperatorState()
        let before = try snapshot()
        #expect(try gatewayd("apply").status == 0)
        #expect(try gatewayd("apply").status == 0)
        #expect(try snapshot().contains("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"))
        let teardown = try gatewayd("teardown")
        #expect(teardown.status == 0, "\(teardown.stderr)")
        let after = try snapshot()
        #expect(after == before, "\(lineDifference(before, after))")
    }

    @Test func responddRouteFollowsMmfdsTun() throws {
        try namespace.exec(["ip", "tuntap", "add", "mmfd0", "mode", "tun"])
        try namespace.exec(["ip", "link", "set", "mmfd0", "up"])
        #expect(try gatewayd("apply").status == 0)
        #expect(try namespace.exec(["ip", "-6", "route", "show", "table", "local", "proto", "215"]).split(separator: "\n").map(String.init)
            == ["ff05::2:1001 dev mmfd0 metric 1024 linkdown pref medium"], "a tun nobody opened has no carrier")
        try namespace.exec(["ip", "link", "del", "mmfd0"])
        #expect(try gatewayd("plan").stdout.contains("No changes"), "the route left with its device")
    }

    @Test func aForeignChainWithGatewaydsNameFailsClosed() throws {
        try addOperatorState()
        try namespace.exec(["ip6tables-legacy", "-N", "GATEWAYD-INPUT"])
        try namespace.exec(["ip6tables-legacy", "-A", "GATEWAYD-INPUT", "-j", "DROP"])
        let before = try snapshot()
        let apply = try gatewayd("apply")
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("chain GATEWAYD-INPUT exists and holds rules gatewayd did not write"))
        #expect(try snapshot() == before, "nothing of gatewayd's is left, forwarding stays off")
    }

    @Test func anInvalidEnvFileChangesNothingAndExits78() throws {
        try addOperatorState()
        try writeEnvFile(extra: "CLIENTPREFIX=2001:db8:0:2::/129\nMTU=100")
        let before = try snapshot()
        let apply = try gatewayd("apply")
        #expect(apply.status == 78)
        #expect(apply.stderr.contains("CLIENTPREFIX"))
        #expect(apply.stderr.contains("MTU"))
        let after = try snapshot()
        #expect(after == before, "\(lineDifference(before, after))")
    }
}
