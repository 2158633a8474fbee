import ArgumentParser
import Foundation
import GatewayCore

/// Validates the configuration and prints it resolved, secrets redacted.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and print it resolved (secrets redacted); exit 78 if invalid.")

    @OptionGroup var configuration: ConfigurationOptions

    @Flag(help: "Print the resolved configuration as JSON.")
    var json = false

    func run() throws {
        let report = ConfigReport(try configuration.loadReport())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
            print("Configuration valid.")
        }
    }
}
