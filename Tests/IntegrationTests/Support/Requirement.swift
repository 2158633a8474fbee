import Foundation
import Glibc
import Testing

/// Integration tests skip with a visible reason when they cannot run, never pass silently.
enum Requirement {
    static let isRoot = getuid() == 0
    static let rootReason: Comment = "needs root: creates network namespaces"
    /// Kernel WireGuard exists only in the virtme-ng VM that scripts/vm-tests boots.
    static let inVM = ProcessInfo.processInfo.environment["GATEWAYD_VM"] == "1" && isRoot
    static let vmReason: Comment = "kernel WireGuard: runs inside the VM (scripts/vm-tests), which sets GATEWAYD_VM=1"
}
