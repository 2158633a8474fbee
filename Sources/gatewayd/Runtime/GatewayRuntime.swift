import Foundation
import GatewayControl
import GatewayCore
import GatewaySystem
import Logging

/// What `run` keeps alive: the host plan, the supervised daemons and the broker, with one
/// owner of the current configuration. Start order: key, host plan (firewall verified) →
/// babeld → mmfd and l3roamd → peers restored → broker open; stop order the reverse,
/// then teardown. An actor: the event loop and control clients both reach it.
actor GatewayRuntime {
    private(set) var loaded: LoadedConfig
    var config: GatewayConfig { loaded.config }
    private let configuration: ConfigurationOptions
    let logger: Logger
    let supervisor: Supervisor
    private let reaper: Reaper
    private let launcher: ChildLauncher
    let daemonClients: DaemonClients
    /// What `babeld -V` printed at start: which directives and removals it takes.
    let babeldVersion: BabeldVersion?
    /// MESHIFS links by the index they were last seen with: a new index is a new link.
    private var meshLinkIndices: [String: Int32] = [:]
    private(set) var broker: BrokerService?
    private(set) var publicKey = ""
    private(set) var hostPlan = HostPlanTracker()
    var uplinkStatus = UplinkStatus(state: "unchecked")
    var uplink: UplinkHysteresis
    var withdrawnRoutes: [SavedRoute] = []
    private var uplinkWatch: Task<Void, Never>?
    let startedAt = Date()
    let counters = GatewayCounters()

    init(loaded: LoadedConfig, configuration: ConfigurationOptions, events: EventSender, logger: Logger) {
        self.loaded = loaded
        self.configuration = configuration
        self.logger = logger
        let config = loaded.config
        uplink = UplinkHysteresis(failuresToDown: config.uplink.failuresToDown, successesToUp: config.uplink.successesToUp)
        launcher = ChildLauncher(logger: logger)
        babeldVersion = config.daemons.binaries[.babeld].flatMap(CommandOutput.babeldVersion(of:))
        daemonClients = DaemonClients(config: config, babelControl: config.daemons.babelControl)
        supervisor = Supervisor(
            commandLines: Self.commandLines(config, babeldVersion: babeldVersion), policy: config.daemons.restart,
            staticInterfaces: config.meshInterfaces, babelInterfaces: config.daemons.babelInterfaces,
            launcher: DaemonLauncher(launcher: launcher, babelControl: config.daemons.babelControl),
            control: MmfdSafeRemoval(wrapping: daemonClients, mmfdSocket: config.mmfdSocket), logger: logger,
            onGiveUp: { status, reason in events.send(.giveUp(status: status, reason: reason)) })
        for name in config.meshInterfaces {
            let index = Int32(if_nametoindex(name))
            if index != 0 { meshLinkIndices[name] = index }
        }
        let supervisor = self.supervisor
        reaper = Reaper { pid, status in Task { await supervisor.childExited(pid: pid, status: status) } }
    }

    static func commandLines(_ config: GatewayConfig, babeldVersion: BabeldVersion?) -> [Daemon: [String]] {
        Dictionary(uniqueKeysWithValues: config.daemons.binaries.map { daemon, binary in
            (daemon, DaemonCommandLine.arguments(for: daemon, binary: binary, config: config,
                                                 babelControl: config.daemons.babelControl, babeldVersion: babeldVersion))
        })
    }

    /// Links other than peers' appeared, changed or went: a MESHIFS interface that is new
    /// (or came back as a new link) is registered again with the daemons.
    func linksChanged(_ links: [String: Int32?]) async {
        for name in config.meshInterfaces {
            guard let seen = links[name] else { continue }
            guard let index = seen else {
                meshLinkIndices[name] = nil
                continue
            }
            guard meshLinkIndices[name] != index else { continue }
            meshLinkIndices[name] = index
            await supervisor.meshLinkAppeared(name)
        }
    }

    private var host: HostSystem { .linux(runDirectory: config.runDirectory) }

    /// Neighbour and route tables sized for MAXCONNECTIONS; a shortfall is a warning only:
    /// a gateway with fewer peers than that works.
    private func ensureKernelTableCapacity() {
        let host = self.host
        for outcome in NeighbourTableCapacity.ensure(NeighbourTableCapacity.minimums(for: config), sysctls: host.sysctls, record: host.record) {
            switch outcome {
            case .sufficient: continue
            case .raised: logger.info("~ sysctl \(outcome)")
            case .tooLow: logger.warning("\(outcome)")
            }
        }
    }

    /// Before the first child: every child inherits the limit.
    private func raiseDescriptorLimit() {
        let limit = FileDescriptorLimit.raise(toAtLeast: DescriptorBudget.wanted(for: config))
        if limit.isShort {
            logger.warning("""
                RLIMIT_NOFILE hard limit \(limit.hard) is below \(limit.wanted) (\(DescriptorBudget.perInterface) per mesh \
                interface at MAXCONNECTIONS=\(config.maxConnections) and MESHIFS, plus \(DescriptorBudget.slack)): mmfd and \
                l3roamd exit when they cannot open a socket per interface; raise it (ulimit -Hn, or nofile under ulimits \
                in docker/compose.yaml)
                """)
        } else if limit.now != limit.before {
            logger.info("RLIMIT_NOFILE raised from \(limit.before) to \(limit.now) for the daemons (\(limit.wanted) wanted)")
        }
    }

    func start() async throws {
        let config = self.config
        let (key, outcome) = try HostCommand.run("loading the WireGuard key") { try KeyFile.privateKey(from: config.privateKey) }
        publicKey = "\(key.publicKey)"
        logger.info(outcome == .generated ? "generated a WireGuard key" : "WireGuard key ready",
                    metadata: ["public-key": "\(key.publicKey)"])
        try HostCommand.run("creating RUNDIR \(config.runDirectory)") {
            try FileManager.default.createDirectory(atPath: config.runDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let (changes, plan) = try HostCommand.run("applying the host plan") {
            let reconciler = Reconciler(host: host)
            let plan = try reconciler.plan(for: config)
            return (try reconciler.converge(to: plan), plan)
        }
        hostPlan.converged(changes, toward: plan, repairing: false)
        log(changes, reason: "start")
        ensureKernelTableCapacity()
        restoreWithdrawnRoutes()
        raiseDescriptorLimit()
        await supervisor.start()
        await waitForBabeld()
        let launcher = self.launcher
        let registrar = SupervisorRegistrar(supervisor: supervisor)
        let logger = self.logger
        let counters = self.counters
        broker = try await HostCommand.run("opening the broker") {
            try await BrokerService.start(config: config, privateKey: key, launcher: launcher, registrar: registrar,
                                          counters: counters, logger: logger)
        }
        uplinkWatch = Task { await self.watchUplink() }
    }

    /// The broker opens once babeld routes (or its readiness deadline passed: peers are
    /// registered whenever it comes up, so waiting longer would only keep nodes out).
    private func waitForBabeld() async {
        let deadline = ContinuousClock.now + config.daemons.restart.readyTimeout
        while ContinuousClock.now < deadline, await !supervisor.isReady(.babeld) {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Converges again and returns what changed. A firewall failure has removed gatewayd's
    /// state (fail closed) and ends the process non-zero, after stopping the daemons; any
    /// other failed step is logged and retried at the next look.
    @discardableResult
    func reconcile(reason: String) async throws -> [HostChange] {
        let config = self.config
        return try await reconcile(reason: reason, scope: .whole(repairing: reason != "reload")) {
            let plan = try $0.plan(for: config)
            return (try $0.converge(to: plan, onFailure: .removeOnFirewallFailure), plan)
        }
    }

    /// Looks only at the settings of peer interfaces that appeared or changed.
    func reconcile(peerInterfaces names: Set<String>) async throws {
        _ = try await reconcile(reason: "peer interfaces", scope: .peerInterfaces) { (try $0.converge(interfaces: names.sorted()), nil) }
    }

    private enum LookScope {
        /// Changes found mean drift when `repairing` (see HostPlanTracker).
        case whole(repairing: Bool)
        /// Not drift (the plan grows with the broker's peers), and no verdict on the whole
        /// plan: its success must not clear a failure the last whole look found.
        case peerInterfaces
    }

    /// `converge` returns the changes and, for a whole look, the plan it converged to.
    private func reconcile(reason: String, scope: LookScope,
                           _ converge: (Reconciler) throws -> (changes: [HostChange], plan: HostPlan?)) async throws -> [HostChange] {
        let started = ContinuousClock.now
        var failed = true
        defer { counters.reconciled(seconds: (ContinuousClock.now - started).seconds, failed: failed) }
        do {
            let (changes, plan) = try converge(Reconciler(host: host))
            failed = false
            if case .whole(let repairing) = scope, let plan { hostPlan.converged(changes, toward: plan, repairing: repairing) }
            log(changes, reason: reason)
            return changes
        } catch let error as HostChangeError where !error.isFirewall {
            hostPlan.failed("\(error)")
            logger.error("reconciling (\(reason)) failed, retrying at the next change or check: \(error)")
            return []
        } catch {
            hostPlan.failed("\(error)")
            uplinkWatch?.cancel()
            restoreWithdrawnRoutes()
            await stopBrokerAndDaemons()
            _ = try HostCommand.run("reconciling the host (\(reason))") { throw error }
            return []
        }
    }

    /// Re-reads the configuration; an invalid one is reported and the running one kept.
    /// Only what changed is applied: the host plan's difference, the broker's limits and
    /// key lists, and a restart of exactly the daemons whose command line changed.
    func reload() async throws -> Result<ReloadReport, ControlError> {
        let fresh: LoadedConfig
        switch configuration.loadOutcome() {
        case .success(let value): fresh = value
        case .failure(let invalid):
            logger.error("reload rejected, keeping the running configuration: \(invalid.problems.joined(separator: "; "))")
            return .failure(ControlError(.invalidConfiguration, "the configuration has \(invalid.problems.count) problem(s); the running one stays",
                                         problems: invalid.problems))
        }
        let before = ConfigReport.values(of: config)
        let after = ConfigReport.values(of: fresh.config)
        let changed = after.keys.filter { before[$0] != after[$0] }.sorted()
        var deferred: [String] = []
        if fresh.config.daemons.binaries.keys != config.daemons.binaries.keys || fresh.config.daemons.restart != config.daemons.restart {
            deferred.append("enabling or disabling a daemon or changing the restart policy takes effect at the next start")
        }
        for (name, differs) in Self.startOnly where differs(config, fresh.config) {
            deferred.append("\(name) takes effect at the next start")
        }
        loaded = fresh
        let changes = try await reconcile(reason: "reload")
        ensureKernelTableCapacity()
        await broker?.reload(config: fresh.config)
        let lines = fresh.config.daemons.babelInterfaces
        daemonClients.update(babelInterfaces: lines, staticInterfaces: fresh.config.meshInterfaces)
        let peerOptionsChanged = await supervisor.update(staticInterfaces: fresh.config.meshInterfaces, babelInterfaces: lines)
        var restarted = await supervisor.update(commandLines: Self.commandLines(fresh.config, babeldVersion: babeldVersion))
        // babeld keeps an interface's options for as long as it has it: new peer options
        // reach the existing tunnels only through a restart, which hands every one over.
        if peerOptionsChanged && !restarted.contains(.babeld), await supervisor.restart(.babeld) { restarted.append(.babeld) }
        logger.info("configuration reloaded", metadata: ["changed": "\(changed)", "restarted": "\(restarted.map(\.rawValue))"])
        for note in deferred { logger.warning("\(note)") }
        return .success(ReloadReport(changedVariables: changed, hostChanges: changes.map(\.description),
                                     restarted: restarted.map(\.rawValue), deferred: deferred))
    }

    /// Settings read once at start: a reload records them but cannot apply them live.
    private static let startOnly: [(String, @Sendable (GatewayConfig, GatewayConfig) -> Bool)] = [
        ("BROKERPORT", { $0.brokerPort != $1.brokerPort }),
        ("WG_BACKEND", { $0.broker.backend != $1.broker.backend }),
        ("WGSECRET/PRIVATEKEY", { $0.privateKey != $1.privateKey }),
        ("STATEDIR", { $0.stateDirectory != $1.stateDirectory }),
        ("RUNDIR", { $0.runDirectory != $1.runDirectory }),
        ("CONTROLSOCKET/CONTROLGROUP", { $0.control.socketPath != $1.control.socketPath || $0.control.group != $1.control.group }),
        ("METRICS_LISTEN", { $0.control.metricsListen != $1.control.metricsListen }),
    ]

    func stop() async throws {
        uplinkWatch?.cancel()
        restoreWithdrawnRoutes()
        await stopBrokerAndDaemons()
        let changes = try HostCommand.run("tearing down") { try Reconciler(host: host).teardown() }
        log(changes, reason: "shutdown")
    }

    /// The broker closes first (no new peers), then the daemons stop while the peer
    /// interfaces still exist: babeld sends its retractions over them (and waits for them
    /// to go out, shutdown-delay-ms), and mmfd never forwards onto a deregistered
    /// interface. The interfaces go last; their records stay for the next start.
    private func stopBrokerAndDaemons() async {
        await broker?.close()
        await supervisor.stopAll()
        await broker?.removePeers()
        broker = nil
    }

    private func log(_ changes: [HostChange], reason: String) {
        for change in changes { logger.info("\(change)", metadata: ["reason": "\(reason)"]) }
    }
}
