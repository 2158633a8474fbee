import ArgumentParser
import GatewayCore
import GatewaySystem

/// Removes gatewayd's own rules, routes and chains and restores the sysctls it changed.
struct Teardown: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove gatewayd's rules, routes and firewall chains; restore the sysctls it changed.")

    @OptionGroup var configuration: ConfigurationOptions

    func run() throws {
        let runDirectory = configuration.runDirectory()
        let changes = try HostCommand.run("tearing down") {
            try Reconciler(host: HostSystem.linux(runDirectory: runDirectory)).teardown()
        }
        for change in changes { print(change) }
        print("Removed \(changes.count) piece(s) of gatewayd state.")
    }
}
