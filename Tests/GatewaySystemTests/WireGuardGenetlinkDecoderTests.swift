import Foundation
import GatewayCore
import Testing

@testable import GatewaySystem

/// The WireGuard genetlink decoders on answers written out by hand as the kernel sends them
/// (drivers/net/wireguard/netlink.c: nested attributes flagged NLA_F_NESTED, u64 counters,
/// the endpoint as a raw sockaddr_in6/sockaddr_in, the handshake as a __kernel_timespec).
@Suite struct WireGuardGenetlinkDecoderTests {
    let hex = RoutingMessagesTests.hex
    let key = (0x20...0x3f).map { UInt8($0) }

    /// One WG_CMD_GET_DEVICE answer: babel-wg-7, port 40001, one peer from [2001:db8:ff::2]:50000.
    var deviceAnswer: [UInt8] {
        hex("""
            a4000000 1d00 0200 00000000 00000000
            00 01 0000
            0f00 0200 6261 6265 6c2d 7767 2d37 00 00
            0600 0600 419c 0000
            7800 0880
              7400 0080
                2400 0100 \(key.map { String(format: "%02x", $0) }.joined())
                2000 0400 0a00 c350 00000000 20010db8 00ff0000 00000000 00000002 00000000
                1400 0600 7bf15365 00000000 0065cd1d 00000000
                0c00 0700 0807060504030201
                0c00 0800 1122334455667788
            """)
    }

    @Test func aDeviceAnswerYieldsPortPeerHandshakeEndpointAndCounters() {
        let device = WireGuardGenetlink.device(name: "babel-wg-7", from: [ReceivedMessage(bytes: deviceAnswer)])
        #expect(device == ObservedPeerInterface(
            name: "babel-wg-7", listenPort: 40001, peers: [PublicKey(bytes: key)!],
            latestHandshake: Date(timeIntervalSince1970: 1_700_000_123), endpoint: "[2001:db8:ff::2]:50000",
            rxBytes: 0x0102_0304_0506_0708, txBytes: 0x8877_6655_4433_2211))
    }

    @Test func aPeerThatNeverHandshookHasNoHandshakeDate() {
        var bytes = deviceAnswer
        // Zero the handshake's seconds (the kernel sends 0 for "never").
        let at = bytes.count - 24 - 16
        #expect(Array(bytes[at..<(at + 4)]) == [0x7b, 0xf1, 0x53, 0x65])
        bytes.replaceSubrange(at..<(at + 4), with: [0, 0, 0, 0])
        #expect(WireGuardGenetlink.device(name: "babel-wg-7", from: [ReceivedMessage(bytes: bytes)]).latestHandshake == nil)
    }

    @Test func endpointsOfBothFamiliesAndGarbage() {
        #expect(WireGuardGenetlink.endpoint(from: hex("0200 1f90 c0000201 00000000 00000000")) == "192.0.2.1:8080")
        #expect(WireGuardGenetlink.endpoint(from: hex("0a00 0050 00000000 fe800000 00000000 00000000 00000001 00000000"))
                    == "[fe80::1]:80")
        #expect(WireGuardGenetlink.endpoint(from: hex("0a00 0050 00000000")) == nil, "truncated sockaddr_in6")
        #expect(WireGuardGenetlink.endpoint(from: hex("1100 0050 00000000")) == nil, "AF_PACKET")
        #expect(WireGuardGenetlink.endpoint(from: []) == nil)
    }

    /// CTRL_CMD_NEWFAMILY as the controller answers: name, id, version; an ack before it.
    @Test func theFamilyIDComesFromTheControllersNewFamilyAnswer() {
        let answer = hex("""
            34000000 1000 0000 00000000 00000000
            01 02 0000
            0e00 0200 7769 7265 6775 6172 6400 0000
            0600 0100 2300 0000
            0800 0300 01000000
            """)
        let ack = hex("24000000 0200 0001 00000000 00000000 00000000 24000000 1000 0500 00000000 00000000")
        #expect(WireGuardGenetlink.familyID(from: [ReceivedMessage(bytes: ack), ReceivedMessage(bytes: answer)]) == 0x23)
        #expect(WireGuardGenetlink.familyID(from: [ReceivedMessage(bytes: ack)]) == nil)
    }
}
