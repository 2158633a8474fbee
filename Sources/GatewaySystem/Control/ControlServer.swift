import Foundation
import GatewayControl
import Logging
import NIOCore
import NIOPosix

import Glibc

/// The control socket: a unix stream socket, mode 0660, owned by root and the configured
/// group, serving the line protocol of `ControlProtocol` through `handle`.
public final class ControlServer: Sendable {
    private let channel: any Channel
    public let path: String

    private init(channel: any Channel, path: String) {
        self.channel = channel
        self.path = path
    }

    public struct AlreadyRunning: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "another gatewayd answers on \(path)" }
    }

    public static func start(
        path: String, group: gid_t? = nil, greeting: ControlGreeting, limits: ControlServerLimits = ControlServerLimits(),
        eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "gatewayd.control"),
        handle: @escaping @Sendable (ControlRequest) async -> ControlReply
    ) async throws -> ControlServer {
        try removeStaleSocket(at: path)
        let gate = ConnectionGate(limit: limits.maximumClients)
        let channel = try await ServerBootstrap(group: eventLoops)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(greeting: greeting, limits: limits, gate: gate, logger: logger, handle: handle))
                }
            }
            .bind(unixDomainSocketPath: path).get()
        do {
            try restrictAccess(path: path, group: group)
        } catch {
            try? await channel.close()
            unlink(path)
            throw error
        }
        logger.info("control socket listening", metadata: ["path": "\(path)"])
        return ControlServer(channel: channel, path: path)
    }

    public func stop() async {
        try? await channel.close()
        unlink(path)
    }

    /// A socket file left by a killed gatewayd is removed; one that still answers is not.
    private static func removeStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlSocket.Failure(description: "\(path) exists and is not a socket")
        }
        if answers(path) { throw AlreadyRunning(path: path) }
        unlink(path)
    }

    private static func answers(_ path: String) -> Bool {
        (try? ControlSocket(.unix(path), timeout: .seconds(1))) != nil
    }

    /// Root and the operators' group may connect; nobody else.
    private static func restrictAccess(path: String, group: gid_t?) throws {
        if let group, chown(path, 0, group) != 0 {
            throw ControlSocket.Failure(description: "giving \(path) to group \(group): \(String(cString: strerror(errno)))")
        }
        guard chmod(path, 0o660) == 0 else { throw ControlSocket.Failure(description: "chmod 0660 \(path): \(String(cString: strerror(errno)))") }
    }
}
