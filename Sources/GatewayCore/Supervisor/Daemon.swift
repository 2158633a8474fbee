/// The mesh daemons gatewayd supervises.
public enum Daemon: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case babeld, mmfd, l3roamd

    public static func < (lhs: Daemon, rhs: Daemon) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// babeld first: mmfd and l3roamd start once it is ready.
    public var dependsOnBabeld: Bool { self != .babeld }
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
