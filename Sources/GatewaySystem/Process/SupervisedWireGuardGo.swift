import GatewayCore
import Glibc

/// wireguard-go children for the userspace backend, spawned with posix_spawn like the
/// mesh daemons (one waitpid loop: the Reaper) and logged under their interface's name.
public struct SupervisedWireGuardGo: WireGuardGoLauncher {
    let launcher: ChildLauncher
    let binary: String

    public init(launcher: ChildLauncher, binary: String) {
        self.launcher = launcher
        self.binary = binary
    }

    public func start(interface: String) throws -> any WireGuardGoProcess {
        Child(pid: try launcher.spawn(name: "wireguard-go \(interface)", arguments: [binary, "-f", interface]))
    }

    struct Child: WireGuardGoProcess {
        let pid: Int32
        /// The Reaper collects its exit.
        func stop() { kill(pid, SIGTERM) }
        /// Reaped (the Reaper reaps at once), so the pid is gone.
        var hasExited: Bool { kill(pid, 0) != 0 && errno == ESRCH }
    }
}
