import Foundation

/// What one idle sweep examined and removed (or, in a dry run, would remove), and what it
/// cost: the sweep's price is one backend listing plus a decision per peer.
public struct SweepReport: Sendable, Equatable {
    public struct Removal: Sendable, Equatable {
        public var key: PublicKey
        public var interface: String
        public var reason: PeerManager.RemovalReason

        public init(key: PublicKey, interface: String, reason: PeerManager.RemovalReason) {
            self.key = key
            self.interface = interface
            self.reason = reason
        }
    }

    public var dryRun: Bool
    public var at: Date
    public var duration: Duration
    public var examined: Int
    public var removals: [Removal]
    /// Set when the interfaces could not be listed: nothing was decided.
    public var failure: String?

    public init(dryRun: Bool, at: Date, duration: Duration = .zero, examined: Int = 0, removals: [Removal] = [],
                failure: String? = nil) {
        self.dryRun = dryRun
        self.at = at
        self.duration = duration
        self.examined = examined
        self.removals = removals
        self.failure = failure
    }

    public var removedKeys: [PublicKey] { removals.map(\.key) }
}

/// Every real sweep since the start, for metrics.
public struct SweepTotals: Sendable, Equatable {
    public var runs = 0
    public var removedByReason: [PeerManager.RemovalReason: Int] = [:]

    public init() {}

    mutating func record(_ report: SweepReport) {
        runs += 1
        for removal in report.removals { removedByReason[removal.reason, default: 0] += 1 }
    }
}
