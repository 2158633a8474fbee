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
    /// Interfaces on each daemon's command line (MESHIFS); the rest are handed over at spawn.
    private var staticInterfaces: Set<String>
    private var babelInterfaces: BabelInterfaceLines
    /// What each running child was given on its command line at spawn.
    private var handedOver: [Daemon: Set<String>] = [:]
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
    /// How much longer a start may take per interface handed over: babeld sleeps about
    /// 10 ms per interface twice before it serves its control socket (babeld.c: the jitter
    /// before its first hellos), and mmfd and l3roamd set up each `-i`/`-m` first.
    static let startupAllowancePerInterface: Duration = .milliseconds(25)
    /// How long a deferred one waits (babeld's neighbours on it time out in about a minute).
    static let deferredRetry: Duration = .seconds(5)
    static let readinessPollInterval: Duration = .milliseconds(100)

    public init(
        commandLines: [Daemon: [String]], policy: RestartPolicy, staticInterfaces: [String],
        babelInterfaces: BabelInterfaceLines = BabelInterfaceLines(), launcher: any ProcessLauncher, control: any DaemonControl, logger: Logger,
        onGiveUp: @escaping @Sendable (Int32, String) -> Void
    ) {
        for (daemon, arguments) in commandLines {
            children[daemon] = Child(machine: ChildStateMachine(policy: policy, stopSignal: daemon.stopSignal), arguments: arguments)
        }
        registry = MeshRegistry(staticInterfaces: staticInterfaces)
        self.staticInterfaces = Set(staticInterfaces)
        self.babelInterfaces = babelInterfaces
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

    /// MESHIFS or babeld's interface options changed (reload): the registry follows; the
    /// daemons, whose command lines name the static interfaces, are restarted by
    /// `update(commandLines:)`. Returns whether the peer tunnels' options changed, which
    /// babeld applies only to interfaces it does not have yet.
    public func update(staticInterfaces names: [String], babelInterfaces lines: BabelInterfaceLines) -> Bool {
        let fresh = Set(names)
        for gone in staticInterfaces.subtracting(fresh) { _ = registry.remove(gone) }
        for name in names where !staticInterfaces.contains(name) { _ = registry.add(name) }
        staticInterfaces = fresh
        let peerOptionsChanged = lines.peerOptions != babelInterfaces.peerOptions
        babelInterfaces = lines
        flushAll()
        return peerOptionsChanged
    }

    /// A mesh interface's link appeared (created, or deleted and created again).
    public func meshLinkAppeared(_ name: String) {
        guard !registry.linkAppeared(name).isEmpty else { return }
        logger.info("\(name) appeared; registering it again")
        flushAll()
    }

    /// The periodic look: asks each listing daemon what it holds and sends again what it
    /// dropped (a link that came back while its event was missed).
    public func recheckRegistrations() async {
        for daemon in children.keys.sorted() where isReady(daemon) {
            await list(daemon)
        }
        if !registry.retryMissing().isEmpty { flushAll() }
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

    /// What each ready daemon holds by its own account, and what it answered without.
    public func meshStatus() -> MeshStatus {
        let confirmed = registry.confirmedCounts()
        let missing = registry.missing()
        return MeshStatus(interfaces: registry.interfaces.count, daemons: confirmed.keys.sorted().map { daemon in
            MeshStatus.DaemonRegistrations(name: daemon.rawValue, confirmed: confirmed[daemon] ?? 0, missing: missing[daemon] ?? [])
        })
    }

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
            // The whole current set at once: one parse at start instead of a round trip
            // (and, for babeld, an interface check) per interface.
            let handover = registry.interfaces.filter { !staticInterfaces.contains($0) }
            handedOver[daemon] = staticInterfaces.union(handover)
            do {
                let pid = try launcher.spawn(
                    name: daemon.rawValue,
                    arguments: arguments + DaemonCommandLine.handover(peers: handover, to: daemon, lines: babelInterfaces))
                logger.info("started \(daemon)", metadata: ["pid": "\(pid)"])
                let allowance = Self.startupAllowancePerInterface * handover.count
                send(daemon) { $0.spawned(pid: pid, now: $1, allowance: allowance) }
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
            let sent = registry.daemonReady(daemon, handedOver: handedOver[daemon] ?? []).count
            logger.info("\(daemon) is ready; \(registry.interfaces.count) mesh interface(s), \(sent) to register now")
            if daemon == .babeld {
                Task { await watchBabel() }
            } else {
                Task { await flush(daemon) }
            }
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

    /// Follows babeld's monitor, then sends what babeld still lacks. Without the monitor
    /// nothing could confirm babeld's registrations: retried like a failed registration.
    private func watchBabel() async {
        do {
            try await control.watchBabel { event in Task { await self.babelReported(event) } }
        } catch {
            logger.warning("following babeld's monitor failed, retrying: \(error)")
            if isReady(.babeld) { retry(after: Self.registrationRetry) { await $0.watchBabel() } }
            return
        }
        await flush(.babeld)
    }

    private func babelReported(_ event: BabelView.InterfaceEvent) {
        switch event {
        case .reported(let name, let up): registry.babelReported(name, up: up)
        case .forgotten(let name): if !registry.babelForgot(name).isEmpty { flushAll() }
        }
    }

    /// A listing daemon's own list settles what was sent to it.
    private func list(_ daemon: Daemon) async {
        do {
            guard let names = try await control.listInterfaces(daemon) else { return }
            registry.listed(daemon, names)
        } catch {
            logger.warning("asking \(daemon) for its interfaces failed: \(error)")
        }
    }

    /// Sends a daemon's pending registrations in order, then asks it what it holds. A
    /// failure waits and tries again; a deferred one is skipped and tried again later.
    private func flush(_ daemon: Daemon) async {
        guard !flushing.contains(daemon) else { return }
        flushing.insert(daemon)
        defer { flushing.remove(daemon) }
        var deferred = false
        while true {
            let batch = registry.pending.filter { $0.daemon == daemon && !(deferred && $0.kind == .remove) }
            if batch.isEmpty && !registry.awaitsListing(daemon) { break }
            for registration in batch {
                do {
                    switch try await control.perform(registration) {
                    case .sent:
                        registry.sent(registration)
                        logger.debug("\(registration)")
                    case .deferred(let reason):
                        deferred = true
                        logger.debug("\(registration) deferred: \(reason)")
                    }
                } catch {
                    logger.warning("\(registration) failed, retrying: \(error)")
                    retry(after: Self.registrationRetry) { await $0.flush(daemon) }
                    return
                }
            }
            guard registry.awaitsListing(daemon) else { continue }
            if daemon == .babeld { break }  // its monitor confirms
            await list(daemon)
            if registry.awaitsListing(daemon) { break }  // the listing failed: the recheck asks again
        }
        if deferred { retry(after: Self.deferredRetry) { await $0.flush(daemon) } }
    }

    private func retry(after delay: Duration, _ work: @escaping @Sendable (Supervisor) async -> Void) {
        Task {
            try? await Task.sleep(for: delay)
            await work(self)
        }
    }
}
