import ArgumentParser
import GatewayControl

/// gwctl: the operator's view into a running gatewayd, and the container's health probe.
/// Exit statuses: 0 success, 1 unhealthy or not found, 2 gatewayd unreachable, 64 usage,
/// 78 a reload rejected for an invalid configuration.
@main
struct Gwctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gwctl",
        abstract: "Ask a running gatewayd: status, peers, reload, services, health.",
        subcommands: [Status.self, Peers.self, Reload.self, Services.self, Health.self]
    )

    /// Accepted before the subcommand too (`gwctl --socket S status`); the leaves read it.
    @OptionGroup var client: ClientOptions
}

/// --socket, --json and --timeout, shared by every leaf command.
struct ClientOptions: ParsableArguments {
    @Option(help: "gatewayd's control socket. Default: $GATEWAYD_CONTROL_SOCKET or \(ControlProtocol.defaultSocketPath).")
    var socket: String?

    @Flag(help: "Print the reply as JSON (for scripts).")
    var json = false

    @Option(help: "Seconds to wait for gatewayd's answer.")
    var timeout: Int = 10

    var socketPath: String {
        socket ?? ProcessInfoEnvironment.value("GATEWAYD_CONTROL_SOCKET") ?? ControlProtocol.defaultSocketPath
    }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    /// `peer-show` / `peer-remove`: the peer the reply names.
    func peer(_ command: ControlCommand, _ selector: String) throws -> PeerStatus {
        try send(ControlRequest(command, peer: selector), expecting: \.peer)
    }

    /// Sends one request and returns the payload its command answers with.
    func send<Payload>(_ request: ControlRequest, expecting payload: KeyPath<ControlReply, Payload?>) throws -> Payload {
        guard let value = try send(request)[keyPath: payload] else { throw GwctlExit.unhealthy }
        return value
    }

    /// A payload as JSON with --json, else as `text` renders it for people.
    func show<Payload: Encodable>(_ payload: Payload, _ text: (Payload) -> String) throws {
        if json { try Output.json(payload) } else { Output.line(text(payload)) }
    }

    /// Sends one request and returns the successful reply; failures exit with their status.
    func send(_ request: ControlRequest) throws -> ControlReply {
        let reply: ControlReply
        do {
            reply = try ControlClient(path: socketPath, timeout: .seconds(timeout)).send(request)
        } catch let error as ControlClient.Unreachable {
            Output.error("gwctl: \(error)")
            throw GwctlExit.unreachable
        }
        guard reply.ok else {
            let error = reply.error ?? ControlError(.failed, "gatewayd answered without a reason")
            Output.error("gwctl: \(error.message)")
            for problem in error.problems ?? [] { Output.error(problem) }
            throw GwctlExit.status(for: error.code)
        }
        return reply
    }
}

enum GwctlExit {
    static let unhealthy = ExitCode(1)
    static let unreachable = ExitCode(2)
    static let invalidConfiguration = ExitCode(78)

    static func status(for code: ControlError.Code) -> ExitCode {
        switch code {
        case .invalidConfiguration: return invalidConfiguration
        case .badRequest, .unknownCommand, .unsupportedVersion, .lineTooLong: return ExitCode(64)
        case .notFound, .failed: return unhealthy
        }
    }
}
