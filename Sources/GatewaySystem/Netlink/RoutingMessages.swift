import CMnl
import GatewayCore
import Glibc

/// Encoders and decoders of the rtnetlink messages gatewayd uses: IPv6 policy rules,
/// IPv6 routes and the link list. Pure functions of their inputs.
enum RoutingMessages {
    static let requestFlags = NLM_F_REQUEST | NLM_F_ACK
    static let createFlags = requestFlags | NLM_F_CREATE | NLM_F_EXCL
    static let dumpFlags = NLM_F_REQUEST | NLM_F_DUMP

    // MARK: Rules

    static func rule(_ rule: PolicyRule, adding: Bool) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(adding ? RTM_NEWRULE : RTM_DELRULE),
                                     flags: adding ? createFlags : requestFlags)
        var header = fib_rule_hdr()
        header.family = UInt8(AF_INET6)
        header.action = UInt8(FR_ACT_TO_TBL)
        header.table = rule.table < 256 ? UInt8(rule.table) : 0
        switch rule.selector {
        case .to: header.dst_len = UInt8(rule.prefix.length)
        case .from: header.src_len = UInt8(rule.prefix.length)
        }
        message.putExtraHeader(header)
        message.put(UInt16(rule.selector == .to ? FRA_DST : FRA_SRC), bytes: rule.prefix.address.bytes)
        message.put(UInt16(FRA_PRIORITY), u32: rule.priority)
        message.put(UInt16(FRA_TABLE), u32: rule.table)
        message.put(UInt16(FRA_PROTOCOL), u8: RoutingConstants.ownerProtocol)
        return message
    }

    static func ruleDump() -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_GETRULE), flags: dumpFlags)
        var header = fib_rule_hdr()
        header.family = UInt8(AF_INET6)
        message.putExtraHeader(header)
        return message
    }

    /// An owned rule in gatewayd's shape (one selector, lookup), or nil for anything else.
    static func ownedRule(from message: ReceivedMessage) -> PolicyRule? {
        guard message.type == RTM_NEWRULE, let header = message.familyHeader(fib_rule_hdr.self),
              header.family == UInt8(AF_INET6), header.action == UInt8(FR_ACT_TO_TBL) else { return nil }
        let attributes = message.attributes(familyHeaderLength: MemoryLayout<fib_rule_hdr>.size)
        guard attributes.u8(FRA_PROTOCOL) == RoutingConstants.ownerProtocol else { return nil }
        let table = attributes.u32(FRA_TABLE) ?? UInt32(header.table)
        let priority = attributes.u32(FRA_PRIORITY) ?? 0
        switch (header.dst_len, header.src_len, attributes[FRA_DST], attributes[FRA_SRC]) {
        case (let length, 0, .some(let address), nil) where address.count == 16:
            return PolicyRule(selector: .to, prefix: IPv6Prefix(address: IPv6Address(bytes: address), length: Int(length)),
                              table: table, priority: priority)
        case (0, let length, nil, .some(let address)) where address.count == 16:
            return PolicyRule(selector: .from, prefix: IPv6Prefix(address: IPv6Address(bytes: address), length: Int(length)),
                              table: table, priority: priority)
        default:
            return nil
        }
    }

    // MARK: Routes

    static func route(_ route: RouteSpec, interfaceIndex: UInt32, adding: Bool) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(adding ? RTM_NEWROUTE : RTM_DELROUTE),
                                     flags: adding ? createFlags : requestFlags)
        var header = rtmsg()
        header.rtm_family = UInt8(AF_INET6)
        header.rtm_dst_len = UInt8(route.destination.length)
        header.rtm_src_len = UInt8(route.source?.length ?? 0)
        header.rtm_table = route.table < 256 ? UInt8(route.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        header.rtm_protocol = RoutingConstants.ownerProtocol
        header.rtm_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.rtm_type = UInt8(RTN_UNICAST)
        message.putExtraHeader(header)
        message.put(UInt16(RTA_DST.rawValue), bytes: route.destination.address.bytes)
        if let source = route.source { message.put(UInt16(RTA_SRC.rawValue), bytes: source.address.bytes) }
        message.put(UInt16(RTA_OIF.rawValue), u32: interfaceIndex)
        message.put(UInt16(RTA_TABLE.rawValue), u32: route.table)
        return message
    }

    static func routeDump() -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_GETROUTE), flags: dumpFlags)
        var header = rtmsg()
        header.rtm_family = UInt8(AF_INET6)
        message.putExtraHeader(header)
        return message
    }

    /// An owned unicast route through one device, or nil for anything else.
    static func ownedRoute(from message: ReceivedMessage, interfaceName: (UInt32) -> String?) -> RouteSpec? {
        guard message.type == RTM_NEWROUTE, let header = message.familyHeader(rtmsg.self),
              header.rtm_family == UInt8(AF_INET6), header.rtm_protocol == RoutingConstants.ownerProtocol
        else { return nil }
        let attributes = message.attributes(familyHeaderLength: MemoryLayout<rtmsg>.size)
        guard let index = attributes.u32(Int(RTA_OIF.rawValue)), let device = interfaceName(index) else { return nil }
        let destination = prefix(attributes[Int(RTA_DST.rawValue)], length: header.rtm_dst_len)
        let source = header.rtm_src_len == 0 ? nil : prefix(attributes[Int(RTA_SRC.rawValue)], length: header.rtm_src_len)
        let table = attributes.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(header.rtm_table)
        return RouteSpec(destination: destination, source: source, device: device, table: table)
    }

    /// An absent address attribute means `::` (the default route has none).
    private static func prefix(_ address: [UInt8]?, length: UInt8) -> IPv6Prefix {
        let address = address.flatMap { $0.count == 16 ? IPv6Address(bytes: $0) : nil } ?? IPv6Address(high: 0, low: 0)
        return IPv6Prefix(address: address, length: Int(length))
    }

    // MARK: Links

    static func linkDump() -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_GETLINK), flags: dumpFlags)
        message.putExtraHeader(ifinfomsg())
        return message
    }

    /// `ip link show NAME`: answered by one RTM_NEWLINK, or ENODEV.
    static func linkQuery(name: String) -> NetlinkMessage {
        var message = NetlinkMessage(type: UInt16(RTM_GETLINK), flags: requestFlags)
        message.putExtraHeader(ifinfomsg())
        message.put(UInt16(IFLA_IFNAME), string: name)
        return message
    }

    struct Link: Equatable {
        var index: UInt32
        var name: String
        /// IFF_UP: administratively up.
        var isUp: Bool
    }

    /// The attributes of a link message (RTM_NEWLINK, RTM_DELLINK), after its ifinfomsg.
    static func linkAttributes(of message: ReceivedMessage) -> NetlinkAttributes {
        message.attributes(familyHeaderLength: MemoryLayout<ifinfomsg>.size)
    }

    static func link(from message: ReceivedMessage) -> Link? {
        guard message.type == RTM_NEWLINK, let header = message.familyHeader(ifinfomsg.self),
              let name = linkAttributes(of: message).string(Int(IFLA_IFNAME))
        else { return nil }
        return Link(index: UInt32(bitPattern: header.ifi_index), name: name, isUp: header.ifi_flags & UInt32(IFF_UP) != 0)
    }
}
