/// The life of one supervised child as a value: every input is a mutating func that
/// returns the actions its owner must perform (spawn, signal, schedule a timer …).
/// Time comes in as an argument, so every transition is testable without a clock.
///
///     down ──start──► starting ──ready──► ready
///       ▲               │  deadline/exit     │ exit
///       │ stopped       ▼                    ▼
///     stopping ◄─stop── backoff ◄── (failure; after the limit: failed / exit container)
public struct ChildStateMachine: Sendable, Equatable {
    /// A point on the supervisor's monotonic clock.
    public typealias Instant = ContinuousClock.Instant

    public enum State: Sendable, Equatable {
        case down
        case starting(pid: Int32, since: Instant)
        case ready(pid: Int32, since: Instant)
        case stopping(pid: Int32)
        case backoff(until: Instant)
        case failed(reason: String)
    }

    public enum Timer: Sendable, Equatable {
        case readinessDeadline, backoffOver, killDeadline, stable
    }

    public enum Signal: Sendable, Equatable {
        /// SIGTERM, SIGINT, SIGKILL.
        case terminate, interrupt, kill
    }

    public enum Action: Sendable, Equatable {
        case spawn
        /// Start probing readiness; the owner reports `ready(now:)`.
        case probeReadiness
        case signal(pid: Int32, Signal)
        case schedule(Timer, at: Instant)
        /// Register every current mesh interface with the freshly ready child.
        case replayMeshInterfaces
        /// The child is gone for now: forget what it had registered.
        case forgetRegistrations
        /// Given up: report unhealthy.
        case reportFailed(reason: String)
        /// Given up: shut down and exit with this status.
        case exitContainer(status: Int32, reason: String)
    }

    public private(set) var state: State = .down
    public private(set) var consecutiveFailures = 0
    public private(set) var restarts = 0
    public private(set) var lastExit: ExitStatus?
    public let policy: RestartPolicy
    /// What `stop` sends first; SIGKILL follows after the policy's stop timeout.
    public let stopSignal: Signal
    /// A readiness deadline passed: the coming exit counts as a failure even if clean.
    private var killedForReadiness = false
    /// Started once already: further spawns are restarts.
    private var hasStarted = false
    /// Added to the policy's ready timeout for the current start (see `spawned`).
    private var readinessAllowance: Duration = .zero

    public init(policy: RestartPolicy, stopSignal: Signal = .terminate) {
        self.policy = policy
        self.stopSignal = stopSignal
    }

    public var pid: Int32? {
        switch state {
        case .starting(let pid, _), .ready(let pid, _), .stopping(let pid): return pid
        case .down, .backoff, .failed: return nil
        }
    }

    // MARK: Inputs

    public mutating func start(now: Instant) -> [Action] {
        switch state {
        case .down, .failed:
            consecutiveFailures = 0
            return [.spawn]
        case .backoff:
            return [.spawn]
        case .starting, .ready, .stopping:
            return []
        }
    }

    /// `allowance`: extra time this start may take before the child must answer, on top
    /// of the ready timeout (a daemon handed thousands of interfaces at start works through
    /// them before it serves its control socket).
    public mutating func spawned(pid: Int32, now: Instant, allowance: Duration = .zero) -> [Action] {
        if hasStarted { restarts += 1 }
        hasStarted = true
        killedForReadiness = false
        readinessAllowance = allowance
        state = .starting(pid: pid, since: now)
        return [.probeReadiness, .schedule(.readinessDeadline, at: now + policy.readyTimeout + allowance)]
    }

    public mutating func spawnFailed(reason: String, now: Instant) -> [Action] {
        lastExit = .spawnFailed(reason)
        return failure(reason: "could not start: \(reason)", now: now)
    }

    public mutating func ready(now: Instant) -> [Action] {
        guard case .starting(let pid, _) = state, !killedForReadiness else { return [] }
        state = .ready(pid: pid, since: now)
        return [.replayMeshInterfaces, .schedule(.stable, at: now + policy.stableAfter)]
    }

    public mutating func exited(_ status: ExitStatus, now: Instant) -> [Action] {
        switch state {
        case .starting(let pid, _) where status.pid == pid, .ready(let pid, _) where status.pid == pid:
            lastExit = status
            return [.forgetRegistrations] + failure(reason: "exited: \(status)", now: now)
        case .stopping(let pid) where status.pid == pid:
            lastExit = status
            state = .down
            return [.forgetRegistrations]
        default:
            return []
        }
    }

    public mutating func timerFired(_ timer: Timer, now: Instant) -> [Action] {
        switch (timer, state) {
        case (.readinessDeadline, .starting(let pid, let since)) where now >= since + policy.readyTimeout + readinessAllowance:
            killedForReadiness = true
            return [.signal(pid: pid, .kill)]
        case (.backoffOver, .backoff(let until)) where now >= until:
            return [.spawn]
        case (.killDeadline, .stopping(let pid)):
            return [.signal(pid: pid, .kill)]
        case (.stable, .ready(_, let since)) where now >= since + policy.stableAfter:
            consecutiveFailures = 0
            return []
        default:
            return []  // a timer that belongs to an earlier state
        }
    }

    public mutating func stop(now: Instant) -> [Action] {
        switch state {
        case .starting(let pid, _), .ready(let pid, _):
            state = .stopping(pid: pid)
            return [.signal(pid: pid, stopSignal), .schedule(.killDeadline, at: now + policy.stopTimeout)]
        case .backoff, .failed:
            state = .down
            return []
        case .down, .stopping:
            return []
        }
    }

    /// A crash, a failed spawn or a missed readiness deadline: back off, or give up.
    private mutating func failure(reason: String, now: Instant) -> [Action] {
        consecutiveFailures += 1
        guard consecutiveFailures < policy.failureLimit else {
            let message = "\(reason); gave up after \(consecutiveFailures) failures in a row"
            state = .failed(reason: message)
            switch policy.onGiveUp {
            case .stayFailed: return [.reportFailed(reason: message)]
            case .exitContainer: return [.exitContainer(status: RestartPolicy.GiveUp.exitStatus, reason: message)]
            }
        }
        let until = now + policy.backoff(afterFailures: consecutiveFailures)
        state = .backoff(until: until)
        return [.schedule(.backoffOver, at: until)]
    }
}

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(pid: Int32, code: Int32)
    case signaled(pid: Int32, signal: Int32)
    case spawnFailed(String)

    var pid: Int32? {
        switch self {
        case .exited(let pid, _), .signaled(let pid, _): return pid
        case .spawnFailed: return nil
        }
    }

    public var description: String {
        switch self {
        case .exited(_, let code): return "exit status \(code)"
        case .signaled(_, let signal): return "killed by signal \(signal)"
        case .spawnFailed(let reason): return "not started: \(reason)"
        }
    }
}
