import GatewayCore
import Testing

@testable import GatewaySystem

/// The rtnetlink encoders, byte for byte against messages written out by hand from
/// <linux/fib_rules.h> and <linux/rtnetlink.h>, and the decoders on the same bytes.
@Suite struct RoutingMessagesTests {
    static let nodePrefix = IPv6Prefix("2001:db8:1::/64")!

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter(\.isHexDigit)
        return stride(from: 0, to: digits.count, by: 2).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return UInt8(digits[start...digits.index(after: start)], radix: 16)!
        }
    }

    @Test func addRuleToPrefixEncodesAsIprouteWould() {
        let rule = PolicyRule(selector: .to, prefix: Self.nodePrefix, table: 10, priority: 10)
        let expected = Self.hex("""
            48000000 2000 0506 00000000 00000000
            0a 40 00 00 0a 00 00 01 00000000
            1400 0100 20010db8 00010000 00000000 00000000
            0800 0600 0a000000
            0800 0f00 0a000000
            0500 1500 d7 000000
            """)
        #expect(RoutingMessages.rule(rule, adding: true).bytes == expected)
    }

    @Test func deleteRuleFromPrefixUsesSourceAttributeWithoutCreateFlags() {
        let rule = PolicyRule(selector: .from, prefix: Self.nodePrefix, table: 10, priority: 10)
        let expected = Self.hex("""
            48000000 2100 0500 00000000 00000000
            0a 00 40 00 0a 00 00 01 00000000
            1400 0200 20010db8 00010000 00000000 00000000
            0800 0600 0a000000
            0800 0f00 0a000000
            0500 1500 d7 000000
            """)
        #expect(RoutingMessages.rule(rule, adding: false).bytes == expected)
    }

    @Test func ruleDecoderReadsBackWhatTheEncoderWrote() {
        for selector in [PolicyRule.Selector.to, .from] {
            let rule = PolicyRule(selector: selector, prefix: Self.nodePrefix, table: 10, priority: 42)
            let decoded = RoutingMessages.ownedRule(from: ReceivedMessage(bytes: RoutingMessages.rule(rule, adding: true).bytes))
            #expect(decoded == rule)
        }
    }

    @Test func ruleDecoderIgnoresRulesOfOtherProtocols() {
        var bytes = RoutingMessages.rule(
            PolicyRule(selector: .to, prefix: Self.nodePrefix, table: 10, priority: 10), adding: true).bytes
        bytes[bytes.count - 4] = 4  // RTPROT_STATIC: an operator's rule
        #expect(RoutingMessages.ownedRule(from: ReceivedMessage(bytes: bytes)) == nil)
    }

    @Test func routeInLocalTableEncodesDeviceAndTable() {
        let route = RouteSpec(destination: RoutingConstants.responddGroup, device: "mmfd0", table: 255)
        let expected = Self.hex("""
            40000000 1800 0506 00000000 00000000
            0a 80 00 00 ff d7 00 01 00000000
            1400 0100 ff050000 00000000 00000000 00021001
            0800 0400 07000000
            0800 0f00 ff000000
            """)
        #expect(RoutingMessages.route(route, interfaceIndex: 7, adding: true).bytes == expected)
    }

    @Test func routeDecoderResolvesTheDeviceAndSourcePrefix() {
        let route = RouteSpec(destination: IPv6Prefix("2000::/3")!, source: IPv6Prefix("2001:db8::/48")!,
                              device: "mesh0", table: 12)
        let bytes = RoutingMessages.route(route, interfaceIndex: 3, adding: true).bytes
        #expect(RoutingMessages.ownedRoute(from: ReceivedMessage(bytes: bytes)) { $0 == 3 ? "mesh0" : nil } == route)
        #expect(RoutingMessages.ownedRoute(from: ReceivedMessage(bytes: bytes)) { _ in nil } == nil)
    }

    @Test func attributeParserStopsAtTruncatedAttributes() {
        let attributes = NetlinkAttributes(Self.hex("0800 0600 0a000000 0c00 0700 0102"))
        #expect(attributes.u32(6) == 10)
        #expect(attributes[7] == nil)
    }
}
