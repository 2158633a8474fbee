import Foundation
import GatewayCore
import GatewaySystem

/// Spawns the daemons, first removing what a killed predecessor left behind: babeld
/// does not remove a stale control socket and then refuses to start ("Address already
/// in use"). mmfd and l3roamd unlink theirs themselves.
struct DaemonLauncher: ProcessLauncher {
    let launcher: ChildLauncher
    let babelControl: BabelControlEndpoint

    func spawn(name: String, arguments: [String]) throws -> Int32 {
        if name == Daemon.babeld.rawValue, case .unix(let path) = babelControl {
            unlink(path)
        }
        return try launcher.spawn(name: name, arguments: arguments)
    }

    func signal(_ pid: Int32, _ signal: ChildStateMachine.Signal) {
        launcher.signal(pid, signal)
    }
}
