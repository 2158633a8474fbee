import Foundation
import GatewayControl
import GatewayCore

/// What the last looks at the kernel found, for `status` and `health`.
struct HostPlanTracker {
    private(set) var status = HostPlanStatus(state: .failed, lastCheck: nil, lastChanges: 0, driftRepairs: 0,
                                             failedStep: "not applied yet")

    /// A converge succeeded. Changes found by a check (not by a start or reload, which
    /// change the plan itself) mean someone had changed gatewayd's state: drift, repaired.
    mutating func converged(_ changes: [HostChange], repairing: Bool) {
        let drifted = repairing && !changes.isEmpty
        if drifted { status.driftRepairs += 1 }
        status.state = drifted ? .drift : .applied
        status.lastChanges = changes.count
        status.failedStep = nil
        status.lastCheck = Int64(Date().timeIntervalSince1970)
    }

    mutating func failed(_ step: String) {
        status.state = .failed
        status.failedStep = step
        status.lastCheck = Int64(Date().timeIntervalSince1970)
    }

    /// Applied and verified at the last look (a repaired drift is verified too).
    var isHealthy: Bool { status.state != .failed }
}
