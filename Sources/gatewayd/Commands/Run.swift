import ArgumentParser
import Foundation
import GatewayControl
import GatewayCore
import GatewaySystem
import Logging

/// The long-running entrypoint (the container's PID 1): applies the host plan, starts
/// babeld, mmfd and l3roamd and keeps both reconciled; answers gwctl on the control
/// socket; SIGHUP reloads, SIGTERM/SIGINT shut down in order and tear down what gatewayd
/// added.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the container entrypoint).")

    @OptionGroup var configuration: ConfigurationOptions

    @Option(help: "Seconds between periodic checks for drift that raises no netlink event (the firewall).")
    var recheckInterval: Int = 30

    func run() async throws {
        let loaded = try configuration.loadReport()
        let config = loaded.config
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "gatewayd")
        logger.logLevel = config.debug ? .debug : .info

        let events = GatewayEvents(recheckInterval: .seconds(recheckInterval))
        let runtime = GatewayRuntime(loaded: loaded, configuration: configuration, events: events.sender, logger: logger)
        let kernelChanges = events.kernelChanges
        let monitor = try NetlinkMonitor { kernelChanges.changed($0) }
        defer { monitor.stop() }
        let control = try await HostCommand.run("opening the control socket \(config.control.socketPath)") {
            try await ControlServer.start(path: config.control.socketPath, group: try ControlGroup.resolve(config.control.group),
                                          greeting: ControlGreeting(gatewayd: GatewaydVersion.current), logger: logger) {
                await runtime.respond(to: $0)
            }
        }
        var metrics: MetricsServer?
        do {
            if let address = config.control.metricsListen {
                metrics = try await HostCommand.run("opening the metrics endpoint \(address)") {
                    try await MetricsServer.start(at: address, logger: logger) { await runtime.metricsText() }
                }
            }
            try await runtime.start()
            try await serve(events, runtime: runtime, kernelChanges: kernelChanges, logger: logger)
        } catch {
            await metrics?.stop()
            await control.stop()
            throw error
        }
        await metrics?.stop()
        await control.stop()
    }

    private func serve(_ events: GatewayEvents, runtime: GatewayRuntime, kernelChanges: KernelChanges, logger: Logger) async throws {
        for await event in events.stream {
            switch event {
            case .kernelChanged:
                let batch = kernelChanges.take()
                await runtime.linksChanged(batch.links)
                if batch.everything {
                    try await runtime.reconcile(reason: "kernel change")
                } else {
                    try await runtime.reconcile(peerInterfaces: batch.peerLinks)
                }
            case .recheck:
                try await runtime.reconcile(reason: "periodic check")
                await runtime.supervisor.recheckRegistrations()
            case .reload:
                _ = try await runtime.reload()
            case .terminate(let signal):
                logger.info("received \(signal), shutting down")
                try await runtime.stop()
                return
            case .giveUp(let status, let reason):
                logger.critical("giving up (\(reason)); shutting down with status \(status)")
                try await runtime.stop()
                throw ExitCode(status)
            }
        }
    }
}
