import Glibc

/// gatewayd's RLIMIT_NOFILE, which posix_spawn passes on to babeld, mmfd and l3roamd (and
/// wireguard-go): raised once, before the first child starts, because a daemon opens its
/// per-interface sockets at start (`mmfd -i …`) and exits when one fails.
public enum FileDescriptorLimit {
    public struct Outcome: Sendable, Equatable {
        public var before: Int
        public var now: Int
        public var hard: Int
        public var wanted: Int

        /// The hard limit keeps the soft one below what the children may need.
        public var isShort: Bool { now < wanted }
    }

    /// Raises the soft limit to `wanted`, or to the hard limit where that is lower; never
    /// lowers it.
    public static func raise(toAtLeast wanted: Int) -> Outcome {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let before = Int(clamping: limit.rlim_cur), hard = Int(clamping: limit.rlim_max)  // RLIM_INFINITY is UInt.max: no bound
        let target = min(wanted, hard)
        if target > before {
            limit.rlim_cur = rlim_t(target)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 { return Outcome(before: before, now: before, hard: hard, wanted: wanted) }
        }
        return Outcome(before: before, now: max(before, target), hard: hard, wanted: wanted)
    }
}
