import ArgumentParser
import Foundation
import GatewayCore
import GatewaySystem
import Logging
import Synchronization

/// The long-running entrypoint: applies the plan, keeps it reconciled (netlink events
/// and a periodic look for firewall drift, which raises no event), and tears down on
/// SIGTERM/SIGINT. SIGHUP re-reads the configuration.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the container entrypoint).")

    @OptionGroup var configuration: ConfigurationOptions

    @Option(help: "Seconds between periodic checks for drift that raises no netlink event (the firewall).")
    var recheckInterval: Int = 30

    func run() async throws {
        let config = try configuration.load()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "gatewayd")
        logger.logLevel = config.debug ? .debug : .info

        let events = HostEvents(recheckInterval: .seconds(recheckInterval))
        let runner = HostRunner(config: config, configuration: configuration, logger: logger)
        try runner.start()
        let kernelChanges = events.kernelChanges
        let monitor = try NetlinkMonitor { kernelChanges.changed() }
        defer { monitor.stop() }

        for await event in events.stream {
            switch event {
            case .kernelChanged, .recheck:
                if event == .kernelChanged { events.kernelChanges.acknowledge() }
                try runner.reconcile(reason: event == .recheck ? "periodic check" : "kernel change")
            case .reload:
                runner.reload()
            case .terminate(let signal):
                logger.info("received \(signal), shutting down")
                try runner.stop()
                return
            }
        }
    }
}

/// The host-plan half of `run`: one owner of the current configuration.
final class HostRunner {
    private var config: GatewayConfig
    private let configuration: ConfigurationOptions
    private let logger: Logger

    init(config: GatewayConfig, configuration: ConfigurationOptions, logger: Logger) {
        self.config = config
        self.configuration = configuration
        self.logger = logger
    }

    private var host: HostSystem { .linux(runDirectory: config.runDirectory) }

    func start() throws {
        let (key, outcome) = try HostCommand.run("loading the WireGuard key") { try KeyFile.privateKey(from: config.privateKey) }
        switch outcome {
        case .generated: logger.info("generated a WireGuard key", metadata: ["public-key": "\(key.publicKey)"])
        case .loaded, .inline: logger.info("WireGuard key ready", metadata: ["public-key": "\(key.publicKey)"])
        }
        let changes = try HostCommand.run("applying the host plan") { try Reconciler(host: host).converge(to: config) }
        log(changes, reason: "start")
    }

    /// Converges again. A firewall failure has removed gatewayd's state (fail closed) and
    /// ends the process non-zero, so the orchestrator decides what next; any other failed
    /// step is logged and retried at the next look.
    func reconcile(reason: String) throws {
        do {
            log(try Reconciler(host: host).converge(to: config, onFailure: .removeOnFirewallFailure), reason: reason)
        } catch let error as HostChangeError where !error.isFirewall {
            logger.error("reconciling (\(reason)) failed, retrying at the next change or check: \(error)")
        } catch {
            _ = try HostCommand.run("reconciling the host (\(reason))") { throw error }
        }
    }

    private func log(_ changes: [HostChange], reason: String) {
        for change in changes { logger.info("\(change)", metadata: ["reason": "\(reason)"]) }
    }

    /// Re-reads the configuration; an invalid one is reported and the running one kept.
    func reload() {
        do {
            config = try configuration.load()
            try reconcile(reason: "reload")
            logger.info("configuration reloaded")
        } catch {
            logger.error("reload rejected, keeping the running configuration: \(error)")
        }
    }

    func stop() throws {
        let changes = try HostCommand.run("tearing down") { try Reconciler(host: host).teardown() }
        for change in changes { logger.info("\(change)", metadata: ["reason": "shutdown"]) }
    }
}

/// Everything `run` reacts to, merged into one stream: netlink changes (a burst of
/// messages, our own changes among them, becomes one event), a periodic recheck, and signals.
final class HostEvents {
    enum Event: Equatable, Sendable {
        case kernelChanged, recheck, reload
        case terminate(String)
    }

    let stream: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let signalSources: [any DispatchSourceSignal]
    private let timer: any DispatchSourceTimer
    let kernelChanges: KernelChanges

    init(recheckInterval: Duration) {
        (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(8))
        kernelChanges = KernelChanges(continuation)
        let queue = DispatchQueue(label: "gatewayd.events")
        let continuation = continuation
        signalSources = [(SIGTERM, Event.terminate("SIGTERM")), (SIGINT, .terminate("SIGINT")), (SIGHUP, .reload)]
            .map { signalNumber, event in
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { continuation.yield(event) }
                source.resume()
                return source
            }
        timer = DispatchSource.makeTimerSource(queue: queue)
        let seconds = Double(recheckInterval.components.seconds)
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler { continuation.yield(.recheck) }
        timer.resume()
    }

}

/// Turns a burst of netlink messages into one `.kernelChanged` event; safe to call
/// from the monitor's thread.
final class KernelChanges: Sendable {
    private let continuation: AsyncStream<HostEvents.Event>.Continuation
    private let pending = Atomic<Bool>(false)

    init(_ continuation: AsyncStream<HostEvents.Event>.Continuation) {
        self.continuation = continuation
    }

    /// Queues one `.kernelChanged` unless one is already waiting.
    func changed() {
        if !pending.exchange(true, ordering: .acquiringAndReleasing) { continuation.yield(.kernelChanged) }
    }

    /// Called before looking at the kernel, so changes from then on queue a new look.
    func acknowledge() {
        pending.store(false, ordering: .releasing)
    }
}
