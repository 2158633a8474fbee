import CMnl
import GatewayCore
import Glibc

/// Encoders of the rtnetlink messages that build a per-peer interface: create a link of a
/// kind, set MTU/up/multicast, add an address, delete the link. Pure, like RoutingMessages.
enum LinkMessages {
    /// `ip link add NAME mtu MTU type KIND`.
    static func create(name: String, kind: String, mtu: Int) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: RoutingMessages.createFlags)
        message.putExtraHeader(ifinfomsg())
        message.put(UInt16(IFLA_IFNAME), string: name)
        message.put(UInt16(IFLA_MTU), u32: UInt32(mtu))
        message.nest(UInt16(IFLA_LINKINFO)) { $0.put(UInt16(IFLA_INFO_KIND), string: kind) }
        return message
    }

    /// `ip link set multicast on mtu MTU up dev NAME`, addressed by name (index 0).
    static func configure(name: String, mtu: Int, up: Bool) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: RoutingMessages.requestFlags)
        var header = ifinfomsg()
        let managed = UInt32(IFF_UP | IFF_MULTICAST)
        header.ifi_flags = UInt32(IFF_MULTICAST) | (up ? UInt32(IFF_UP) : 0)
        header.ifi_change = managed
        message.putExtraHeader(header)
        message.put(UInt16(IFLA_IFNAME), string: name)
        message.put(UInt16(IFLA_MTU), u32: UInt32(mtu))
        return message
    }

    /// `ip link del NAME`.
    static func delete(name: String) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_DELLINK), flags: RoutingMessages.requestFlags)
        message.putExtraHeader(ifinfomsg())
        message.put(UInt16(IFLA_IFNAME), string: name)
        return message
    }

    /// `ip -6 addr add ADDRESS/LENGTH dev INDEX nodad` with link scope: a point-to-point
    /// tunnel has nobody to collide with, and babel needs the address at once.
    static func addAddress(_ address: IPv6Address, prefixLength: Int, interfaceIndex: UInt32) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_NEWADDR), flags: RoutingMessages.createFlags)
        var header = ifaddrmsg()
        header.ifa_family = UInt8(AF_INET6)
        header.ifa_prefixlen = UInt8(prefixLength)
        header.ifa_flags = UInt8(IFA_F_NODAD)
        header.ifa_scope = UInt8(RT_SCOPE_LINK.rawValue)
        header.ifa_index = interfaceIndex
        message.putExtraHeader(header)
        message.put(UInt16(IFA_LOCAL), bytes: address.bytes)
        message.put(UInt16(IFA_ADDRESS), bytes: address.bytes)
        return message
    }

    /// (name, kind) of a link in a dump; kind is nil for links without IFLA_LINKINFO.
    static func nameAndKind(from message: ReceivedMessage) -> (name: String, kind: String?)? {
        guard message.type == RTM_NEWLINK else { return nil }
        let attributes = RoutingMessages.linkAttributes(of: message)
        guard let name = attributes.string(Int(IFLA_IFNAME)) else { return nil }
        return (name, attributes.nested(Int(IFLA_LINKINFO))?.string(Int(IFLA_INFO_KIND)))
    }
}
