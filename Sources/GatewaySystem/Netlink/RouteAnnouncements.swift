import CMnl
import Foundation
import GatewayCore
import Glibc

/// A route as the kernel reported it (family header and attributes, unchanged), so that
/// it can be deleted and later added back exactly as it was, whoever made it.
public struct SavedRoute: Codable, Sendable, Equatable {
    public let body: [UInt8]

    public init(body: [UInt8]) { self.body = body }
}

/// Finds, withdraws and restores IPv6 routes of one prefix in one table: the uplink
/// check's "is the default route there" and the default route babeld announces from
/// table 12, which is withdrawn while the uplink is down.
public struct RouteAnnouncements: Sendable {
    public init() {}

    private func socket() throws -> NetlinkSocket { try NetlinkSocket(bus: NETLINK_ROUTE) }

    /// Every route for exactly `prefix` in `table` (any type, gateway or device). With
    /// `anySource`, source-specific ones (`default from WHOLENET`, what babeld announces as
    /// a source-specific route) count too; without, only those for every source.
    public func routes(_ prefix: IPv6Prefix, table: UInt32, anySource: Bool = false) throws -> [SavedRoute] {
        try socket().dump(RoutingMessages.routeDump(), "listing ip -6 routes").compactMap { message in
            guard message.type == RTM_NEWROUTE, let header = message.familyHeader(rtmsg.self),
                  header.rtm_family == UInt8(AF_INET6), header.rtm_flags & UInt32(RTM_F_CLONED) == 0,
                  Int(header.rtm_dst_len) == prefix.length, anySource || header.rtm_src_len == 0 else { return nil }
            let attributes = message.attributes(familyHeaderLength: MemoryLayout<rtmsg>.size)
            let routeTable = attributes.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(header.rtm_table)
            let destination = attributes[Int(RTA_DST.rawValue)].flatMap { $0.count == 16 ? IPv6Address(bytes: $0) : nil }
                ?? IPv6Address(high: 0, low: 0)
            guard routeTable == table, destination == prefix.address else { return nil }
            return SavedRoute(body: Array(message.bytes[ReceivedMessage.headerLength...]))
        }
    }

    /// Deletes every route for `prefix` in `table`, whatever its source prefix, and returns
    /// them for `restore`.
    public func withdraw(_ prefix: IPv6Prefix, table: UInt32) throws -> [SavedRoute] {
        let found = try routes(prefix, table: table, anySource: true)
        let socket = try socket()
        var withdrawn: [SavedRoute] = []
        for route in found {
            var message = NetlinkMessage(type: UInt16(RTM_DELROUTE), flags: RoutingMessages.requestFlags)
            message.putBody(route.body)
            do {
                try socket.perform(message, "withdrawing \(prefix) from table \(table)")
                withdrawn.append(route)
            } catch let error as NetlinkError where error.errno == ESRCH {
                continue  // gone meanwhile
            }
        }
        return withdrawn
    }

    /// Adds withdrawn routes back; one that is there again already is left alone.
    public func restore(_ routes: [SavedRoute]) throws {
        let socket = try socket()
        for route in routes {
            var message = NetlinkMessage(type: UInt16(RTM_NEWROUTE), flags: RoutingMessages.createFlags)
            message.putBody(route.body)
            do { try socket.perform(message, "restoring a withdrawn route") } catch let error as NetlinkError where error.errno == EEXIST {
                continue
            }
        }
    }
}
