import ArgumentParser
import GatewayCore

/// Lists every configuration variable (the table in Docs/configuration.md).
struct Variables: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every configuration variable with its default.")

    func run() {
        print(ConfigVariable.markdownTable())
    }
}
