import Glibc
import Testing

/// Integration tests skip with a visible reason when they cannot run, never pass silently.
enum Requirement {
    static let isRoot = getuid() == 0
    static let rootReason: Comment = "needs root: creates network namespaces"
}
