/// Bounds that keep the control socket from ever holding up the daemon.
public struct ControlServerLimits: Sendable, Equatable {
    /// Clients connected at once; a further one gets an error line and is closed.
    public var maximumClients: Int
    /// A client that sends nothing for this long is closed.
    public var idleTimeout: Duration
    /// A reply the client does not read within this closes its connection.
    public var writeTimeout: Duration
    /// Request lines received but not yet answered; beyond this the client is closed.
    public var maximumQueuedRequests: Int

    public init(maximumClients: Int = 32, idleTimeout: Duration = .seconds(300), writeTimeout: Duration = .seconds(5),
                maximumQueuedRequests: Int = 16) {
        self.maximumClients = maximumClients
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maximumQueuedRequests = maximumQueuedRequests
    }
}

extension Duration {
    /// The same span as NIO's type.
    var timeAmount: NIOCore.TimeAmount {
        let parts = components
        return .seconds(parts.seconds) + .nanoseconds(parts.attoseconds / 1_000_000_000)
    }
}

import NIOCore
