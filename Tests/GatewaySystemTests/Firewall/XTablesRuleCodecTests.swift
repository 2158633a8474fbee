import CGatewayShims
import GatewayCore
@testable import GatewaySystem
import Testing

/// Every rule shape gatewayd writes (DESIGN.md section 3 plus the jump hooks).
let ruleShapes: [FirewallRule] = [
    FirewallRule(inInterface: "babel-wg-+", source: IPv6Prefix("fe80::/64"), transport: .udp,
                 destinationPorts: 6696...6696, target: .accept),
    FirewallRule(inInterface: "eth0", transport: .udp, destinationPorts: 5523...5523, target: .accept),
    FirewallRule(inInterface: "eth0", transport: .tcp, destinationPorts: 40000...40000, target: .accept),
    FirewallRule(inInterface: "eth0", transport: .udp, destinationPorts: 40000...40999, target: .accept),
    FirewallRule(outInterface: "babel-wg-+", transport: .tcp, tcpFlags: .synWithoutRst, target: .clampMSSToPMTU),
    FirewallRule(inInterface: "mesh0", transport: .tcp, target: .drop),
    FirewallRule(target: .jump("GATEWAYD-INPUT")),
    FirewallRule(inInterface: "lo", outInterface: "babel-wg-12", target: .drop),
]

@Suite("xtables rule codec")
struct XTablesRuleCodecTests {
    @Test("encode → decode round-trips", arguments: IPFamily.allCases, ruleShapes)
    func roundTrip(family: IPFamily, rule: FirewallRule) throws {
        if family == .ipv4, rule.source != nil { return }  // covered by ipv4SourceIsRefused
        let entry = try #require(XTablesRuleCodec.encode(rule, family: family))
        let decoded = entry.withUnsafeBytes {
            XTablesRuleCodec.decode($0.baseAddress!, family: family, resolvedTarget: nil)
        }
        #expect(decoded == .init(tagged: true, rule: rule))
    }

    @Test func ipv4SourceIsRefused() {
        let rule = FirewallRule(source: IPv6Prefix("fe80::/64"), target: .accept)
        #expect(XTablesRuleCodec.encode(rule, family: .ipv4) == nil)
    }

    @Test func tcpmssWithoutSynMatchIsRefused() {
        #expect(XTablesRuleCodec.encode(FirewallRule(transport: .tcp, target: .clampMSSToPMTU), family: .ipv6) == nil)
    }

    @Test func overlongNamesAreRefused() {
        #expect(XTablesRuleCodec.encode(FirewallRule(inInterface: "sixteen-chars-xx", target: .accept), family: .ipv6) == nil)
        #expect(XTablesRuleCodec.encode(FirewallRule(target: .jump(String(repeating: "C", count: 29))), family: .ipv4) == nil)
    }

    /// ip6t_entry 168 + udp match (32 + 16) + comment match (32 + 256) + standard target 40.
    @Test("entry sizes and offsets", arguments: [(IPFamily.ipv6, 168), (.ipv4, 112)])
    func sizes(family: IPFamily, header: Int) throws {
        #expect(gw_xt_entry_header_size(family.shimFamily) == header)
        let udp = try #require(XTablesRuleCodec.encode(ruleShapes[1], family: family))
        try expectOffsets(udp, family: family, target: header + 48 + 288, next: header + 48 + 288 + 40)
        let jump = try #require(XTablesRuleCodec.encode(ruleShapes[6], family: family))
        try expectOffsets(jump, family: family, target: header + 288, next: header + 288 + 40)
        // TCPMSS: tcp match (32 + 16), comment, xt_tcpmss_info target XT_ALIGN(32 + 2) = 40.
        let mss = try #require(XTablesRuleCodec.encode(ruleShapes[4], family: family))
        try expectOffsets(mss, family: family, target: header + 48 + 288, next: header + 48 + 288 + 40)
        #expect(mss[header + 48 + 288 + 32] == 0xff && mss[header + 48 + 288 + 33] == 0xff, "mss = 0xffff (clamp to PMTU)")
    }

    @Test("interface masks as iptables sets them", arguments: IPFamily.allCases)
    func ifaceMasks(family: IPFamily) throws {
        let entry = try #require(XTablesRuleCodec.encode(
            FirewallRule(inInterface: "babel-wg-+", outInterface: "eth0", target: .accept), family: family))
        var inMask = [UInt8](repeating: 0, count: 16)
        var outMask = [UInt8](repeating: 0, count: 16)
        entry.withUnsafeBytes { gw_xt_iface_masks(family.shimFamily, $0.baseAddress, &inMask, &outMask) }
        // '+' wildcard: only "babel-wg-" (9 chars); exact name: the 4 chars and the NUL.
        #expect(inMask == [UInt8](repeating: 0xff, count: 9) + [UInt8](repeating: 0, count: 7))
        #expect(outMask == [UInt8](repeating: 0xff, count: 5) + [UInt8](repeating: 0, count: 11))
    }

    @Test func ipv6ProtoFlagIsSet() throws {
        let entry = try #require(XTablesRuleCodec.encode(ruleShapes[1], family: .ipv6))
        // ip6t_ip6: src, dst, smsk, dmsk (64) + 4 × IFNAMSIZ (64) → proto u16 at 128, tos 130, flags 131.
        #expect(entry[128] == 17 && entry[129] == 0)
        #expect(entry[131] == 0x01, "IP6T_F_PROTO")
    }

    @Test func foreignEntriesAreFlagged() throws {
        var entry = try #require(XTablesRuleCodec.encode(ruleShapes[1], family: .ipv6))
        entry[132] = 0x08  // ip6t_ip6.invflags: IP6T_INV_VIA_IN (`! -i`)
        let inverted = entry.withUnsafeBytes { XTablesRuleCodec.decode($0.baseAddress!, family: .ipv6, resolvedTarget: nil) }
        #expect(inverted == .init(tagged: true, rule: nil))

        var unknown = try #require(XTablesRuleCodec.encode(ruleShapes[1], family: .ipv4))
        unknown[112 + 2] = UInt8(ascii: "x")  // the udp match renamed "xdp"
        let renamed = unknown.withUnsafeBytes { XTablesRuleCodec.decode($0.baseAddress!, family: .ipv4, resolvedTarget: nil) }
        #expect(renamed.rule == nil)

        let accept = try #require(XTablesRuleCodec.encode(ruleShapes[0], family: .ipv6))
        let returning = accept.withUnsafeBytes { XTablesRuleCodec.decode($0.baseAddress!, family: .ipv6, resolvedTarget: "RETURN") }
        #expect(returning.rule == nil)
    }

    @Test func resolvedJumpNameWins() throws {
        let entry = try #require(XTablesRuleCodec.encode(ruleShapes[6], family: .ipv6))
        let decoded = entry.withUnsafeBytes {
            XTablesRuleCodec.decode($0.baseAddress!, family: .ipv6, resolvedTarget: "GATEWAYD-INPUT")
        }
        #expect(decoded.rule?.target == .jump("GATEWAYD-INPUT"))
    }

    private func expectOffsets(_ entry: [UInt8], family: IPFamily, target: Int, next: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (targetOffset, nextOffset) = entry.withUnsafeBytes {
            (gw_xt_target_offset(family.shimFamily, $0.baseAddress), gw_xt_next_offset(family.shimFamily, $0.baseAddress))
        }
        #expect(Int(targetOffset) == target, sourceLocation: sourceLocation)
        #expect(Int(nextOffset) == next, sourceLocation: sourceLocation)
        #expect(entry.count == next, sourceLocation: sourceLocation)
    }
}
