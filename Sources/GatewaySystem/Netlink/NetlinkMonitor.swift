import CMnl
import Foundation
import GatewayCore
import Glibc

/// What one kernel notification asks of the reconciler.
public enum KernelChange: Hashable, Sendable {
    /// A broker peer interface (`babel-wg-N`) appeared, changed or went: only its own
    /// settings need a look. Thousands of these come while peers are provisioned, and a
    /// whole look at each would cost O(peers) per peer.
    case peerLink(String)
    /// Another link appeared or changed (its index) or went (nil): a whole look, and a mesh
    /// interface that appeared (or came back with a new index) is registered again.
    case link(String, index: Int32?)
    /// Anything else the host plan depends on (another link, gatewayd's own rules or
    /// routes, missed messages): look at everything.
    case everything

    /// nil for a notification the plan does not depend on: routes other than gatewayd's
    /// own (babeld's, the kernel's link-local ones come with every peer).
    static func of(_ message: ReceivedMessage) -> KernelChange? {
        switch Int(message.type) {
        case Int(RTM_NEWLINK), Int(RTM_DELLINK):
            guard let name = RoutingMessages.linkAttributes(of: message).string(Int(IFLA_IFNAME)) else { return .everything }
            if name.hasPrefix(HostPlan.peerInterfacePrefix) { return .peerLink(name) }
            guard Int(message.type) == Int(RTM_NEWLINK) else { return .link(name, index: nil) }
            guard let header = message.familyHeader(ifinfomsg.self) else { return .everything }
            return .link(name, index: header.ifi_index)
        case Int(RTM_NEWROUTE), Int(RTM_DELROUTE):
            guard let header = message.familyHeader(rtmsg.self) else { return .everything }
            return header.rtm_protocol == RoutingConstants.ownerProtocol ? .everything : nil
        default:
            return .everything
        }
    }
}

/// Wakes the reconciler when links, IPv6 rules or IPv6 routes change: an interface
/// appearing (a mesh interface, mmfd0, a peer's) or someone deleting gatewayd's state.
public final class NetlinkMonitor: Sendable {
    /// RTNLGRP_LINK, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE.
    static let groups: [UInt32] = [
        UInt32(RTNLGRP_LINK.rawValue), UInt32(RTNLGRP_IPV6_ROUTE.rawValue), UInt32(RTNLGRP_IPV6_RULE.rawValue),
    ]

    private let descriptor: Int32

    /// Subscribes in the caller's network namespace; `onChange` runs on a background
    /// thread once per datagram that holds a change the plan depends on.
    public init(onChange: @escaping @Sendable ([KernelChange]) -> Void) throws {
        let descriptor = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard descriptor >= 0 else { throw NetlinkError(operation: "opening the netlink monitor", errno: errno) }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            close(descriptor)
            throw NetlinkError(operation: "binding the netlink monitor", errno: error)
        }
        for var group in Self.groups {
            guard setsockopt(descriptor, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
                let error = errno
                close(descriptor)
                throw NetlinkError(operation: "joining netlink group \(group)", errno: error)
            }
        }
        self.descriptor = descriptor
        let thread = Thread { [descriptor] in Self.listen(on: descriptor, onChange: onChange) }
        thread.name = "netlink-monitor"
        thread.start()
    }

    /// Ends the listening thread: shutdown makes its blocking recv return 0.
    public func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private static func listen(on descriptor: Int32, onChange: @Sendable ([KernelChange]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                let changes = buffer.withUnsafeBytes {
                    ReceivedMessage.split(UnsafeRawBufferPointer(rebasing: $0[..<received])).compactMap(KernelChange.of)
                }
                if !changes.isEmpty { onChange(changes) }
            } else if received < 0 && errno == ENOBUFS {
                onChange([.everything])  // we missed messages: look again all the same
            } else if received < 0 && errno == EINTR {
                continue
            } else {
                close(descriptor)
                return
            }
        }
    }
}
