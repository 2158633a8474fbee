/// Bounds that keep a broker reachable from the Internet alive under abuse.
public struct BrokerServerLimits: Sendable, Equatable {
    /// A request line longer than this closes the connection without an answer.
    public var maximumRequestBytes: Int
    /// The whole request must arrive within this, however slowly it trickles (slow-loris).
    /// Answering is not bounded here: provisioning under load may take longer.
    public var requestTimeout: Duration
    /// Connections open at once; further ones are closed at accept.
    public var maximumConnections: Int

    public init(maximumRequestBytes: Int = 1024, requestTimeout: Duration = .seconds(5), maximumConnections: Int = 512) {
        self.maximumRequestBytes = maximumRequestBytes
        self.requestTimeout = requestTimeout
        self.maximumConnections = maximumConnections
    }
}
