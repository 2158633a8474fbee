/// Whether the uplink counts as up, from a stream of check results: it goes down only
/// after `failuresToDown` failures in a row and comes back only after `successesToUp`
/// good checks in a row, so one lost probe never flaps the gateway's announcement. The
/// first result decides at once: a gateway that starts without uplink must not wait.
public struct UplinkHysteresis: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case unknown, up, down
    }

    public enum Transition: Sendable, Equatable {
        case wentUp, wentDown
    }

    public private(set) var state = State.unknown
    private var streak = 0
    private let failuresToDown: Int
    private let successesToUp: Int

    public init(failuresToDown: Int, successesToUp: Int) {
        self.failuresToDown = max(1, failuresToDown)
        self.successesToUp = max(1, successesToUp)
    }

    /// Feeds one check; returns the transition it caused, if any.
    public mutating func record(success: Bool) -> Transition? {
        switch (state, success) {
        case (.unknown, true):
            state = .up
            return .wentUp
        case (.unknown, false):
            state = .down
            return .wentDown
        case (.up, true), (.down, false):
            streak = 0
            return nil
        case (.up, false):
            streak += 1
            guard streak >= failuresToDown else { return nil }
            streak = 0
            state = .down
            return .wentDown
        case (.down, true):
            streak += 1
            guard streak >= successesToUp else { return nil }
            streak = 0
            state = .up
            return .wentUp
        }
    }
}
