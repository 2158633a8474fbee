import GatewayCore
import Testing

@testable import GatewaySystem

/// Which kernel notifications wake the reconciler, and for how much of a look, on
/// messages laid out as <linux/rtnetlink.h> has them.
@Suite struct KernelChangeTests {
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8 & 0xff)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value & 0xffff) + le16(value >> 16) }

    /// nlmsghdr, a zeroed ifinfomsg and IFLA_IFNAME.
    static func link(_ name: String, type: Int = 16) -> [UInt8] {
        let attribute = Array(name.utf8) + [0]
        let attributeLength = 4 + attribute.count
        let padding = [UInt8](repeating: 0, count: NetlinkAttributes.align(attributeLength) - attributeLength)
        let total = 16 + 16 + attributeLength + padding.count
        return le32(total) + le16(type) + le16(0) + le32(1) + le32(0) + [UInt8](repeating: 0, count: 16)
            + le16(attributeLength) + le16(3) + attribute + padding
    }

    /// A route through interface 3 as gatewayd adds it, with its protocol byte set to `protocol`.
    static func route(protocol: UInt8) -> [UInt8] {
        let spec = RouteSpec(destination: IPv6Prefix("2001:db8:7::/64")!, device: "mesh0", table: 10)
        var bytes = RoutingMessages.route(spec, interfaceIndex: 3, adding: true).bytes
        bytes[16 + 5] = `protocol`  // rtmsg.rtm_protocol
        return bytes
    }

    static func change(_ bytes: [UInt8]) -> KernelChange? { KernelChange.of(ReceivedMessage(bytes: bytes)) }

    @Test func aPeerInterfaceAsksForALookAtItAlone() {
        #expect(Self.change(Self.link("babel-wg-7")) == .peerLink("babel-wg-7"))
        #expect(Self.change(Self.link("babel-wg-7", type: 17)) == .peerLink("babel-wg-7"), "RTM_DELLINK")
    }

    @Test func anyOtherInterfaceAsksForAWholeLookAndNamesItsIndex() {
        #expect(Self.change(Self.link("mesh0")) == .link("mesh0", index: 0))
        #expect(Self.change(Self.link("mmfd0")) == .link("mmfd0", index: 0))
        #expect(Self.change(Self.link("babel-w")) == .link("babel-w", index: 0))
        #expect(Self.change(Self.link("mesh0", type: 17)) == .link("mesh0", index: nil), "RTM_DELLINK: gone")
    }

    @Test func onlyGatewaydsOwnRoutesMatter() {
        #expect(Self.change(Self.route(protocol: RoutingConstants.ownerProtocol)) == .everything)
        #expect(Self.change(Self.route(protocol: 42)) == nil, "babeld's routes come and go all the time")
        #expect(Self.change(Self.route(protocol: 2)) == nil, "the kernel's, with every new interface")
    }

    @Test func rulesAndTheUnknownAskForAWholeLook() {
        let rule = PolicyRule(selector: .to, prefix: IPv6Prefix("2001:db8:1::/64")!, table: 10, priority: 10)
        #expect(Self.change(RoutingMessages.rule(rule, adding: true).bytes) == .everything)
        #expect(Self.change(Array(Self.link("x").prefix(20))) == .everything, "a link message too short to name its interface")
    }

    @Test func aDatagramSplitsIntoItsMessagesAndDropsATruncatedTail() {
        let first = Self.link("babel-wg-1"), second = Self.route(protocol: 42)
        let datagram = first + second + Array(Self.link("mesh0").prefix(10))
        let messages = datagram.withUnsafeBytes { ReceivedMessage.split($0) }
        #expect(messages.map(\.bytes) == [first, second])
        #expect([UInt8]().withUnsafeBytes { ReceivedMessage.split($0) }.isEmpty)
    }
}
