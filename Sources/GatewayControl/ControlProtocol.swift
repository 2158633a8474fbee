/// gatewayd's control protocol: line-delimited JSON over a unix stream socket, one
/// definition shared by the daemon and `gwctl`. Documented in Docs/control-protocol.md.
///
/// On connect the server sends one `ControlGreeting` line; then each request line gets
/// exactly one reply line, in order, until either side closes.
public enum ControlProtocol {
    public static let version = 1
    public static let defaultSocketPath = "/run/gatewayd.sock"
    /// A request line longer than this is answered with `line-too-long` and the connection closed.
    public static let maximumRequestBytes = 4096
}

/// The first line the server writes: who answers, and which protocol it speaks.
public struct ControlGreeting: Codable, Sendable, Equatable {
    public var gatewayd: String
    public var `protocol`: Int

    public init(gatewayd: String, protocol: Int = ControlProtocol.version) {
        self.gatewayd = gatewayd
        self.protocol = `protocol`
    }
}

/// Every request there is.
public enum ControlCommand: String, Codable, Sendable, CaseIterable {
    case status
    case peers
    case peerShow = "peer-show"
    case peerRemove = "peer-remove"
    case reload
    case serviceRestart = "service-restart"
    case health
    case sweep
}

/// One request line. `version` may be left out (it means the current one); `peer`
/// selects a peer by node key or interface name; `service` names a daemon.
/// `dryRun` (`sweep` only) decides without removing anything.
public struct ControlRequest: Codable, Sendable, Equatable {
    public var version: Int?
    public var command: ControlCommand
    public var peer: String?
    public var service: String?
    /// `health` only: just check that the supervisor loop answers.
    public var liveness: Bool?
    public var dryRun: Bool?

    public init(_ command: ControlCommand, peer: String? = nil, service: String? = nil, liveness: Bool? = nil,
                dryRun: Bool? = nil) {
        version = ControlProtocol.version
        self.command = command
        self.peer = peer
        self.service = service
        self.liveness = liveness
        self.dryRun = dryRun
    }
}

/// Why a request failed; `code` is stable for scripts, `message` is for people.
public struct ControlError: Codable, Sendable, Equatable, Error {
    public enum Code: String, Codable, Sendable, CaseIterable {
        case badRequest = "bad-request"
        case unknownCommand = "unknown-command"
        case unsupportedVersion = "unsupported-version"
        case lineTooLong = "line-too-long"
        case notFound = "not-found"
        case invalidConfiguration = "invalid-configuration"
        case failed
    }

    public var code: Code
    public var message: String
    /// `invalid-configuration`: every problem, as `gatewayd check` prints them.
    public var problems: [String]?

    public init(_ code: Code, _ message: String, problems: [String]? = nil) {
        self.code = code
        self.message = message
        self.problems = problems
    }
}

/// One reply line: `ok` and the error, or the one payload the command asked for.
public struct ControlReply: Codable, Sendable, Equatable {
    public var ok: Bool
    public var error: ControlError?
    public var status: GatewayStatus?
    public var peers: [PeerStatus]?
    public var peer: PeerStatus?
    public var reload: ReloadReport?
    public var health: HealthReport?
    /// `service-restart`: the daemon restarted.
    public var restarted: String?
    public var sweep: SweepSummary?

    public init(ok: Bool = true, error: ControlError? = nil, status: GatewayStatus? = nil, peers: [PeerStatus]? = nil,
                peer: PeerStatus? = nil, reload: ReloadReport? = nil, health: HealthReport? = nil, restarted: String? = nil,
                sweep: SweepSummary? = nil) {
        self.ok = ok
        self.error = error
        self.status = status
        self.peers = peers
        self.peer = peer
        self.reload = reload
        self.health = health
        self.restarted = restarted
        self.sweep = sweep
    }

    public static func failure(_ error: ControlError) -> ControlReply { ControlReply(ok: false, error: error) }
}
