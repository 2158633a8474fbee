/// Every variable gatewayd reads: the one table that the loader, the typo check,
/// `gatewayd check` and the documentation tests all use.
public struct ConfigVariable: Sendable, Equatable {
    public enum Group: String, Sendable, CaseIterable {
        case addressing = "Mesh addressing"
        case wireguard = "WireGuard"
        case broker = "Broker"
        case daemons = "Mesh daemons"
        case gatewayd = "gatewayd"
        case operations = "Control, health and metrics"
        case compatibility = "wg-docker compatibility"
    }

    public let name: String
    /// The default as documented; nil when the variable is required or has none.
    public let defaultValue: String?
    public let required: Bool
    public let group: Group
    public let summary: String

    public static let all: [ConfigVariable] = [
        .init("WHOLENET", nil, required: true, .addressing, "The whole mesh's IPv6 prefix."),
        .init("NODEPREFIX", nil, required: true, .addressing, "Prefix of infrastructure (node) addresses; inside WHOLENET."),
        .init("CLIENTPREFIX", nil, required: true, .addressing, "Prefix clients pick their addresses from; inside WHOLENET."),
        .init("CLATPREFIX", nil, .addressing, "Optional /96 CLAT prefix; gets rules into table 10 and is announced."),
        .init("PLATPREFIX", nil, .addressing, "Optional /96 PLAT (NAT64) prefix; gets rules into table 10 and is announced."),
        .init("NEXTNODE", nil, required: true, .addressing, "The next-node address of site.conf; inside WHOLENET, never announced."),
        .init("OWNIP", nil, .addressing, "The gateway's own address: babeld's pref-src and l3roamd's -a; must be configured on the host."),
        .init("WGSECRET", nil, .wireguard, "Gateway WireGuard private key (base64). Unset: the key file at PRIVATEKEY is used or generated."),
        .init("PRIVATEKEY", GatewayConfig.Defaults.privateKeyPath, .wireguard, "Key file used when WGSECRET is unset; generated (mode 0600) on first start."),
        .init("STARTPORT", String(GatewayConfig.Defaults.startPort), .wireguard, "First UDP port for per-peer WireGuard tunnels."),
        .init("ENDPORT", String(GatewayConfig.Defaults.endPort), .wireguard, "End (exclusive) of the UDP port range for tunnels."),
        .init("MTU", String(GatewayConfig.Defaults.mtu), .wireguard, "MTU of every babel-wg-N interface (1280-9000)."),
        .init("MAXCONNECTIONS", String(GatewayConfig.Defaults.maxConnections), .wireguard, "Most peers at once; further nodes get error code 1."),
        .init("BROKERPORT", String(GatewayConfig.Defaults.brokerPort), .broker, "TCP port of the wg-broker protocol v1 server."),
        .init("WAN", nil, .broker, "Interface where broker and WireGuard traffic arrives; unset: any interface."),
        .init("BABELPORT", nil, .daemons, "Set: babeld's control on TCP [::1]:BABELPORT as in wg-docker (any local user can use it). Unset: a root-only socket RUNDIR/babeld.sock."),
        .init("BABELD", "babeld", .daemons, "babeld binary (name on PATH or path)."),
        .init("MMFD", "mmfd", .daemons, "mmfd binary; `off` runs the gateway without mmfd."),
        .init("L3ROAMD", "l3roamd", .daemons, "l3roamd binary; `off` runs without l3roamd. Needs OWNIP."),
        .init("RESTARTLIMIT", "10", .daemons, "Failures in a row after which gatewayd gives up on a daemon."),
        .init("ONFAILURE", "exit", .daemons, "On giving up: `exit` (status 69, the orchestrator restarts the container) or `giveup` (stay up, unhealthy)."),
        .init("BACKOFFMAX", "60", .daemons, "Longest wait in seconds between restarts (backoff doubles from 1 s)."),
        .init("READYTIMEOUT", "30", .daemons, "Seconds a daemon has to answer on its control socket before it counts as failed."),
        .init("STOPTIMEOUT", "10", .daemons, "Seconds between SIGTERM and SIGKILL when stopping a daemon."),
        .init("L3ROAMDSOCK", GatewayConfig.Defaults.l3roamdSocket, .daemons, "l3roamd's control socket."),
        .init("MMFDSOCK", GatewayConfig.Defaults.mmfdSocket, .daemons, "mmfd's control socket."),
        .init("MESHIFS", "", .daemons, "Static mesh interfaces, space-separated (e.g. a backbone link)."),
        .init("BABELMESHIFOPTIONS", BabelInterfaceLines.defaultMeshOptions, .daemons,
              "babeld interface options for each MESHIFS interface (as wg-docker's run.sh)."),
        .init("BABELPEERIFOPTIONS", BabelInterfaceLines.defaultPeerOptions, .daemons,
              "babeld interface options for each peer tunnel; empty: babeld's defaults, as wg-broker registers them."),
        .init("WG_BACKEND", "auto", .broker, "kernel, userspace (wireguard-go) or auto: kernel where the kernel accepts a wireguard link."),
        .init("ALLOWKEYS", nil, .broker, "File of node keys (base64, one per line) that may get a tunnel; unset: every key. Reloadable."),
        .init("DENYKEYS", nil, .broker, "File of node keys refused with error code 1, so those nodes try another gateway. Reloadable."),
        .init("PINNEDKEYS", nil, .broker, "File of node keys (infrastructure nodes) whose tunnels are never swept and never give way to a new request. Reloadable."),
        .init("SWEEPINTERVAL", "300", .broker, "Seconds between idle sweeps of the peers."),
        .init("IDLETIMEOUT", "600", .broker, "A peer whose last handshake is older than this many seconds is removed; one that never handshook goes after two sweeps."),
        .init("PROVISIONALGRACE", "120", .broker, "Seconds a new peer has for its first handshake (proof that the node holds the key); repeated requests do not extend it. When full, the oldest such peer gives way."),
        .init("PROVISIONALPERSOURCE", "8", .broker, "Peers without a handshake yet that one source (IPv6 /64, IPv4 /32) may hold; further new keys from it are refused (error code 1)."),
        .init("WIREGUARDGO", "wireguard-go", .broker, "wireguard-go binary for the userspace backend."),
        .init("WGSOCKETDIR", "/var/run/wireguard", .broker, "wireguard-go's UAPI socket directory. wireguard-go has it compiled in, so with the userspace backend any other value is rejected."),
        .init("RUNDIR", GatewayConfig.Defaults.runDirectory, .gatewayd, "Volatile state: the record of sysctls to restore."),
        .init("STATEDIR", GatewayConfig.Defaults.stateDirectory, .gatewayd, "Durable state."),
        .init("RULEPRIORITY", String(GatewayConfig.Defaults.rulePriority), .gatewayd, "Priority (pref) of the ip -6 rules gatewayd adds (1-32765)."),
        .init("DEBUG", "", .gatewayd, "Any value but false/0/no/off turns on debug logging (as in wg-docker)."),
        .init("CONTROLSOCKET", ControlOptions.Defaults.socketPath, .operations, "gatewayd's control socket (gwctl); mode 0660, owner root."),
        .init("CONTROLGROUP", nil, .operations, "Group (name or number) that may use the control socket besides root; unset: root's group."),
        .init("METRICS_LISTEN", nil, .operations, "Address:port of the Prometheus endpoint, e.g. [::1]:9184; unset: no metrics."),
        .init("UPLINKROUTE", nil, .operations, "Uplink check: a route (prefix, e.g. ::/0) that must exist in UPLINKTABLE; unset: not checked."),
        .init("UPLINKTABLE", "254", .operations, "Routing table UPLINKROUTE is looked up in (254 = main)."),
        .init("UPLINKPROBE", nil, .operations, "Uplink check: a TCP address that must accept a connection, e.g. [2001:db8::1]:443; unset: not probed."),
        .init("UPLINKINTERVAL", "10", .operations, "Seconds between uplink checks."),
        .init("UPLINKFAILURES", "3", .operations, "Failed checks in a row before the uplink counts as down (hysteresis)."),
        .init("UPLINKRECOVERIES", "3", .operations, "Good checks in a row before a down uplink counts as up again."),
        .init("ANNOUNCEROUTE", "::/0", .operations, "While the uplink is down this route is withdrawn from table 12 (what babeld announces) and the broker refuses new nodes."),
        .init("WG", nil, .compatibility, "Ignored: gatewayd does not shell out to wg."),
        .init("HOST_IP", nil, .compatibility, "Ignored: in wg-docker's example, unused."),
    ]

    public static let byName: [String: ConfigVariable] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    init(_ name: String, _ defaultValue: String?, required: Bool = false, _ group: Group, _ summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.required = required
        self.group = group
        self.summary = summary
    }

    /// The known variable an unknown name was probably meant to be.
    public static func suggestion(for name: String) -> String? {
        let upper = name.uppercased()
        if byName[upper] != nil { return upper }
        guard name.count >= 4 else { return nil }
        return all.map { ($0.name, editDistance(upper, $0.name)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance, for typo suggestions.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs), b = Array(rhs)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
