/// Where a configuration value came from.
public enum ValueSource: Sendable, Equatable, CustomStringConvertible {
    case file(path: String, line: Int)
    case environment
    case defaultValue

    public var description: String {
        switch self {
        case .file(let path, let line): return "\(path):\(line)"
        case .environment: return "environment"
        case .defaultValue: return "default"
        }
    }
}

/// One problem (or warning) in the configuration, printed as
/// `env-file:12: CLIENTPREFIX: "fda9::/129" is not an IPv6 prefix`.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// `path:line`, `path`, or `environment`.
    public var location: String
    public var variable: String?
    public var message: String

    public init(location: String, variable: String?, message: String) {
        self.location = location
        self.variable = variable
        self.message = message
    }

    public var description: String {
        [location, variable, message].compactMap { $0 }.joined(separator: ": ")
    }
}

/// Every problem of a configuration, reported at once.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public var warnings: [ConfigProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A valid configuration with what the loader noticed on the way.
public struct LoadedConfig: Sendable, Equatable {
    public var config: GatewayConfig
    public var warnings: [ConfigProblem]
    /// Variable name → where its value came from (absent: default).
    public var sources: [String: ValueSource]
    /// The env-file, if one was read.
    public var envFilePath: String?
}
