import Synchronization

/// Counters that only grow while gatewayd runs: broker requests and their latency, and
/// the reconciler's runs. Updated from any task; read at each scrape.
public final class GatewayCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var brokerRequests: [String: UInt64] = [:]
        public var brokerLatency = Histogram(bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])
        public var reconcileRuns: UInt64 = 0
        public var reconcileFailures: UInt64 = 0
        public var reconcileSeconds: Double = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    /// One answered broker request: `accepted` or `refused`, and how long it took.
    public func brokerRequest(result: String, seconds: Double) {
        state.withLock {
            $0.brokerRequests[result, default: 0] += 1
            $0.brokerLatency.observe(seconds)
        }
    }

    public func reconciled(seconds: Double, failed: Bool) {
        state.withLock {
            $0.reconcileRuns += 1
            $0.reconcileSeconds += seconds
            if failed { $0.reconcileFailures += 1 }
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}

extension Duration {
    /// The span in seconds, for metrics.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
