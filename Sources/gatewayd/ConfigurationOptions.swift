import ArgumentParser
import Foundation
import GatewayCore

/// `--env-file PATH` (or GATEWAYD_ENV_FILE) over the process environment: what every
/// subcommand reads its configuration from.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "wg-docker env-file; overrides the environment. Default: $GATEWAYD_ENV_FILE.")
    var envFile: String?

    var envFilePath: String? { envFile ?? ProcessInfo.processInfo.environment["GATEWAYD_ENV_FILE"] }

    /// The validated configuration; every problem goes to stderr and the process exits 78.
    func load() throws -> GatewayConfig { try loadReport().config }

    func loadReport() throws -> LoadedConfig {
        switch loadOutcome() {
        case .success(let loaded):
            for warning in loaded.warnings { Self.printError("warning: \(warning)") }
            return loaded
        case .failure(let failure):
            for line in failure.warnings + failure.problems { Self.printError(line) }
            Self.printError("gatewayd: the configuration has \(failure.problems.count) problem(s); nothing was changed.")
            throw ExitStatus.invalidConfiguration
        }
    }

    /// Every problem of an invalid configuration, worded as `gatewayd check` prints them.
    struct Invalid: Error {
        var problems: [String]
        var warnings: [String] = []
    }

    /// The configuration or its problems, printing nothing (a reload reports them to gwctl).
    func loadOutcome() -> Result<LoadedConfig, Invalid> {
        var file: (path: String, bytes: [UInt8])?
        if let path = envFilePath {
            guard let contents = FileManager.default.contents(atPath: path) else {
                return .failure(Invalid(problems: ["\(path): cannot read the env-file"]))
            }
            file = (path, Array(contents))
        }
        return ConfigLoader.load(environment: ProcessInfo.processInfo.environment, envFile: file).mapError { error in
            Invalid(problems: error.problems.map(\.description), warnings: error.warnings.map { "warning: \($0)" })
        }
    }

    /// RUNDIR even from a configuration that no longer validates: teardown must still
    /// find the record of what to restore.
    func runDirectory() -> String {
        ConfigLoader.runDirectory(environment: ProcessInfo.processInfo.environment,
                                  envFile: envFilePath.flatMap { FileManager.default.contents(atPath: $0) }.map(Array.init))
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
