import CMnl
import GatewayCore
import Glibc

/// Creates, configures and deletes links through rtnetlink in the calling thread's
/// network namespace. One socket per call, as `Rtnetlink` does.
public struct LinkControl: Sendable {
    public init() {}

    private func socket() throws -> NetlinkSocket { try NetlinkSocket(bus: NETLINK_ROUTE) }

    public func create(name: String, kind: String, mtu: Int) throws {
        try socket().perform(LinkMessages.create(name: name, kind: kind, mtu: mtu), "creating \(kind) link \(name)")
    }

    /// MTU, multicast on, and up (or down).
    public func configure(name: String, mtu: Int, up: Bool = true) throws {
        try socket().perform(LinkMessages.configure(name: name, mtu: mtu, up: up), "setting mtu \(mtu) multicast up on \(name)")
    }

    public func addAddress(_ address: IPv6Address, prefixLength: Int, to name: String) throws {
        let operation = "adding \(address)/\(prefixLength) to \(name)"
        let index = if_nametoindex(name)
        guard index != 0 else { throw NetlinkError(operation: operation, errno: Glibc.errno) }
        try socket().perform(LinkMessages.addAddress(address, prefixLength: prefixLength, interfaceIndex: index), operation)
    }

    /// Deletes the link; one that does not exist is not an error.
    public func delete(name: String) throws {
        do {
            try socket().perform(LinkMessages.delete(name: name), "deleting link \(name)")
        } catch let error as NetlinkError where error.errno == ENODEV {
            return
        }
    }

    /// Names of the links whose IFLA_INFO_KIND is `kind`.
    public func names(ofKind kind: String) throws -> [String] {
        try socket().dump(RoutingMessages.linkDump(), "listing links").compactMap(LinkMessages.nameAndKind)
            .filter { $0.kind == kind }.map(\.name)
    }

    public func exists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    /// true or false when the kernel said so; nil when it could not be asked (e.g. out
    /// of file descriptors: if_nametoindex opens a socket), so absence is not assumed.
    public func presence(_ name: String) -> Bool? {
        if if_nametoindex(name) != 0 { return true }
        return errno == ENODEV ? false : nil
    }
}
