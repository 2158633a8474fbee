// CMnl brings <sys/socket.h>: without it, release (whole-module) builds of this module do
// not see Glibc's SOCK_* constants.
import CMnl
import Foundation
import GatewayCore
import Glibc

/// One look at the uplink as UplinkOptions describe it: the route must exist, the TCP
/// target must accept a connection. Blocking (bounded by `timeout`): run it off the
/// cooperative pool.
public struct UplinkCheck: Sendable {
    let options: UplinkOptions
    let timeout: Duration
    let routes = RouteAnnouncements()

    public init(options: UplinkOptions, timeout: Duration = .seconds(3)) {
        self.options = options
        self.timeout = timeout
    }

    /// nil when the uplink looks fine, else what failed.
    public func run() -> String? {
        if let route = options.route {
            do {
                if try routes.routes(route, table: options.routeTable).isEmpty {
                    return "no route \(route) in table \(options.routeTable)"
                }
            } catch {
                return "reading routes: \(error)"
            }
        }
        if let probe = options.probe, let failure = Self.connect(to: probe, timeout: timeout) {
            return "tcp \(probe): \(failure)"
        }
        return nil
    }

    /// A TCP handshake with `target` within `timeout`; nil on success, else the reason.
    static func connect(to target: HostPort, timeout: Duration) -> String? {
        let family = target.isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        var storage = sockaddr_storage()
        let length: Int
        if target.isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = target.port.bigEndian
            inet_pton(AF_INET6, target.host, &address.sin6_addr)
            length = store(address, in: &storage)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = target.port.bigEndian
            inet_pton(AF_INET, target.host, &address.sin_addr)
            length = store(address, in: &storage)
        }
        let started = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(length)) }
        }
        if started == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) == 1 else { return "no answer within \(timeout)" }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size)
        return failure == 0 ? nil : String(cString: strerror(failure))
    }

    /// Copies a sockaddr_in or sockaddr_in6 into generic storage; returns its length.
    private static func store<Address>(_ address: Address, in storage: inout sockaddr_storage) -> Int {
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: Address.self) }
        return MemoryLayout<Address>.size
    }
}
