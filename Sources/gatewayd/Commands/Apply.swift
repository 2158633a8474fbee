import ArgumentParser
import GatewayCore
import GatewaySystem

/// Applies the plan once and exits; a second run reports 0 changes.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply sysctls, rules, routes and firewall once and exit (fails closed).")

    @OptionGroup var configuration: ConfigurationOptions

    func run() throws {
        let config = try configuration.load()
        let host = HostSystem.linux(runDirectory: config.runDirectory)
        let clock = ContinuousClock()
        let start = clock.now
        let changes = try HostCommand.run("applying the host plan") {
            try Reconciler(host: host).converge(to: config)
        }
        for change in changes { print(change) }
        print("Applied \(changes.count) change(s) in \(HostCommand.milliseconds(clock.now - start)).")
    }
}
