/// The kernel tables that grow with the number of mesh interfaces, and the least each must
/// allow at MAXCONNECTIONS (plus MESHIFS). Only ever raised; the value from before is
/// restored on teardown like gatewayd's other sysctls.
///
/// The kernel's ip-sysctl documentation: `neigh/default/gc_thresh3` is the maximum number of
/// neighbour entries ("increase this when using large numbers of interfaces and when
/// communicating with large numbers of directly-connected peers"; default 1024),
/// `gc_thresh2` the level above which entries older than 5 s are purged (512), `gc_thresh1`
/// the level below which none are (128); `route/max_size` the maximum number of IPv6 routes
/// ("increase this when using large numbers of interfaces and/or routes"; 4096 before Linux
/// 6.3, which replaced the cap with garbage collection).
///
/// Every mesh interface holds several neighbour entries: the node's link-local address and
/// the multicast groups babeld (ff02::1:6), mmfd (ff02::6a8b) and l3roamd speak on it, plus
/// ND's and MLD's. So the hard maximum gets 8 per interface (twice that), the purge level 4,
/// the keep level 2 — and never less than what Freifunk München's gateways run (4096, 8192,
/// 16384 for about 500 tunnels each). Routes: babeld installs one per mesh node and client
/// (thousands in a large mesh) besides each interface's own link-local and multicast
/// routes; 65,536 or 16 per interface, whichever is more, keeps the pre-6.3 cap out of reach.
public enum NeighbourTableCapacity {
    public struct Minimum: Sendable, Equatable {
        public var key: String
        public var value: Int
    }

    public static func minimums(meshInterfaces count: Int) -> [Minimum] {
        [
            Minimum(key: "net.ipv6.neigh.default.gc_thresh1", value: max(4096, 2 * count)),
            Minimum(key: "net.ipv6.neigh.default.gc_thresh2", value: max(8192, 4 * count)),
            Minimum(key: "net.ipv6.neigh.default.gc_thresh3", value: max(16384, 8 * count)),
            Minimum(key: "net.ipv6.route.max_size", value: max(65536, 16 * count)),
        ]
    }

    public static func minimums(for config: GatewayConfig) -> [Minimum] {
        minimums(meshInterfaces: config.maxConnections + config.meshInterfaces.count)
    }

    public enum Outcome: Sendable, Equatable {
        case sufficient(key: String, value: Int)
        case raised(key: String, from: Int, to: Int)
        /// Below the minimum and not writable here (a read-only /proc/sys), or not in this
        /// network namespace at all (the neighbour thresholds live in the host's initial one).
        case tooLow(key: String, current: Int?, minimum: Int, reason: String)

        public var isWarning: Bool {
            if case .tooLow = self { return true }
            return false
        }
    }

    /// What `check` reports: each minimum against the current value, nothing written.
    /// `isWritable` says whether a raise would be possible.
    public static func inspect(_ minimums: [Minimum], sysctls: any SysctlStore, isWritable: (String) -> Bool) -> [Outcome] {
        minimums.map { minimum in
            switch current(minimum, sysctls) {
            case .failure(let reason): return .tooLow(key: minimum.key, current: nil, minimum: minimum.value, reason: reason)
            case .success(let value) where value >= minimum.value: return .sufficient(key: minimum.key, value: value)
            case .success(let value):
                return isWritable(minimum.key)
                    ? .raised(key: minimum.key, from: value, to: minimum.value)
                    : .tooLow(key: minimum.key, current: value, minimum: minimum.value, reason: "read-only here")
            }
        }
    }

    /// What `run` does: raises each value below its minimum, recording the original for
    /// teardown first; one that cannot be raised is a warning, never a failure.
    public static func ensure(_ minimums: [Minimum], sysctls: any SysctlStore, record: any HostStateRecordStore) -> [Outcome] {
        minimums.map { minimum in
            let value: Int
            switch current(minimum, sysctls) {
            case .failure(let reason): return .tooLow(key: minimum.key, current: nil, minimum: minimum.value, reason: reason)
            case .success(let current): value = current
            }
            guard value < minimum.value else { return .sufficient(key: minimum.key, value: value) }
            do {
                var saved = try record.load()
                if saved.originalSysctls[minimum.key] == nil {
                    saved.originalSysctls[minimum.key] = String(value)
                    try record.save(saved)
                }
                try sysctls.write(minimum.key, String(minimum.value))
                return .raised(key: minimum.key, from: value, to: minimum.value)
            } catch {
                return .tooLow(key: minimum.key, current: value, minimum: minimum.value, reason: "\(error)")
            }
        }
    }

    private enum Reading {
        case success(Int)
        case failure(String)
    }

    private static func current(_ minimum: Minimum, _ sysctls: any SysctlStore) -> Reading {
        do {
            guard let text = try sysctls.read(minimum.key) else {
                return .failure("not in this network namespace; the host's initial namespace holds it")
            }
            guard let value = Int(text) else { return .failure("unreadable value \"\(text)\"") }
            return .success(value)
        } catch {
            return .failure("reading it: \(error)")
        }
    }
}

extension NeighbourTableCapacity.Outcome: CustomStringConvertible {
    public var description: String {
        switch self {
        case .sufficient(let key, let value): "\(key) is \(value): enough for MAXCONNECTIONS mesh interfaces"
        case .raised(let key, let from, let to): "\(key): \(from) → \(to) for MAXCONNECTIONS mesh interfaces (restored on teardown)"
        case .tooLow(let key, let current, let minimum, let reason):
            "\(key) is \(current.map(String.init) ?? "unknown") and cannot be raised (\(reason)): with many mesh "
                + "interfaces the kernel runs out of neighbour entries or routes; on the host run: sysctl -w \(key)=\(minimum)"
        }
    }
}
