/// The resolved configuration as `gatewayd check` shows it: every variable with its
/// effective value and where that came from; the secret only as "(set, redacted)".
public struct ConfigReport: Sendable, Encodable {
    public struct Line: Sendable, Encodable, Equatable {
        public var name: String
        public var value: String
        public var source: String
    }

    public var envFile: String?
    public var variables: [Line]
    public var warnings: [String]

    public init(_ loaded: LoadedConfig) {
        envFile = loaded.envFilePath
        warnings = loaded.warnings.map(\.description)
        let values = Self.values(of: loaded.config)
        variables = ConfigVariable.all.filter { $0.group != .compatibility }.map { variable in
            Line(name: variable.name, value: values[variable.name] ?? "",
                 source: loaded.sources[variable.name]?.description ?? "default")
        }
    }

    /// `KEY=value   # source` lines, aligned.
    public var text: String {
        let width = variables.map { $0.name.count + $0.value.count + 1 }.max() ?? 0
        let lines = variables.map { line -> String in
            let assignment = "\(line.name)=\(line.value)"
            return assignment + String(repeating: " ", count: width - assignment.count) + "  # \(line.source)"
        }
        return (lines + warnings.map { "warning: \($0)" }).joined(separator: "\n")
    }

    /// Each variable's effective value as text (WGSECRET redacted).
    public static func values(of config: GatewayConfig) -> [String: String] {
        let secret: String
        let keyFile: String
        switch config.privateKey {
        case .inline: (secret, keyFile) = ("(set, redacted)", "(unused: WGSECRET is set)")
        case .file(let path): (secret, keyFile) = ("", path)
        }
        return [
            "WHOLENET": "\(config.wholeNet)", "NODEPREFIX": "\(config.nodePrefix)", "CLIENTPREFIX": "\(config.clientPrefix)",
            "CLATPREFIX": config.clatPrefix.map(\.description) ?? "", "PLATPREFIX": config.platPrefix.map(\.description) ?? "",
            "NEXTNODE": "\(config.nextNode)", "OWNIP": config.ownIP.map(\.description) ?? "",
            "WGSECRET": secret, "PRIVATEKEY": keyFile,
            "STARTPORT": "\(config.startPort)", "ENDPORT": "\(config.endPort)", "MTU": "\(config.mtu)",
            "MAXCONNECTIONS": "\(config.maxConnections)", "BROKERPORT": "\(config.brokerPort)", "WAN": config.wan ?? "",
            "BABELPORT": config.daemons.babelControl == .tcp(config.babelPort) ? "\(config.babelPort)" : "",
            "BABELD": config.daemons.binaries[.babeld] ?? DaemonSettings.disabledValue,
            "MMFD": config.daemons.binaries[.mmfd] ?? DaemonSettings.disabledValue,
            "L3ROAMD": config.daemons.binaries[.l3roamd] ?? DaemonSettings.disabledValue,
            "RESTARTLIMIT": "\(config.daemons.restart.failureLimit)", "ONFAILURE": config.daemons.restart.onGiveUp.rawValue,
            "BACKOFFMAX": "\(config.daemons.restart.maxBackoff.components.seconds)",
            "READYTIMEOUT": "\(config.daemons.restart.readyTimeout.components.seconds)",
            "STOPTIMEOUT": "\(config.daemons.restart.stopTimeout.components.seconds)",
            "WG_BACKEND": config.broker.backend.rawValue, "ALLOWKEYS": config.broker.keyLists.allowListPath ?? "",
            "DENYKEYS": config.broker.keyLists.denyListPath ?? "", "PINNEDKEYS": config.broker.keyLists.pinnedListPath ?? "",
            "SWEEPINTERVAL": "\(config.broker.sweep.interval.components.seconds)",
            "IDLETIMEOUT": "\(Int(config.broker.sweep.idleTimeout))", "WIREGUARDGO": config.broker.wireguardGo,
            "WGSOCKETDIR": config.broker.uapiDirectory, "L3ROAMDSOCK": config.l3roamdSocket, "MMFDSOCK": config.mmfdSocket,
            "MESHIFS": config.meshInterfaces.joined(separator: " "), "RUNDIR": config.runDirectory,
            "STATEDIR": config.stateDirectory, "RULEPRIORITY": "\(config.rulePriority)", "DEBUG": config.debug ? "true" : "false",
            "CONTROLSOCKET": config.control.socketPath, "CONTROLGROUP": config.control.group ?? "",
            "METRICS_LISTEN": config.control.metricsListen.map(\.description) ?? "",
            "UPLINKROUTE": config.uplink.route.map(\.description) ?? "", "UPLINKTABLE": "\(config.uplink.routeTable)",
            "UPLINKPROBE": config.uplink.probe.map(\.description) ?? "",
            "UPLINKINTERVAL": "\(config.uplink.interval.components.seconds)",
            "UPLINKFAILURES": "\(config.uplink.failuresToDown)", "UPLINKRECOVERIES": "\(config.uplink.successesToUp)",
            "ANNOUNCEROUTE": "\(config.uplink.announcedRoute)",
        ]
    }
}
