import GatewayCore
import Logging
import NIOCore
import NIOPosix

import Glibc

/// The wg-broker v1 server: TCP on every given address (IPv4 and IPv6 sockets of their
/// own), one request line per connection, answered by `handle` (normally
/// `PeerManager.handle`). Replaces the seed's two `nc -l` loops, which served one client
/// at a time.
public final class BrokerServer: Sendable {
    private let channels: [any Channel]

    /// Where it listens (with the real ports when 0 was asked for).
    public let localAddresses: [SocketAddress]

    private init(channels: [any Channel]) {
        self.channels = channels
        localAddresses = channels.compactMap(\.localAddress)
    }

    /// The seed's listening addresses: every IPv4 and every IPv6 address.
    public static let anyAddress = ["0.0.0.0", "::"]

    public static func start(
        hosts: [String] = anyAddress, port: Int, limits: BrokerServerLimits = BrokerServerLimits(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gatewayd.broker"),
        handle: @escaping @Sendable (BrokerRequest) async -> BrokerReply
    ) async throws -> BrokerServer {
        let gate = ConnectionGate(limit: limits.maximumConnections)
        var channels: [any Channel] = []
        do {
            for host in hosts {
                let bootstrap = ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.allowRemoteHalfClosure, value: true)
                    .childChannelOption(.maxMessagesPerRead, value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                BrokerConnectionHandler(limits: limits, gate: gate, logger: logger, handle: handle))
                        }
                    }
                // An IPv6 wildcard of its own: without V6ONLY it would also claim IPv4.
                // Numeric parsing, never getaddrinfo: in a namespace without IPv4 addresses it maps
                // 0.0.0.0 to ::ffff:0.0.0.0, which bind refuses on a V6ONLY socket.
                let address = try SocketAddress(ipAddress: host, port: port)
                if address.protocol == .inet6 {
                    _ = bootstrap.serverChannelOption(
                        ChannelOptions.socket(SocketOptionLevel(IPPROTO_IPV6), SocketOptionName(IPV6_V6ONLY)), value: 1)
                }
                channels.append(try await bootstrap.bind(to: address).get())
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        logger.info("broker listening on \(channels.compactMap(\.localAddress).map(\.description).joined(separator: ", "))")
        return BrokerServer(channels: channels)
    }

    public func stop() async {
        for channel in channels { try? await channel.close() }
    }
}
