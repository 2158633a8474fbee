/// What the supervisor needs of the system, as GatewaySystem implements it.

/// Starts and signals child processes. Exits arrive separately (the reaper owns waitpid).
public protocol ProcessLauncher: Sendable {
    /// Starts `arguments` in the foreground; its output goes to the log as `name`.
    func spawn(name: String, arguments: [String]) throws -> Int32
    func signal(_ pid: Int32, _ signal: ChildStateMachine.Signal)
}

/// Talks to the daemons' control sockets.
public protocol DaemonControl: Sendable {
    /// True once the daemon answers on its control socket.
    func isReady(_ daemon: Daemon) async -> Bool
    /// Tells a daemon about a mesh interface (`interface IF …`, `add_meshif IF` …). Returns
    /// once the daemon took the request; whether it holds the interface shows in its listing.
    func perform(_ registration: MeshRegistry.Registration) async throws -> RegistrationOutcome
    /// The interfaces the daemon itself lists (mmfd's and l3roamd's `get_meshifs`); nil for
    /// babeld, whose interfaces arrive through `watchBabel`.
    func listInterfaces(_ daemon: Daemon) async throws -> Set<String>?
    /// Follows babeld's own view (its `monitor`) until `reset(.babeld)`: `onInterface` gets
    /// every report about an interface, the initial dump's included.
    func watchBabel(onInterface: @escaping @Sendable (BabelView.InterfaceEvent) -> Void) async throws
    /// The daemon's connection is gone with it (babeld's long-lived ones must reconnect).
    func reset(_ daemon: Daemon) async
}

/// What became of a registration request.
public enum RegistrationOutcome: Sendable, Equatable {
    case sent
    /// Not sent now, and not an error: babeld before 1.14 must not flush an interface
    /// while it still has neighbours on it. Tried again later.
    case deferred(String)
}

/// One child as `gwctl status` shows it.
public struct ChildStatus: Sendable, Equatable, Codable {
    public var name: String
    public var state: String
    public var pid: Int32?
    /// Seconds the child has been ready, if it is.
    public var readyForSeconds: Double?
    public var restarts: Int
    public var consecutiveFailures: Int
    public var lastExit: String?
    public var arguments: [String]
}

/// The mesh interfaces as the daemons themselves hold them (`gwctl status`).
public struct MeshStatus: Sendable, Equatable, Codable {
    public struct DaemonRegistrations: Sendable, Equatable, Codable {
        public var name: String
        /// Interfaces the daemon lists (babeld: has up).
        public var confirmed: Int
        /// Interfaces it was sent and answered without (no such link, or it failed).
        public var missing: [String]
    }

    /// Static MESHIFS plus peer interfaces.
    public var interfaces: Int
    /// Every ready daemon.
    public var daemons: [DaemonRegistrations]
}
