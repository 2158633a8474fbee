import ArgumentParser
import GatewayCore
import GatewaySystem

/// Prints what `apply` would change against the live kernel; changes nothing.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what apply would change; change nothing.")

    @OptionGroup var configuration: ConfigurationOptions

    func run() throws {
        let config = try configuration.load()
        let host = HostSystem.linux(runDirectory: config.runDirectory)
        let changes = try HostCommand.run("reading the host") {
            try Reconciler(host: host).changes(for: config)
        }
        print(changes.isEmpty ? "No changes: the host matches the plan." : changes.map(\.description).joined(separator: "\n"))
        if !changes.isEmpty { print("\(changes.count) change(s) pending.") }
    }
}
