/// How babeld is told about a mesh interface: `interface IF` plus the options for its
/// kind. wg-docker's run.sh gives static MESHIFS `type wired rxcost 10 update-interval 60`;
/// wg-broker registers peer tunnels with a bare `interface IF` (babeld's defaults), and
/// gateways of both kinds in one mesh must agree on the metrics.
public struct BabelInterfaceLines: Sendable, Equatable {
    public static let defaultMeshOptions = "type wired rxcost 10 update-interval 60"
    public static let defaultPeerOptions = ""

    public var meshOptions: String
    public var peerOptions: String

    public init(meshOptions: String = defaultMeshOptions, peerOptions: String = defaultPeerOptions) {
        self.meshOptions = meshOptions
        self.peerOptions = peerOptions
    }

    /// `isStatic`: one of MESHIFS; otherwise a peer tunnel.
    public func line(for name: String, isStatic: Bool) -> String {
        let options = isStatic ? meshOptions : peerOptions
        return options.isEmpty ? "interface \(name)" : "interface \(name) \(options)"
    }
}

/// The argv of each daemon, generated from the configuration exactly as wg-docker's
/// run.sh started them, in the foreground.
public enum DaemonCommandLine {
    /// babeld refuses to start without an interface; this name never exists, so babeld only
    /// notes it. Static mesh interfaces are passed instead when there are any.
    public static let babelPlaceholderInterface = "gwd-placeholder"

    /// What a (re)starting daemon gets on its command line beyond its configured arguments:
    /// every current peer interface, so one start replaces a socket round trip each.
    public static func handover(peers interfaces: [String], to daemon: Daemon, lines: BabelInterfaceLines) -> [String] {
        switch daemon {
        case .babeld: return interfaces.flatMap { ["-C", lines.line(for: $0, isStatic: false)] }
        case .mmfd: return interfaces.flatMap { ["-i", $0] }
        case .l3roamd: return interfaces.flatMap { ["-m", $0] }
        }
    }

    /// How long babeld waits at exit after sending its retractions (babeld >= 1.13), so
    /// that neighbours switch routes before the gateway's are gone.
    public static let shutdownDelayMilliseconds = 1000

    public static func arguments(for daemon: Daemon, binary: String, config: GatewayConfig,
                                 babelControl: BabelControlEndpoint, babeldVersion: BabeldVersion? = nil) -> [String] {
        switch daemon {
        case .babeld: return babeld(binary: binary, config: config, control: babelControl, version: babeldVersion)
        case .mmfd: return [binary, "-s", config.mmfdSocket] + config.meshInterfaces.flatMap { ["-i", $0] }
        case .l3roamd: return l3roamd(binary: binary, config: config)
        }
    }

    static func babeld(binary: String, config: GatewayConfig, control: BabelControlEndpoint, version: BabeldVersion?) -> [String] {
        let local: String
        switch control {
        case .unix(let path): local = "local-path-readwrite \(path)"
        case .tcp(let port): local = "local-port-readwrite \(port)"
        }
        var directives = [
            // gatewayd owns the sysctls babeld would write (forwarding, accept_redirects,
            // rp_filter, per interface too): they are in its host plan, checked on a read-only
            // /proc/sys, and babeld's own table of old values holds only 1,024 interfaces.
            "skip-kernel-setup true",
        ]
        if version?.hasShutdownDelay == true { directives.append("shutdown-delay-ms \(shutdownDelayMilliseconds)") }
        directives += [
            "ipv6-subtrees true", "reflect-kernel-metric true",
            "export-table \(RoutingConstants.exportTable)", "import-table \(RoutingConstants.clientTable)",
            "import-table \(RoutingConstants.staticTable)", local,
            "default enable-timestamps true", "default max-rtt-penalty 96", "default rtt-min 25",
            "out ip \(config.nextNode)/128 deny", "redistribute ip \(config.nextNode)/128 deny",
            "redistribute ip \(config.clientPrefix) eq 128 allow",
        ]
        if let clat = config.clatPrefix { directives.append("redistribute ip \(clat) eq 96 allow") }
        if let plat = config.platPrefix { directives.append("redistribute ip \(plat) eq 96 allow") }
        directives += [
            "redistribute ip \(config.nodePrefix) eq 128 allow",
            "redistribute src-ip \(config.wholeNet) ip 2000::/3 allow",
            "redistribute ip ::/0 allow", "redistribute ip 2000::/3 allow",
            // As wg-docker's run.sh: never announce the gateway's own addresses. A node that
            // learned the route to its WireGuard endpoint through the tunnel would loop.
            "redistribute local deny",
        ]
        if let ownIP = config.ownIP { directives.append("install pref-src \(ownIP)") }
        let lines = config.daemons.babelInterfaces
        directives += config.meshInterfaces.isEmpty
            ? [lines.line(for: babelPlaceholderInterface, isStatic: false)]
            : config.meshInterfaces.map { lines.line(for: $0, isStatic: true) }
        // -I "": no pid file (gatewayd knows the pid); -S: babeld's state file in RUNDIR.
        return [binary, "-I", "", "-S", "\(config.runDirectory)/babel-state"] + directives.flatMap { ["-C", $0] }
    }

    static func l3roamd(binary: String, config: GatewayConfig) -> [String] {
        var arguments = [binary, "-s", config.l3roamdSocket, "-p", "\(config.nodePrefix)", "-p", "\(config.clientPrefix)"]
        arguments += config.meshInterfaces.flatMap { ["-m", $0] }
        arguments += ["-t", String(RoutingConstants.clientTable)]
        if let ownIP = config.ownIP { arguments += ["-a", "\(ownIP)"] }
        return arguments + ["-4", "0:0:0:0:0:ffff::/96"]
    }
}
