/// The mesh daemons gatewayd supervises.
public enum Daemon: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case babeld, mmfd, l3roamd

    public static func < (lhs: Daemon, rhs: Daemon) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// babeld first: mmfd and l3roamd start once it is ready.
    public var dependsOnBabeld: Bool { self != .babeld }

    /// The signal that stops it. l3roamd's SIGTERM handler (freifunk-gluon/l3roamd,
    /// src/main.c `sig_term_handler`) walks its prefixes from one past the end, so it
    /// replaces the main table's default route `::/0` with a throw route and deletes it:
    /// stopping l3roamd with SIGTERM takes the host's IPv6 default route away. SIGINT has no
    /// handler there and ends it at once; every route l3roamd added is on its l3roam0
    /// device and goes with it.
    public var stopSignal: ChildStateMachine.Signal { self == .l3roamd ? .interrupt : .terminate }
}

/// Where babeld's local control interface listens.
public enum BabelControlEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `local-path-readwrite PATH`: only root can reach it (the default).
    case unix(String)
    /// `local-port-readwrite PORT` on ::1, as wg-docker did: any local user can reconfigure babeld.
    case tcp(UInt16)

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .tcp(let port): return "[::1]:\(port)"
        }
    }
}

/// Which daemons run, from which binaries, under which restart policy.
public struct DaemonSettings: Sendable, Equatable {
    /// Binary name (looked up on PATH) or path; nil = disabled.
    public var binaries: [Daemon: String]
    public var babelControl: BabelControlEndpoint
    public var restart: RestartPolicy
    /// babeld's `interface` lines for static MESHIFS and for peer tunnels.
    public var babelInterfaces: BabelInterfaceLines

    public init(binaries: [Daemon: String], babelControl: BabelControlEndpoint, restart: RestartPolicy = RestartPolicy(),
                babelInterfaces: BabelInterfaceLines = BabelInterfaceLines()) {
        self.binaries = binaries
        self.babelControl = babelControl
        self.restart = restart
        self.babelInterfaces = babelInterfaces
    }

    public var enabled: [Daemon] { Daemon.allCases.filter { binaries[$0] != nil } }

    /// The value that disables a daemon: `MMFD=off`.
    public static let disabledValue = "off"
}
