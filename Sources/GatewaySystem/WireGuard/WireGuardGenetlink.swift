import CMnl
import Foundation
import GatewayCore
import Glibc

/// Encoders and decoders of the WireGuard generic-netlink family (<linux/wireguard.h>),
/// pure like the rtnetlink ones: resolving the family id, WG_CMD_SET_DEVICE for one
/// per-peer interface, and the WG_CMD_GET_DEVICE dump whose peers may span messages.
enum WireGuardGenetlink {
    static let familyName = WG_GENL_NAME
    static let version = UInt8(WG_GENL_VERSION)

    /// CTRL_CMD_GETFAMILY for "wireguard" on the genetlink controller.
    static func familyRequest() -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(GENL_ID_CTRL), flags: RoutingMessages.requestFlags)
        message.putExtraHeader(genlmsghdr(cmd: UInt8(CTRL_CMD_GETFAMILY), version: 1, reserved: 0))
        message.put(UInt16(CTRL_ATTR_FAMILY_NAME), string: familyName)
        return message
    }

    static func familyID(from messages: [ReceivedMessage]) -> UInt16? {
        for message in messages where message.type == UInt16(GENL_ID_CTRL) {
            let attributes = message.attributes(familyHeaderLength: MemoryLayout<genlmsghdr>.size)
            if let id = attributes[Int(CTRL_ATTR_FAMILY_ID)], id.count >= 2 { return UInt16(id[0]) | UInt16(id[1]) << 8 }
        }
        return nil
    }

    /// `wg set NAME private-key K listen-port P peer NODE allowed-ips ::/0`, replacing any
    /// other peer and allowed IP, so a retried configuration converges.
    static func setDevice(family: UInt16, name: String, privateKey: PrivateKey, listenPort: UInt16,
                          peer: PublicKey) -> NetlinkMessage {
        var message = NetlinkMessage(type: family, flags: RoutingMessages.requestFlags)
        message.putExtraHeader(genlmsghdr(cmd: UInt8(WG_CMD_SET_DEVICE.rawValue), version: version, reserved: 0))
        message.put(UInt16(WGDEVICE_A_IFNAME.rawValue), string: name)
        privateKey.withBytes { message.put(UInt16(WGDEVICE_A_PRIVATE_KEY.rawValue), bytes: Array($0)) }
        message.put(UInt16(WGDEVICE_A_LISTEN_PORT.rawValue), u16: listenPort)
        message.put(UInt16(WGDEVICE_A_FLAGS.rawValue), u32: UInt32(WGDEVICE_F_REPLACE_PEERS.rawValue))
        message.nest(UInt16(WGDEVICE_A_PEERS.rawValue)) { peers in
            peers.nest(0) { entry in
                entry.put(UInt16(WGPEER_A_PUBLIC_KEY.rawValue), bytes: peer.bytes)
                entry.put(UInt16(WGPEER_A_FLAGS.rawValue), u32: UInt32(WGPEER_F_REPLACE_ALLOWEDIPS.rawValue))
                entry.nest(UInt16(WGPEER_A_ALLOWEDIPS.rawValue)) { allowed in
                    allowed.nest(0) { ip in
                        ip.put(UInt16(WGALLOWEDIP_A_FAMILY.rawValue), u16: UInt16(AF_INET6))
                        ip.put(UInt16(WGALLOWEDIP_A_IPADDR.rawValue), bytes: [UInt8](repeating: 0, count: 16))
                        ip.put(UInt16(WGALLOWEDIP_A_CIDR_MASK.rawValue), u8: 0)
                    }
                }
            }
        }
        return message
    }

    /// WG_CMD_GET_DEVICE must be a dump (the kernel refuses it otherwise).
    static func getDevice(family: UInt16, name: String) -> NetlinkMessage {
        var message = NetlinkMessage(type: family, flags: RoutingMessages.dumpFlags)
        message.putExtraHeader(genlmsghdr(cmd: UInt8(WG_CMD_GET_DEVICE.rawValue), version: version, reserved: 0))
        message.put(UInt16(WGDEVICE_A_IFNAME.rawValue), string: name)
        return message
    }

    /// Coalesces a device dump: the first message carries the listen port, the peers (each
    /// a nest of type 0, so read in order, not by type) may continue in the following ones.
    static func device(name: String, from messages: [ReceivedMessage]) -> ObservedPeerInterface {
        var listenPort: UInt16 = 0
        var peers: [PublicKey] = []
        var latestHandshake: Date?
        var traffic: (endpoint: String?, rx: UInt64?, tx: UInt64?) = (nil, nil, nil)
        for message in messages {
            let body = message.attributes(familyHeaderLength: MemoryLayout<genlmsghdr>.size)
            if let port = body[Int(WGDEVICE_A_LISTEN_PORT.rawValue)], port.count >= 2 {
                listenPort = UInt16(port[0]) | UInt16(port[1]) << 8
            }
            guard let list = body[Int(WGDEVICE_A_PEERS.rawValue)] else { continue }
            for (_, entry) in NetlinkAttributes.ordered(list) {
                let peer = NetlinkAttributes(entry)
                guard let key = peer[Int(WGPEER_A_PUBLIC_KEY.rawValue)].flatMap(PublicKey.init(bytes:)) else { continue }
                peers.append(key)
                if let time = peer[Int(WGPEER_A_LAST_HANDSHAKE_TIME.rawValue)], time.count >= 8 {
                    let seconds = time.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
                    if seconds > 0 { latestHandshake = Date(timeIntervalSince1970: TimeInterval(seconds)) }
                }
                traffic = (peer[Int(WGPEER_A_ENDPOINT.rawValue)].flatMap(endpoint(from:)),
                           peer.u64(Int(WGPEER_A_RX_BYTES.rawValue)), peer.u64(Int(WGPEER_A_TX_BYTES.rawValue)))
            }
        }
        return ObservedPeerInterface(name: name, listenPort: listenPort, peers: peers, latestHandshake: latestHandshake,
                                     endpoint: traffic.endpoint, rxBytes: traffic.rx, txBytes: traffic.tx)
    }

    /// WGPEER_A_ENDPOINT is a sockaddr_in or sockaddr_in6, as `[address]:port` / `address:port`.
    static func endpoint(from bytes: [UInt8]) -> String? {
        guard bytes.count >= 8 else { return nil }
        let family = bytes.withUnsafeBytes { $0.loadUnaligned(as: sa_family_t.self) }
        let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(family) {
        case AF_INET6 where bytes.count >= MemoryLayout<sockaddr_in6>.size:
            guard inet_ntop(AF_INET6, Array(bytes[8..<24]), &text, socklen_t(text.count)) != nil else { return nil }
            return "[\(text.nulTerminatedString)]:\(port)"
        case AF_INET:
            guard inet_ntop(AF_INET, Array(bytes[4..<8]), &text, socklen_t(text.count)) != nil else { return nil }
            return "\(text.nulTerminatedString):\(port)"
        default:
            return nil
        }
    }
}

extension NetlinkAttributes {
    /// Every attribute in order, repeats included (lists nest entries all of one type).
    static func ordered(_ bytes: [UInt8]) -> [(type: UInt16, payload: [UInt8])] {
        var result: [(type: UInt16, payload: [UInt8])] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & typeMask
            guard length >= 4, offset + length <= bytes.count else { break }
            result.append((type, Array(bytes[(offset + 4)..<(offset + length)])))
            offset += align(length)
        }
        return result
    }
}

extension [CChar] {
    /// The text up to the first NUL, as C functions like inet_ntop leave it.
    var nulTerminatedString: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
