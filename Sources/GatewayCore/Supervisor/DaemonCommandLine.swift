/// The argv of each daemon, generated from the configuration exactly as wg-docker's
/// run.sh started them (DESIGN.md section 3), in the foreground.
public enum DaemonCommandLine {
    /// How babeld registers a mesh interface — the same options at start and at runtime.
    public static func babelInterface(_ name: String) -> String {
        "interface \(name) type wired rxcost 10 update-interval 60"
    }

    /// babeld refuses to start without an interface; this name never exists, so babeld only
    /// notes it. Static mesh interfaces are passed instead when there are any.
    public static let babelPlaceholderInterface = "gwd-placeholder"

    public static func arguments(for daemon: Daemon, binary: String, config: GatewayConfig,
                                 babelControl: BabelControlEndpoint) -> [String] {
        switch daemon {
        case .babeld: return babeld(binary: binary, config: config, control: babelControl)
        case .mmfd: return [binary, "-s", config.mmfdSocket] + config.meshInterfaces.flatMap { ["-i", $0] }
        case .l3roamd: return l3roamd(binary: binary, config: config)
        }
    }

    static func babeld(binary: String, config: GatewayConfig, control: BabelControlEndpoint) -> [String] {
        let local: String
        switch control {
        case .unix(let path): local = "local-path-readwrite \(path)"
        case .tcp(let port): local = "local-port-readwrite \(port)"
        }
        var directives = [
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
        let interfaces = config.meshInterfaces.isEmpty ? [babelPlaceholderInterface] : config.meshInterfaces
        directives += interfaces.map(babelInterface)
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
