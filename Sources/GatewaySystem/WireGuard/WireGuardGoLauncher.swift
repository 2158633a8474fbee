/// Starts one `wireguard-go -f IF` per interface. gatewayd runs as PID 1 and must own the
/// only waitpid loop, so the supervisor's posix_spawn child process implements this;
/// tests use Foundation.Process.
public protocol WireGuardGoLauncher: Sendable {
    /// Spawns `wireguard-go -f interface`; returns once spawned (readiness is the socket).
    func start(interface: String) throws -> any WireGuardGoProcess
}

/// A running wireguard-go.
public protocol WireGuardGoProcess: Sendable {
    /// SIGTERM, then reaped by whoever owns the child.
    func stop()
    /// True once it exited: readiness need not wait for a socket that will never come.
    var hasExited: Bool { get }
}
