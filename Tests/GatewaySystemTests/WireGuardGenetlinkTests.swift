import CMnl
import Foundation
import GatewayCore
import Testing

@testable import GatewaySystem

/// The WireGuard genetlink encoders byte for byte against messages written out by hand
/// from <linux/genetlink.h> and <linux/wireguard.h>; the dump decoder on split dumps.
@Suite struct WireGuardGenetlinkTests {
    let hex = RoutingMessagesTests.hex
    let family: UInt16 = 0x1d
    let peer = PublicKey(bytes: [UInt8](repeating: 0xbb, count: 32))!

    @Test func familyLookupAsksTheControllerByName() {
        let expected = hex("""
            24000000 1000 0500 00000000 00000000
            03 01 0000
            0e00 0200 7769 7265 6775 6172 6400 0000
            """)
        #expect(WireGuardGenetlink.familyRequest().bytes == expected)
    }

    @Test func setDeviceReplacesPeersWithTheNodeAllowedEverything() {
        let key = PrivateKey(bytes: [UInt8](repeating: 0xaa, count: 32))!
        let aa = String(repeating: "aa", count: 32), bb = String(repeating: "bb", count: 32)
        let expected = hex("""
            b8000000 1d00 0500 00000000 00000000
            01 01 0000
            0f00 0200 6261 6265 6c2d 7767 2d31 00 00
            2400 0300 \(aa)
            0600 0600 409c 0000
            0800 0500 01000000
            6000 0880
              5c00 0080
                2400 0100 \(bb)
                0800 0300 02000000
                2c00 0980
                  2800 0080
                    0600 0100 0a00 0000
                    1400 0200 00000000 00000000 00000000 00000000
                    0500 0300 00 000000
            """)
        let message = WireGuardGenetlink.setDevice(family: family, name: "babel-wg-1", privateKey: key, listenPort: 40000, peer: peer)
        #expect(message.bytes == expected)
    }

    /// Distinct bytes everywhere, so a swapped key, a reversed port or a misplaced name
    /// terminator cannot pass: keys in order, the port in host order (as wg(8) sends it).
    @Test func setDeviceKeepsKeyBytesInOrderAndThePortInHostOrder() {
        let key = PrivateKey(bytes: (0x00...0x1f).map { UInt8($0) })!
        let node = PublicKey(bytes: (0x20...0x3f).map { UInt8($0) })!
        let privateHex = (0x00...0x1f).map { String(format: "%02x", $0) }.joined()
        let publicHex = (0x20...0x3f).map { String(format: "%02x", $0) }.joined()
        let expected = hex("""
            b8000000 1d00 0500 00000000 00000000
            01 01 0000
            1000 0200 6261 6265 6c2d 7767 2d34 3200
            2400 0300 \(privateHex)
            0600 0600 419c 0000
            0800 0500 01000000
            6000 0880
              5c00 0080
                2400 0100 \(publicHex)
                0800 0300 02000000
                2c00 0980
                  2800 0080
                    0600 0100 0a00 0000
                    1400 0200 00000000 00000000 00000000 00000000
                    0500 0300 00 000000
            """)
        let message = WireGuardGenetlink.setDevice(family: family, name: "babel-wg-42", privateKey: key, listenPort: 40001, peer: node)
        #expect(message.bytes == expected)
    }

    @Test func getDeviceIsADump() {
        let expected = hex("""
            24000000 1d00 0103 00000000 00000000
            00 01 0000
            0f00 0200 6261 6265 6c2d 7767 2d31 00 00
            """)
        #expect(WireGuardGenetlink.getDevice(family: family, name: "babel-wg-1").bytes == expected)
    }

    @Test func familyIDIsReadFromTheControllersAnswer() {
        var answer = NetlinkMessage(type: UInt16(GENL_ID_CTRL), flags: 0)
        answer.putExtraHeader(genlmsghdr(cmd: 1, version: 2, reserved: 0))
        answer.put(UInt16(CTRL_ATTR_FAMILY_NAME), string: "wireguard")
        answer.put(UInt16(CTRL_ATTR_FAMILY_ID), u16: 0x1d)
        #expect(WireGuardGenetlink.familyID(from: [ReceivedMessage(bytes: answer.bytes)]) == 0x1d)
    }

    /// The kernel splits a device with many peers over several messages; each peer is a
    /// nest of type 0, so a by-type parse would keep only the last.
    @Test func deviceDumpCoalescesPeersAcrossMessages() {
        let other = PublicKey(bytes: [UInt8](repeating: 0xcc, count: 32))!
        func message(port: UInt16?, peers: [(PublicKey, Int64)]) -> ReceivedMessage {
            var message = NetlinkMessage(type: family, flags: Int32(NLM_F_MULTI))
            message.putExtraHeader(genlmsghdr(cmd: 0, version: 1, reserved: 0))
            message.put(UInt16(WGDEVICE_A_IFNAME.rawValue), string: "babel-wg-1")
            if let port { message.put(UInt16(WGDEVICE_A_LISTEN_PORT.rawValue), u16: port) }
            message.nest(UInt16(WGDEVICE_A_PEERS.rawValue)) { list in
                for (key, seconds) in peers {
                    list.nest(0) { entry in
                        entry.put(UInt16(WGPEER_A_PUBLIC_KEY.rawValue), bytes: key.bytes)
                        let time = withUnsafeBytes(of: seconds.littleEndian, Array.init) + [UInt8](repeating: 0, count: 8)
                        entry.put(UInt16(WGPEER_A_LAST_HANDSHAKE_TIME.rawValue), bytes: time)
                    }
                }
            }
            return ReceivedMessage(bytes: message.bytes)
        }
        let device = WireGuardGenetlink.device(name: "babel-wg-1", from: [
            message(port: 40000, peers: [(peer, 0)]),
            message(port: nil, peers: [(other, 1_700_000_000)]),
        ])
        #expect(device == ObservedPeerInterface(name: "babel-wg-1", listenPort: 40000, peers: [peer, other],
                                                latestHandshake: Date(timeIntervalSince1970: 1_700_000_000)))
    }
}
