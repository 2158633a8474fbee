import CGatewayShims
import Dispatch
import GatewayCore
import Glibc

/// The one `waitpid` loop of the process: as PID 1, gatewayd inherits every orphan in
/// the container and must reap them all. On each SIGCHLD it collects every exited child;
/// `onExit` hears about each (the supervisor ignores pids it does not know).
public final class Reaper: @unchecked Sendable {
    /// Only touched on `queue`.
    private let source: any DispatchSourceSignal
    private let queue = DispatchQueue(label: "gatewayd.reaper")

    public init(onExit: @escaping @Sendable (Int32, ExitStatus) -> Void) {
        // Never SIG_IGN: the kernel would then reap children itself and statuses would be lost.
        signal(SIGCHLD, SIG_DFL)
        source = DispatchSource.makeSignalSource(signal: SIGCHLD, queue: queue)
        source.setEventHandler { Self.reapAll(onExit) }
        source.resume()
        // Children that ended before the source existed.
        queue.async { Self.reapAll(onExit) }
    }

    deinit { source.cancel() }

    static func reapAll(_ onExit: @Sendable (Int32, ExitStatus) -> Void) {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }  // 0: none exited; -1 ECHILD: no children left
            if gw_wifexited(status) {
                onExit(pid, .exited(pid: pid, code: gw_wexitstatus(status)))
            } else if gw_wifsignaled(status) {
                onExit(pid, .signaled(pid: pid, signal: gw_wtermsig(status)))
            }
        }
    }
}
