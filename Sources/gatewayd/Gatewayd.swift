import ArgumentParser

/// gatewayd: the Freifunk mesh gateway supervisor. Each subcommand is one small struct.
@main
struct Gatewayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Freifunk mesh gateway supervisor: host network state, babeld/mmfd/l3roamd, WireGuard broker.",
        version: GatewaydVersion.current,
        subcommands: [Check.self, Plan.self, Apply.self, Teardown.self, Run.self, Variables.self],
        defaultSubcommand: Run.self
    )
}

enum GatewaydVersion {
    static let current = "0.1.0"
}

/// Exit statuses shared by every subcommand (sysexits.h where one fits).
enum ExitStatus {
    /// EX_CONFIG: the configuration is invalid.
    static let invalidConfiguration = ExitCode(78)
    /// A host step failed; gatewayd removed its state again (fail closed).
    static let hostStepFailed = ExitCode(1)
}
