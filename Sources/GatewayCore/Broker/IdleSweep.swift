import Foundation

/// When an idle peer goes, as the seed's `prune_ifs` decided it: a peer whose last sign
/// of life is older than `idleTimeout`, or one that never completed a handshake across
/// `neverHandshookSweeps` consecutive sweeps. A broker request from the node counts as a
/// sign of life too (the seed rebuilt the tunnel then, which also restarted its clock).
public struct IdleSweep: Sendable, Equatable {
    public var interval: Duration
    public var idleTimeout: TimeInterval
    public var neverHandshookSweeps: Int

    public init(interval: Duration = .seconds(300), idleTimeout: TimeInterval = 600, neverHandshookSweeps: Int = 2) {
        self.interval = interval
        self.idleTimeout = idleTimeout
        self.neverHandshookSweeps = neverHandshookSweeps
    }

    public enum Verdict: Sendable, Equatable {
        /// Keep; `sweepsWithoutHandshake` is the new count to remember.
        case keep(sweepsWithoutHandshake: Int)
        case removeIdle
        case removeNeverHandshook
    }

    /// The decision for one peer at one sweep.
    public func verdict(latestHandshake: Date?, lastRequest: Date, sweepsWithoutHandshake: Int, now: Date) -> Verdict {
        guard let latestHandshake else {
            let strikes = sweepsWithoutHandshake + 1
            return strikes >= neverHandshookSweeps ? .removeNeverHandshook : .keep(sweepsWithoutHandshake: strikes)
        }
        let lastActivity = max(latestHandshake, lastRequest)
        return now.timeIntervalSince(lastActivity) > idleTimeout ? .removeIdle : .keep(sweepsWithoutHandshake: 0)
    }
}
