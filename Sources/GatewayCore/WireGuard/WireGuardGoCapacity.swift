/// Every wireguard-go holds one inotify instance (it watches its UAPI socket), and the
/// kernel allows 128 per user by default: the 129th wireguard-go on a host fails with
/// "too many open files" and never opens its socket. The userspace backend therefore
/// raises `fs.inotify.max_user_instances` to cover MAXCONNECTIONS.
///
/// It only ever raises the limit and leaves it raised on shutdown: the value is shared by
/// every network namespace of the user namespace, so another gateway on the host may
/// depend on it, and a higher limit costs nothing until instances are used.
public enum WireGuardGoCapacity {
    public static let inotifyInstancesKey = "fs.inotify.max_user_instances"
    /// Left for everything else that runs as the same user (systemd, editors, other daemons):
    /// the kernel's own default.
    public static let reservedInstances = 128

    public static func instancesNeeded(maxConnections: Int) -> Int { maxConnections + reservedInstances }

    public enum Outcome: Equatable, Sendable {
        case sufficient(limit: Int)
        case raised(from: Int, to: Int)
        /// Not writable here (a container without a writable /proc/sys, or no such key):
        /// at most `limit - reservedInstances` wireguard-go can start.
        case tooLow(limit: Int, needed: Int, reason: String)
    }

    public static func ensure(maxConnections: Int, sysctls: any SysctlStore) -> Outcome {
        let needed = instancesNeeded(maxConnections: maxConnections)
        let current: Int
        do {
            guard let value = try sysctls.read(inotifyInstancesKey), let parsed = Int(value) else {
                return .tooLow(limit: 0, needed: needed, reason: "\(inotifyInstancesKey) is not readable")
            }
            current = parsed
        } catch {
            return .tooLow(limit: 0, needed: needed, reason: "reading \(inotifyInstancesKey): \(error)")
        }
        guard current < needed else { return .sufficient(limit: current) }
        do {
            try sysctls.write(inotifyInstancesKey, String(needed))
            return .raised(from: current, to: needed)
        } catch {
            return .tooLow(limit: current, needed: needed, reason: "\(error)")
        }
    }
}

extension WireGuardGoCapacity.Outcome: CustomStringConvertible {
    public var description: String {
        switch self {
        case .sufficient(let limit):
            "\(WireGuardGoCapacity.inotifyInstancesKey) is \(limit): enough for MAXCONNECTIONS wireguard-go"
        case .raised(let from, let to):
            "raised \(WireGuardGoCapacity.inotifyInstancesKey) from \(from) to \(to): every wireguard-go holds one inotify instance"
        case .tooLow(let limit, let needed, let reason):
            "\(WireGuardGoCapacity.inotifyInstancesKey) is \(limit) and cannot be raised here (\(reason)): "
                + "every wireguard-go holds one inotify instance, so peers beyond about "
                + "\(max(0, limit - WireGuardGoCapacity.reservedInstances)) will fail to start; "
                + "on the host run: sysctl -w \(WireGuardGoCapacity.inotifyInstancesKey)=\(needed)"
        }
    }
}
