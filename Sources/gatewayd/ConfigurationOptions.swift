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
        var file: (path: String, contents: String)?
        if let path = envFilePath {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                Self.printError("\(path): cannot read the env-file")
                throw ExitStatus.invalidConfiguration
            }
            file = (path, contents)
        }
        switch ConfigLoader.load(environment: ProcessInfo.processInfo.environment, envFile: file) {
        case .success(let loaded):
            for warning in loaded.warnings { Self.printError("warning: \(warning)") }
            return loaded
        case .failure(let error):
            for warning in error.warnings { Self.printError("warning: \(warning)") }
            for problem in error.problems { Self.printError(problem.description) }
            Self.printError("gatewayd: the configuration has \(error.problems.count) problem(s); nothing was changed.")
            throw ExitStatus.invalidConfiguration
        }
    }

    /// RUNDIR even from a configuration that no longer validates: teardown must still
    /// find the record of what to restore.
    func runDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        let fromFile = envFilePath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            .flatMap { EnvFile(parsing: $0).entries.last { $0.key == "RUNDIR" }?.value }
        return fromFile ?? environment["RUNDIR"] ?? GatewayConfig.Defaults.runDirectory
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
