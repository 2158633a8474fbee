import GatewayCore

/// What `status` reports. Times are Unix seconds; durations are seconds.
public struct GatewayStatus: Codable, Sendable, Equatable {
    public var version: String
    public var uptimeSeconds: Int
    /// The env-file path, or "environment".
    public var configuration: String
    public var backend: String?
    public var publicKey: String
    public var host: HostPlanStatus
    public var children: [ChildStatus]
    public var broker: BrokerStatus
    public var uplink: UplinkStatus
    /// The mesh interfaces as each ready daemon itself holds them.
    public var mesh: MeshStatus?
    /// Babel over the live tunnels; nil while the broker is closed.
    public var babel: BabelSummary?
    /// As the running babeld greets on its local interface (`version babeld-1.14`);
    /// before the first connection, as `babeld -V` printed it at start.
    public var babeldVersion: String?

    public init(version: String, uptimeSeconds: Int, configuration: String, backend: String?, publicKey: String,
                host: HostPlanStatus, children: [ChildStatus], broker: BrokerStatus, uplink: UplinkStatus,
                mesh: MeshStatus? = nil, babeldVersion: String? = nil, babel: BabelSummary? = nil) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.configuration = configuration
        self.backend = backend
        self.publicKey = publicKey
        self.host = host
        self.children = children
        self.broker = broker
        self.uplink = uplink
        self.mesh = mesh
        self.babeldVersion = babeldVersion
        self.babel = babel
    }
}

/// The host plan as the last look at the kernel found it.
public struct HostPlanStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Applied and verified at the last check.
        case applied
        /// The last check found and repaired drift (someone changed gatewayd's state).
        case drift
        /// The last attempt failed at `failedStep`; retried at the next check.
        case failed
    }

    public var state: State
    public var lastCheck: Int64?
    /// Changes made by the last check (0: nothing had drifted).
    public var lastChanges: Int
    /// Checks, from the start, that had to repair something.
    public var driftRepairs: Int
    public var failedStep: String?

    public init(state: State, lastCheck: Int64?, lastChanges: Int, driftRepairs: Int, failedStep: String? = nil) {
        self.state = state
        self.lastCheck = lastCheck
        self.lastChanges = lastChanges
        self.driftRepairs = driftRepairs
        self.failedStep = failedStep
    }
}

public struct BrokerStatus: Codable, Sendable, Equatable {
    /// open, refusing (the uplink is down: every new request gets error code 1) or closed.
    public var state: String
    public var port: Int
    public var peers: Int
    public var maxConnections: Int
    /// The last idle sweep; nil before the first (SWEEPINTERVAL after the start).
    public var lastSweep: SweepSummary?
    /// Peers that have not handshaken yet (PROVISIONALGRACE).
    public var provisional: Int?
    /// Refused requests since start, by reason (`source-quota`, `full`, `low-order-key`, …).
    public var refusals: [String: UInt64]?

    public init(state: String, port: Int, peers: Int, maxConnections: Int, lastSweep: SweepSummary? = nil,
                provisional: Int? = nil, refusals: [String: UInt64]? = nil) {
        self.state = state
        self.port = port
        self.peers = peers
        self.maxConnections = maxConnections
        self.lastSweep = lastSweep
        self.provisional = provisional
        self.refusals = refusals
    }
}

/// One idle sweep, as `sweep` and `status` report it.
public struct SweepSummary: Codable, Sendable, Equatable {
    public struct Removal: Codable, Sendable, Equatable {
        public var interface: String
        public var publicKey: String
        /// idle, never handshook, interface vanished.
        public var reason: String

        public init(interface: String, publicKey: String, reason: String) {
            self.interface = interface
            self.publicKey = publicKey
            self.reason = reason
        }
    }

    /// A dry run decided without removing anything.
    public var dryRun: Bool
    /// Unix time the sweep started.
    public var at: Int64
    public var durationSeconds: Double
    /// Peers looked at.
    public var examined: Int
    /// Removed, or in a dry run, those the sweep would remove now.
    public var removed: [Removal]

    public init(dryRun: Bool, at: Int64, durationSeconds: Double, examined: Int, removed: [Removal]) {
        self.dryRun = dryRun
        self.at = at
        self.durationSeconds = durationSeconds
        self.examined = examined
        self.removed = removed
    }

    public init(_ report: SweepReport) {
        let duration = report.duration.components
        self.init(dryRun: report.dryRun, at: Int64(report.at.timeIntervalSince1970.rounded(.down)),
                  durationSeconds: Double(duration.seconds) + Double(duration.attoseconds) / 1e18,
                  examined: report.examined,
                  removed: report.removals.map { Removal(interface: $0.interface, publicKey: "\($0.key)", reason: $0.reason.rawValue) })
    }
}

public struct UplinkStatus: Codable, Sendable, Equatable {
    /// unchecked (no check configured), up or down.
    public var state: String
    /// What is checked, e.g. "route ::/0 in table 254, tcp [2001:db8::1]:443".
    public var check: String?
    public var since: Int64?
    public var lastFailure: String?
    /// The announced route is withdrawn while the uplink is down.
    public var announcementWithdrawn: Bool

    public init(state: String, check: String? = nil, since: Int64? = nil, lastFailure: String? = nil,
                announcementWithdrawn: Bool = false) {
        self.state = state
        self.check = check
        self.since = since
        self.lastFailure = lastFailure
        self.announcementWithdrawn = announcementWithdrawn
    }
}

/// One peer, as `peers` and `peer-show` report it.
public struct PeerStatus: Codable, Sendable, Equatable {
    public var interface: String
    public var port: Int
    public var publicKey: String
    public var endpoint: String?
    /// Unix time of the last handshake; nil when there was none.
    public var latestHandshake: Int64?
    /// Seconds since the last handshake, at the time of the reply.
    public var handshakeAgeSeconds: Int64?
    public var rxBytes: UInt64?
    public var txBytes: UInt64?
    /// The daemons that hold this interface now (babeld, mmfd, l3roamd).
    public var registeredWith: [String]
    public var created: Int64
    public var lastSeen: Int64
    /// Babel over this tunnel, as babeld (and mmfd) report it.
    public var babel: BabelTunnel?

    public init(interface: String, port: Int, publicKey: String, endpoint: String?, latestHandshake: Int64?,
                handshakeAgeSeconds: Int64?, rxBytes: UInt64?, txBytes: UInt64?, registeredWith: [String],
                created: Int64, lastSeen: Int64, babel: BabelTunnel? = nil) {
        self.interface = interface
        self.port = port
        self.publicKey = publicKey
        self.endpoint = endpoint
        self.latestHandshake = latestHandshake
        self.handshakeAgeSeconds = handshakeAgeSeconds
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.registeredWith = registeredWith
        self.created = created
        self.lastSeen = lastSeen
        self.babel = babel
    }
}

/// What a reload changed.
public struct ReloadReport: Codable, Sendable, Equatable {
    /// Variables whose value changed (names only: values may be secret).
    public var changedVariables: [String]
    /// Host changes applied, one line each.
    public var hostChanges: [String]
    /// Daemons restarted because their command line changed.
    public var restarted: [String]
    /// Changes that only take effect at the next start.
    public var deferred: [String]

    public init(changedVariables: [String], hostChanges: [String], restarted: [String], deferred: [String]) {
        self.changedVariables = changedVariables
        self.hostChanges = hostChanges
        self.restarted = restarted
        self.deferred = deferred
    }
}

public struct HealthReport: Codable, Sendable, Equatable {
    public var healthy: Bool
    /// readiness or liveness.
    public var check: String
    /// Why it is not healthy; empty when it is.
    public var reasons: [String]
    /// What works but not fully (e.g. live tunnels without a babel neighbour: a node may
    /// simply be new). Does not make the gateway unhealthy.
    public var degraded: [String]?

    public init(healthy: Bool, check: String, reasons: [String], degraded: [String]? = nil) {
        self.healthy = healthy
        self.check = check
        self.reasons = reasons
        self.degraded = degraded
    }
}
