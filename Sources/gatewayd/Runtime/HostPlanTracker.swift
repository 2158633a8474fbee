import Foundation
import GatewayControl
import GatewayCore

/// What the last looks at the kernel found, for `status` and `health`.
struct HostPlanTracker {
    private(set) var status = HostPlanStatus(state: .failed, lastCheck: nil, lastChanges: 0, driftRepairs: 0,
                                             failedStep: "not applied yet")

    /// The plan the last whole look converged to.
    private var applied: HostPlan?

    /// A converge toward `plan` succeeded. Changes found by a check (not by a start or
    /// reload, which change the plan itself) that undo a change to what the last plan
    /// already held mean someone had changed gatewayd's state: drift, repaired. What a
    /// link's arrival adds to the plan (mmfd0's route when mmfd creates its tun, a MESHIFS
    /// link's rp_filter) is the plan growing, not drift.
    mutating func converged(_ changes: [HostChange], toward plan: HostPlan, repairing: Bool) {
        let drifted = repairing && applied.map { previous in changes.contains { $0.repairs(previous) } } ?? !changes.isEmpty
        applied = plan
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
