import Foundation
import GatewayCore
import GatewaySystem
import Logging

/// What `run` keeps alive: the host plan, the supervised daemons and the broker, with one
/// owner of the current configuration. Start order: key, host plan (firewall verified) →
/// babeld → mmfd and l3roamd → peers restored → broker open; stop order the reverse,
/// then teardown.
final class GatewayRuntime {
    private var config: GatewayConfig
    private let configuration: ConfigurationOptions
    private let logger: Logger
    private let supervisor: Supervisor
    private let reaper: Reaper
    private let launcher: ChildLauncher
    private var broker: BrokerService?

    init(config: GatewayConfig, configuration: ConfigurationOptions, events: EventSender, logger: Logger) {
        self.config = config
        self.configuration = configuration
        self.logger = logger
        launcher = ChildLauncher(logger: logger)
        supervisor = Supervisor(
            commandLines: Self.commandLines(config), policy: config.daemons.restart,
            staticInterfaces: config.meshInterfaces,
            launcher: DaemonLauncher(launcher: launcher, babelControl: config.daemons.babelControl),
            control: DaemonClients(config: config, babelControl: config.daemons.babelControl), logger: logger,
            onGiveUp: { status, reason in events.send(.giveUp(status: status, reason: reason)) })
        let supervisor = self.supervisor
        reaper = Reaper { pid, status in Task { await supervisor.childExited(pid: pid, status: status) } }
    }

    static func commandLines(_ config: GatewayConfig) -> [Daemon: [String]] {
        Dictionary(uniqueKeysWithValues: config.daemons.binaries.map { daemon, binary in
            (daemon, DaemonCommandLine.arguments(for: daemon, binary: binary, config: config,
                                                 babelControl: config.daemons.babelControl))
        })
    }

    private var host: HostSystem { .linux(runDirectory: config.runDirectory) }

    func start() async throws {
        let (key, outcome) = try HostCommand.run("loading the WireGuard key") { try KeyFile.privateKey(from: config.privateKey) }
        logger.info(outcome == .generated ? "generated a WireGuard key" : "WireGuard key ready",
                    metadata: ["public-key": "\(key.publicKey)"])
        try HostCommand.run("creating RUNDIR \(config.runDirectory)") {
            try FileManager.default.createDirectory(atPath: config.runDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let changes = try HostCommand.run("applying the host plan") { try Reconciler(host: host).converge(to: config) }
        log(changes, reason: "start")
        await supervisor.start()
        await waitForBabeld()
        broker = try await HostCommand.run("opening the broker") {
            try await BrokerService.start(config: config, privateKey: key, launcher: launcher,
                                          registrar: SupervisorRegistrar(supervisor: supervisor), logger: logger)
        }
    }

    /// The broker opens once babeld routes (or its readiness deadline passed: peers are
    /// registered whenever it comes up, so waiting longer would only keep nodes out).
    private func waitForBabeld() async {
        let deadline = ContinuousClock.now + config.daemons.restart.readyTimeout
        while ContinuousClock.now < deadline, await !supervisor.isReady(.babeld) {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Converges again. A firewall failure has removed gatewayd's state (fail closed) and
    /// ends the process non-zero, after stopping the daemons; any other failed step is
    /// logged and retried at the next look.
    func reconcile(reason: String) async throws {
        do {
            log(try Reconciler(host: host).converge(to: config, onFailure: .removeOnFirewallFailure), reason: reason)
        } catch let error as HostChangeError where !error.isFirewall {
            logger.error("reconciling (\(reason)) failed, retrying at the next change or check: \(error)")
        } catch {
            await broker?.stop()
            await supervisor.stopAll()
            _ = try HostCommand.run("reconciling the host (\(reason))") { throw error }
        }
    }

    /// Re-reads the configuration; an invalid one is reported and the running one kept.
    /// Only what changed is applied: the host plan's difference, and a restart of exactly
    /// the daemons whose command line changed.
    func reload() async {
        let fresh: GatewayConfig
        do { fresh = try configuration.load() } catch {
            logger.error("reload rejected, keeping the running configuration")
            return
        }
        if fresh.daemons.binaries.keys != config.daemons.binaries.keys || fresh.daemons.restart != config.daemons.restart {
            logger.warning("enabling or disabling a daemon or changing the restart policy takes effect at the next start")
        }
        config = fresh
        do { try await reconcile(reason: "reload") } catch {
            logger.error("reload failed: \(error)")
            return
        }
        await broker?.reload(config: fresh)
        let restarted = await supervisor.update(commandLines: Self.commandLines(fresh))
        logger.info("configuration reloaded", metadata: ["restarted": "\(restarted.map(\.rawValue))"])
    }

    func stop() async throws {
        await broker?.stop()
        await supervisor.stopAll()
        let changes = try HostCommand.run("tearing down") { try Reconciler(host: host).teardown() }
        log(changes, reason: "shutdown")
    }

    private func log(_ changes: [HostChange], reason: String) {
        for change in changes { logger.info("\(change)", metadata: ["reason": "\(reason)"]) }
    }
}
