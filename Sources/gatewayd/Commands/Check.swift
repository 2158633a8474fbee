import ArgumentParser
import Foundation
import GatewayCore
import GatewaySystem

/// Validates the configuration and prints it resolved, secrets redacted.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and print it resolved (secrets redacted); exit 78 if invalid.")

    @OptionGroup var configuration: ConfigurationOptions

    @Flag(help: "Print the resolved configuration as JSON.")
    var json = false

    func run() throws {
        let loaded = try configuration.loadReport()
        let report = ConfigReport(loaded)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
            print("Configuration valid.")
        }
        reportKernelTableCapacity(loaded.config)
    }

    /// The neighbour and route tables against MAXCONNECTIONS, on stderr: warnings, never a failure.
    private func reportKernelTableCapacity(_ config: GatewayConfig) {
        let sysctls = ProcSysctl()
        for outcome in NeighbourTableCapacity.inspect(NeighbourTableCapacity.minimums(for: config), sysctls: sysctls,
                                                      isWritable: sysctls.isWritable) {
            switch outcome {
            case .sufficient: continue
            case .raised(let key, let from, let to):
                FileHandle.standardError.write(Data("note: \(key) is \(from); gatewayd run raises it to \(to) for MAXCONNECTIONS mesh interfaces\n".utf8))
            case .tooLow: FileHandle.standardError.write(Data("warning: \(outcome)\n".utf8))
            }
        }
    }
}
