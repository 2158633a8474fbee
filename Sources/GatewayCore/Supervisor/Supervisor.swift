import Logging

/// The one owner of the children's state machines and the mesh-interface registry.
/// It performs the actions the state machines return; exits, timers, readiness and
/// registrations all come back in as calls on this actor.
public actor Supervisor {
    struct Child {
        var machine: ChildStateMachine
        var arguments: [String]
    }

    private var children: [Daemon: Child] = [:]
    private var registry: MeshRegistry
    private var flushing: Set<Daemon> = []
    private var dependentsStarted = false
    private var stopping = false
    private let launcher: any ProcessLauncher
    private let control: any DaemonControl
    private let logger: Logger
    private let clock = ContinuousClock()
    /// Called when a child keeps failing and the policy says to exit the container.
    private let onGiveUp: @Sendable (Int32, String) -> Void

    /// How long a failed registration waits before it is tried again.
    static let registrationRetry: Duration = .seconds(1)
    static let readinessPollInterval: Duration = .milliseconds(100)

    public init(
        commandLines: [Daemon: [String]], policy: RestartPolicy, staticInterfaces: [String],
        launcher: any ProcessLauncher, control: any DaemonControl, logger: Logger,
        onGiveUp: @escaping @Sendable (Int32, String) -> Void
    ) {
        for (daemon, arguments) in commandLines {
            children[daemon] = Child(machine: ChildStateMachine(policy: policy, stopSignal: daemon.stopSignal), arguments: arguments)
        }
        registry = MeshRegistry(staticInterfaces: staticInterfaces)
        self.launcher = launcher
        self.control = control
        self.logger = logger
        self.onGiveUp = onGiveUp
    }

    // MARK: Inputs

    /// Starts babeld (or, without babeld, everything); the others follow once babeld is ready.
    public func start() {
        let first: [Daemon] = children[.babeld] != nil ? [.babeld] : children.keys.sorted()
        dependentsStarted = children[.babeld] == nil
        for daemon in first { send(daemon) { $0.start(now: $1) } }
    }

    /// From the reaper: a child process ended. Unknown pids (orphans) are ignored.
    public func childExited(pid: Int32, status: ExitStatus) {
        guard let daemon = children.first(where: { $0.value.machine.pid == pid })?.key else { return }
        if case .stopping = children[daemon]?.machine.state {
            logger.info("\(daemon) stopped (\(status))", metadata: ["pid": "\(pid)"])
        } else {
            logger.warning("\(daemon) \(status)", metadata: ["pid": "\(pid)"])
        }
        send(daemon) { $0.exited(status, now: $1) }
    }

    public func addMeshInterface(_ name: String) {
        _ = registry.add(name)
        flushAll()
    }

    public func removeMeshInterface(_ name: String) {
        _ = registry.remove(name)
        flushAll()
    }

    /// Applies new command lines (reload): a changed child is restarted, the rest untouched.
    /// Returns the daemons that were restarted.
    public func update(commandLines: [Daemon: [String]]) async -> [Daemon] {
        var restarted: [Daemon] = []
        for (daemon, arguments) in commandLines.sorted(by: { $0.key < $1.key })
        where children[daemon] != nil && children[daemon]?.arguments != arguments {
            children[daemon]?.arguments = arguments
            await stop(daemon)
            send(daemon) { $0.start(now: $1) }
            restarted.append(daemon)
        }
        return restarted
    }

    /// Restarts one child on request (`gwctl services restart NAME`).
    public func restart(_ daemon: Daemon) async -> Bool {
        guard children[daemon] != nil else { return false }
        await stop(daemon)
        send(daemon) { $0.start(now: $1) }
        return true
    }

    /// Ordered shutdown: l3roamd, mmfd, then babeld; each gets SIGTERM, then SIGKILL
    /// after the stop timeout.
    public func stopAll() async {
        stopping = true
        for daemon in Daemon.allCases.reversed() where children[daemon] != nil {
            await stop(daemon)
        }
    }

    public func status() -> [ChildStatus] {
        let now = clock.now
        return children.sorted { $0.key < $1.key }.map { daemon, child in
            var readyFor: Double?
            let state: String
            switch child.machine.state {
            case .down: state = "down"
            case .starting: state = "starting"
            case .ready(_, let since):
                state = "ready"
                readyFor = Double((now - since).components.seconds)
            case .stopping: state = "stopping"
            case .backoff: state = "backoff"
            case .failed(let reason): state = "failed: \(reason)"
            }
            return ChildStatus(name: daemon.rawValue, state: state, pid: child.machine.pid, readyForSeconds: readyFor,
                               restarts: child.machine.restarts, consecutiveFailures: child.machine.consecutiveFailures,
                               lastExit: child.machine.lastExit?.description, arguments: child.arguments)
        }
    }

    public func isReady(_ daemon: Daemon) -> Bool {
        if case .ready = children[daemon]?.machine.state { return true }
        return false
    }

    public var meshInterfaces: [String] { registry.interfaces }

    public func registrations(of interface: String) -> [Daemon] { registry.daemons(registering: interface) }

    /// Every mesh interface with the daemons holding it now, in one call (thousands of peers).
    public func registrationsByInterface() -> [String: [Daemon]] {
        Dictionary(uniqueKeysWithValues: registry.interfaces.map { ($0, registry.daemons(registering: $0)) })
    }

    // MARK: Performing actions

    private func stop(_ daemon: Daemon) async {
        send(daemon) { $0.stop(now: $1) }
        let timeout = (children[daemon]?.machine.policy.stopTimeout ?? .seconds(10)) + .seconds(2)
        let deadline = clock.now + timeout
        while clock.now < deadline, let state = children[daemon]?.machine.state, state != .down {
            if case .failed = state { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Feeds one input to a child's machine and performs what it returns.
    private func send(_ daemon: Daemon, _ input: (inout ChildStateMachine, ContinuousClock.Instant) -> [ChildStateMachine.Action]) {
        guard children[daemon] != nil else { return }
        let actions = input(&children[daemon]!.machine, clock.now)
        for action in actions { perform(action, for: daemon) }
    }

    private func perform(_ action: ChildStateMachine.Action, for daemon: Daemon) {
        switch action {
        case .spawn:
            guard !stopping, let arguments = children[daemon]?.arguments else { return }
            do {
                let pid = try launcher.spawn(name: daemon.rawValue, arguments: arguments)
                logger.info("started \(daemon)", metadata: ["pid": "\(pid)"])
                send(daemon) { $0.spawned(pid: pid, now: $1) }
            } catch {
                logger.error("could not start \(daemon): \(error)")
                send(daemon) { $0.spawnFailed(reason: "\(error)", now: $1) }
            }
        case .probeReadiness:
            guard let pid = children[daemon]?.machine.pid else { return }
            Task { await self.probe(daemon, pid: pid) }
        case .signal(let pid, let signal):
            launcher.signal(pid, signal)
        case .schedule(let timer, let instant):
            Task {
                try? await Task.sleep(until: instant, clock: ContinuousClock())
                self.timerFired(timer, for: daemon)
            }
        case .replayMeshInterfaces:
            logger.info("\(daemon) is ready; registering \(registry.interfaces.count) mesh interface(s)")
            _ = registry.daemonReady(daemon)
            Task { await flush(daemon) }
            if daemon == .babeld && !dependentsStarted {
                dependentsStarted = true
                for dependent in children.keys.sorted() where dependent.dependsOnBabeld {
                    send(dependent) { $0.start(now: $1) }
                }
            }
        case .forgetRegistrations:
            registry.daemonDown(daemon)
            Task { await control.reset(daemon) }
        case .reportFailed(let reason):
            logger.critical("\(daemon) failed: \(reason)")
        case .exitContainer(let status, let reason):
            logger.critical("\(daemon) failed: \(reason); shutting down")
            onGiveUp(status, "\(daemon) \(reason)")
        }
    }

    private func timerFired(_ timer: ChildStateMachine.Timer, for daemon: Daemon) {
        if timer == .readinessDeadline, case .starting = children[daemon]?.machine.state {
            logger.error("\(daemon) did not become ready in time; killing it")
        }
        send(daemon) { $0.timerFired(timer, now: $1) }
    }

    /// Polls the control socket until the child answers, dies, or is replaced.
    private func probe(_ daemon: Daemon, pid: Int32) async {
        while case .starting(let current, _) = children[daemon]?.machine.state, current == pid {
            if await control.isReady(daemon) {
                send(daemon) { $0.ready(now: $1) }
                return
            }
            try? await Task.sleep(for: Self.readinessPollInterval)
        }
    }

    private func flushAll() {
        for daemon in children.keys { Task { await flush(daemon) } }
    }

    /// Sends a daemon's pending registrations in order; on failure waits and tries again.
    private func flush(_ daemon: Daemon) async {
        guard !flushing.contains(daemon) else { return }
        flushing.insert(daemon)
        defer { flushing.remove(daemon) }
        while let next = registry.pending.first(where: { $0.daemon == daemon }) {
            do {
                try await control.perform(next)
                registry.confirmed(next)
                logger.debug("\(next)")
            } catch {
                logger.warning("\(next) failed, retrying: \(error)")
                Task {
                    try? await Task.sleep(for: Self.registrationRetry)
                    await self.flush(daemon)
                }
                return
            }
        }
    }
}
