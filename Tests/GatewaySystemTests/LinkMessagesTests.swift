import GatewayCore
import Testing

@testable import GatewaySystem

/// The per-peer link encoders, byte for byte against messages written out by hand from
/// <linux/rtnetlink.h>, <linux/if_link.h> and <linux/if_addr.h>.
@Suite struct LinkMessagesTests {
    let hex = RoutingMessagesTests.hex

    @Test func createWireGuardLinkNamesKindAndMTUInANestedLinkInfo() {
        let expected = hex("""
            4c000000 1000 0506 00000000 00000000
            00 00 0000 00000000 00000000 00000000
            0f00 0300 6261 6265 6c2d 7767 2d31 00 00
            0800 0400 5e050000
            1400 1280 0e00 0100 7769 7265 6775 6172 6400 0000
            """)
        #expect(LinkMessages.create(name: "babel-wg-1", kind: "wireguard", mtu: 1374).bytes == expected)
    }

    @Test func configureSetsUpAndMulticastByNameWithTheMTU() {
        let expected = hex("""
            38000000 1000 0500 00000000 00000000
            00 00 0000 00000000 01100000 01100000
            0f00 0300 6261 6265 6c2d 7767 2d31 00 00
            0800 0400 5e050000
            """)
        #expect(LinkMessages.configure(name: "babel-wg-1", mtu: 1374, up: true).bytes == expected)
    }

    @Test func configureDownClearsOnlyUp() {
        let bytes = LinkMessages.configure(name: "babel-wg-1", mtu: 1374, up: false).bytes
        #expect(Array(bytes[24..<32]) == hex("00100000 01100000"))
    }

    @Test func addLinkLocalAddressWithoutDuplicateDetection() {
        let expected = hex("""
            40000000 1400 0506 00000000 00000000
            0a 40 02 fd 07000000
            1400 0200 fe800000 00000000 00000000 00000010
            1400 0100 fe800000 00000000 00000000 00000010
            """)
        let spec = PeerInterfaceSpec(number: 10, listenPort: 40000, mtu: 1374, peer: PublicKey(bytes: .init(repeating: 1, count: 32))!)
        #expect(LinkMessages.addAddress(spec.linkLocalAddress, prefixLength: 64, interfaceIndex: 7).bytes == expected)
    }

    @Test func deleteAddressesTheLinkByName() {
        let expected = hex("""
            30000000 1100 0500 00000000 00000000
            00 00 0000 00000000 00000000 00000000
            0f00 0300 6261 6265 6c2d 7767 2d31 00 00
            """)
        #expect(LinkMessages.delete(name: "babel-wg-1").bytes == expected)
    }

    @Test func linkDumpDecoderReadsTheKind() {
        let bytes = LinkMessages.create(name: "babel-wg-1", kind: "wireguard", mtu: 1374).bytes
        let decoded = LinkMessages.nameAndKind(from: ReceivedMessage(bytes: bytes))
        #expect(decoded?.name == "babel-wg-1" && decoded?.kind == "wireguard")
        let plain = LinkMessages.delete(name: "eth0").bytes
        #expect(LinkMessages.nameAndKind(from: ReceivedMessage(bytes: plain))?.kind == nil)
    }
}
