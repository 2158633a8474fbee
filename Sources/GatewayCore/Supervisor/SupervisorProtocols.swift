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
    /// Tells a daemon about a mesh interface (`interface IF …`, `add_meshif IF` …).
    func perform(_ registration: MeshRegistry.Registration) async throws
    /// The daemon's connection is gone with it (babeld's long-lived one must reconnect).
    func reset(_ daemon: Daemon) async
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
