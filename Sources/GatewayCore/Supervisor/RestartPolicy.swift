/// How a child is restarted: exponential backoff from `initialBackoff`, doubling up to
/// `maxBackoff`, forgotten once the child stayed ready for `stableAfter`. After
/// `failureLimit` failures in a row gatewayd gives up on the child as `onGiveUp` says.
public struct RestartPolicy: Sendable, Equatable {
    public enum GiveUp: String, Sendable, Equatable {
        /// The child stays `failed` and gatewayd reports itself unhealthy.
        case stayFailed = "giveup"
        /// gatewayd shuts down in order and exits `GiveUp.exitStatus`, so the orchestrator
        /// restarts the container.
        case exitContainer = "exit"

        /// EX_UNAVAILABLE: a required service keeps failing.
        public static let exitStatus: Int32 = 69
    }

    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var stableAfter: Duration
    public var readyTimeout: Duration
    public var stopTimeout: Duration
    public var failureLimit: Int
    public var onGiveUp: GiveUp

    public init(
        initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60), stableAfter: Duration = .seconds(60),
        readyTimeout: Duration = .seconds(30), stopTimeout: Duration = .seconds(10), failureLimit: Int = 10,
        onGiveUp: GiveUp = .exitContainer
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.stableAfter = stableAfter
        self.readyTimeout = readyTimeout
        self.stopTimeout = stopTimeout
        self.failureLimit = failureLimit
        self.onGiveUp = onGiveUp
    }

    /// The wait before restart number `failures` (1 after the first failure): 1 s, 2 s, 4 s … cap.
    public func backoff(afterFailures failures: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }
}
