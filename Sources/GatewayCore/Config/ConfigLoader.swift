import Foundation

/// Builds a `GatewayConfig` from the process environment overlaid by an env-file (the
/// file wins), validating everything before anything touches the host, and reporting
/// every problem at once.
public enum ConfigLoader {
    public static func load(environment: [String: String], envFile: (path: String, contents: String)? = nil)
        -> Result<LoadedConfig, ConfigError>
    {
        load(environment: environment, envFile: envFile.map { (path: $0.path, bytes: Array($0.contents.utf8)) })
    }

    /// The env-file as read from disk: bytes, so that CRLF, a BOM or a non-UTF-8 line
    /// are each handled or named (`EnvFile`).
    public static func load(environment: [String: String], envFile: (path: String, bytes: [UInt8])?)
        -> Result<LoadedConfig, ConfigError>
    {
        var reader = ConfigReader(environment: environment, envFile: envFile)
        let config = reader.readConfig()
        reader.redactSecret()
        guard let config, reader.problems.isEmpty else {
            return .failure(ConfigError(problems: reader.problems, warnings: reader.warnings))
        }
        return .success(LoadedConfig(config: config, warnings: reader.warnings,
                                     sources: reader.values.mapValues(\.source), envFilePath: envFile?.path))
    }

    /// RUNDIR even from a configuration that no longer validates (teardown must still find
    /// the record of what to restore): the env-file's last RUNDIR, else the environment's,
    /// both unquoted as the loader does, else the default.
    public static func runDirectory(environment: [String: String], envFile: [UInt8]?) -> String {
        let fromFile = envFile.flatMap { EnvFile(bytes: $0).entries.last { $0.key == "RUNDIR" }?.value }
        let fromEnvironment = environment["RUNDIR"].map(EnvFile.unquote)
        return [fromFile, fromEnvironment].compactMap { $0 }.first { !$0.isEmpty } ?? GatewayConfig.Defaults.runDirectory
    }
}

/// Reads raw values, converts them and collects problems; `readConfig` is the
/// one place where the variables' meanings and cross-checks live.
struct ConfigReader {
    var values: [String: (value: String, source: ValueSource)] = [:]
    var problems: [ConfigProblem] = []
    var warnings: [ConfigProblem] = []
    /// Where problems with no line (a missing variable) are reported.
    let missingLocation: String

    init(environment: [String: String], envFile: (path: String, bytes: [UInt8])?) {
        missingLocation = envFile?.path ?? "environment"
        // `docker run --env-file` passes quotes and inline comments through literally, so
        // environment values get the same unquoting as values read from the file.
        for variable in ConfigVariable.all {
            if let value = environment[variable.name] { values[variable.name] = (EnvFile.unquote(value), .environment) }
        }
        guard let envFile else { return }
        let parsed = EnvFile(bytes: envFile.bytes)
        for malformed in parsed.malformedLines {
            problems.append(ConfigProblem(location: "\(envFile.path):\(malformed.line)", variable: nil, message: malformed.reason))
        }
        var seen: [String: Int] = [:]
        for entry in parsed.entries {
            let location = "\(envFile.path):\(entry.line)"
            guard ConfigVariable.byName[entry.key] != nil else {
                let hint = ConfigVariable.suggestion(for: entry.key).map { "unknown variable, did you mean \($0)?" }
                // A name that does not look like one may be a key pasted on a line of its own.
                let shown = EnvFile.looksLikeVariableName(entry.key) || hint != nil
                warnings.append(ConfigProblem(location: location, variable: shown ? entry.key : nil,
                                              message: hint ?? (shown ? "unknown variable, ignored" : "unknown variable (name not shown), ignored")))
                continue
            }
            if let earlier = seen[entry.key] {
                warnings.append(ConfigProblem(location: location, variable: entry.key,
                                              message: "set again (line \(earlier) is overridden)"))
            }
            seen[entry.key] = entry.line
            if let value = entry.value ?? environment[entry.key].map(EnvFile.unquote) {
                values[entry.key] = (value, .file(path: envFile.path, line: entry.line))
            }
        }
    }

    // MARK: The configuration

    /// Readers return a usable fallback after recording a problem, so that every problem
    /// is found in one pass; the config is only built when there were none.
    mutating func readConfig() -> GatewayConfig? {
        let wholeNet = prefix("WHOLENET", required: true)
        let nodePrefix = prefix("NODEPREFIX", required: true)
        let clientPrefix = prefix("CLIENTPREFIX", required: true)
        let clatPrefix = prefix("CLATPREFIX", length: 96)
        let platPrefix = prefix("PLATPREFIX", length: 96)
        let nextNode = address("NEXTNODE", required: true)
        let startPort = port("STARTPORT", default: GatewayConfig.Defaults.startPort)
        let endPort = port("ENDPORT", default: GatewayConfig.Defaults.endPort)
        let maxConnections = integer("MAXCONNECTIONS", default: GatewayConfig.Defaults.maxConnections, in: 1...65535)
        let wan = interfaceName("WAN")
        let meshInterfaces = meshInterfaces()
        if values["WG"] != nil { warn("WG", "ignored: gatewayd does not shell out to wg") }

        if let wholeNet {
            for (name, inner) in [("NODEPREFIX", nodePrefix), ("CLIENTPREFIX", clientPrefix)] {
                if let inner, !wholeNet.contains(inner) { problem(name, "\(inner) is not inside WHOLENET \(wholeNet)") }
            }
            if let nextNode, !wholeNet.contains(nextNode) { problem("NEXTNODE", "\(nextNode) is not inside WHOLENET \(wholeNet)") }
        }
        checkDisjoint([("NODEPREFIX", nodePrefix), ("CLIENTPREFIX", clientPrefix),
                       ("CLATPREFIX", clatPrefix), ("PLATPREFIX", platPrefix)])
        if startPort >= endPort {
            problem("ENDPORT", "\(endPort) must be greater than STARTPORT \(startPort)")
        } else if maxConnections > Int(endPort) - Int(startPort) {
            problem("MAXCONNECTIONS", "\(maxConnections) exceeds the \(Int(endPort) - Int(startPort)) ports from STARTPORT to ENDPORT (one per peer)")
        }
        if let wan, meshInterfaces.contains(wan) { problem("WAN", "\(wan) is also listed in MESHIFS") }
        if let warning = BabelScale.warning(maxConnections: maxConnections, staticInterfaces: meshInterfaces.count) {
            warn("MAXCONNECTIONS", warning)
        }

        let config = (
            ownIP: address("OWNIP"), privateKey: privateKeySource(),
            brokerPort: port("BROKERPORT", default: GatewayConfig.Defaults.brokerPort),
            mtu: integer("MTU", default: GatewayConfig.Defaults.mtu, in: 1280...9000),
            l3roamdSocket: path("L3ROAMDSOCK", default: GatewayConfig.Defaults.l3roamdSocket),
            mmfdSocket: path("MMFDSOCK", default: GatewayConfig.Defaults.mmfdSocket),
            runDirectory: path("RUNDIR", default: GatewayConfig.Defaults.runDirectory),
            stateDirectory: path("STATEDIR", default: GatewayConfig.Defaults.stateDirectory),
            rulePriority: UInt32(integer("RULEPRIORITY", default: Int(GatewayConfig.Defaults.rulePriority), in: 1...32765)),
            debug: flag("DEBUG"))
        let babelPort = port("BABELPORT", default: GatewayConfig.Defaults.babelPort)
        let daemons = daemonSettings(runDirectory: config.runDirectory, babelPort: babelPort)
        let broker = brokerOptions()
        let control = ControlOptions(socketPath: path("CONTROLSOCKET", default: ControlOptions.Defaults.socketPath),
                                     group: raw("CONTROLGROUP"), metricsListen: hostPort("METRICS_LISTEN"))
        let uplink = uplinkOptions()
        guard problems.isEmpty, let wholeNet, let nodePrefix, let clientPrefix, let nextNode else { return nil }
        return GatewayConfig(
            wholeNet: wholeNet, nodePrefix: nodePrefix, clientPrefix: clientPrefix, clatPrefix: clatPrefix,
            platPrefix: platPrefix, nextNode: nextNode, ownIP: config.ownIP, privateKey: config.privateKey,
            brokerPort: config.brokerPort, startPort: startPort, endPort: endPort,
            babelPort: babelPort,
            mtu: config.mtu, wan: wan, maxConnections: maxConnections, l3roamdSocket: config.l3roamdSocket,
            mmfdSocket: config.mmfdSocket, meshInterfaces: meshInterfaces, debug: config.debug,
            runDirectory: config.runDirectory, stateDirectory: config.stateDirectory, rulePriority: config.rulePriority,
            daemons: daemons, broker: broker, control: control, uplink: uplink)
    }

    /// The uplink check and the announcement it withdraws.
    mutating func uplinkOptions() -> UplinkOptions {
        let failures = integer("UPLINKFAILURES", default: 3, in: 1...100)
        let recoveries = integer("UPLINKRECOVERIES", default: 3, in: 1...100)
        return UplinkOptions(
            route: prefix("UPLINKROUTE"), routeTable: UInt32(integer("UPLINKTABLE", default: 254, in: 1...0x7fff_ffff)),
            probe: hostPort("UPLINKPROBE"), interval: .seconds(integer("UPLINKINTERVAL", default: 10, in: 1...3600)),
            failuresToDown: failures, successesToUp: recoveries,
            announcedRoute: prefix("ANNOUNCEROUTE") ?? UplinkOptions.defaultAnnouncedRoute)
    }

    /// WireGuard backend, key lists, sweep timing, wireguard-go.
    mutating func brokerOptions() -> BrokerOptions {
        let backendText = raw("WG_BACKEND") ?? BrokerOptions.Backend.auto.rawValue
        let backend = BrokerOptions.Backend(rawValue: backendText)
        if backend == nil { problem("WG_BACKEND", "\"\(backendText)\" is not kernel, userspace or auto") }
        let allow = raw("ALLOWKEYS").map { path("ALLOWKEYS", default: $0) }
        let deny = raw("DENYKEYS").map { path("DENYKEYS", default: $0) }
        let pinned = raw("PINNEDKEYS").map { path("PINNEDKEYS", default: $0) }
        let sweep = IdleSweep(interval: .seconds(integer("SWEEPINTERVAL", default: 300, in: 1...86400)),
                              idleTimeout: TimeInterval(integer("IDLETIMEOUT", default: 600, in: 1...604800)))
        let uapiDirectory = path("WGSOCKETDIR", default: BrokerOptions.wireguardGoSocketDirectory)
        if backend != .kernel && Self.normalized(uapiDirectory) != BrokerOptions.wireguardGoSocketDirectory {
            // wireguard-go creates its socket in a directory compiled into it (ipc/uapi_linux.go,
            // socketDirectory): with any other value every peer fails after 5 s. Binding the
            // directory over /var/run/wireguard in a mount namespace per wireguard-go would
            // need CAP_SYS_ADMIN, which the container (NET_ADMIN only) does not have.
            problem("WGSOCKETDIR", "\"\(uapiDirectory)\" is not wireguard-go's socket directory: wireguard-go always "
                        + "serves \(BrokerOptions.wireguardGoSocketDirectory)/IF.sock (compiled in); leave WGSOCKETDIR unset, "
                        + "or set WG_BACKEND=kernel")
        }
        var options = BrokerOptions(backend: backend ?? .auto, keyLists: KeyPolicyFiles(allowListPath: allow, denyListPath: deny, pinnedListPath: pinned),
                                    sweep: sweep, wireguardGo: raw("WIREGUARDGO") ?? "wireguard-go", uapiDirectory: uapiDirectory)
        options.provisionalGrace = TimeInterval(integer("PROVISIONALGRACE", default: 120, in: 5...86400))
        options.provisionalPerSource = integer("PROVISIONALPERSOURCE", default: 8, in: 1...65535)
        return options
    }

    /// A path without trailing slashes, so `/var/run/wireguard/` is the default too.
    static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Which daemons run from where, how babeld is reached, and the restart policy.
    mutating func daemonSettings(runDirectory: String, babelPort: UInt16) -> DaemonSettings {
        var binaries: [Daemon: String] = [:]
        for daemon in Daemon.allCases {
            let name = daemon.rawValue.uppercased()
            let value = raw(name) ?? daemon.rawValue
            if value == DaemonSettings.disabledValue {
                if daemon == .babeld { problem(name, "babeld cannot be turned off: it is the gateway's routing") }
                continue
            }
            binaries[daemon] = value
        }
        if binaries[.l3roamd] != nil && raw("OWNIP") == nil {
            problem("OWNIP", "required while l3roamd runs (its -a address); set OWNIP or L3ROAMD=off")
        }
        let babelControl: BabelControlEndpoint = raw("BABELPORT") != nil
            ? .tcp(babelPort)
            : .unix(runDirectory + "/" + GatewayConfig.Defaults.babelSocketName)
        let onFailure = raw("ONFAILURE") ?? RestartPolicy.GiveUp.exitContainer.rawValue
        let giveUp = RestartPolicy.GiveUp(rawValue: onFailure)
        if giveUp == nil { problem("ONFAILURE", "\"\(onFailure)\" is neither exit nor giveup") }
        let policy = RestartPolicy(
            maxBackoff: .seconds(integer("BACKOFFMAX", default: 60, in: 1...3600)),
            readyTimeout: .seconds(integer("READYTIMEOUT", default: 30, in: 1...600)),
            stopTimeout: .seconds(integer("STOPTIMEOUT", default: 10, in: 1...600)),
            failureLimit: integer("RESTARTLIMIT", default: 10, in: 1...1000),
            onGiveUp: giveUp ?? .exitContainer)
        let lines = BabelInterfaceLines(
            meshOptions: babelInterfaceOptions("BABELMESHIFOPTIONS", default: BabelInterfaceLines.defaultMeshOptions),
            peerOptions: babelInterfaceOptions("BABELPEERIFOPTIONS", default: BabelInterfaceLines.defaultPeerOptions))
        return DaemonSettings(binaries: binaries, babelControl: babelControl, restart: policy, babelInterfaces: lines)
    }

    /// babeld's interface options, `keyword value` pairs: checked here, because babeld exits
    /// on a directive it cannot parse (and would then be restarted into the same error), and
    /// because the text becomes a line on babeld's control socket.
    mutating func babelInterfaceOptions(_ name: String, default fallback: String) -> String {
        // Set but empty is meaningful here: babeld's defaults.
        guard let text = values[name]?.value.trimmingCharacters(in: .whitespaces) else { return fallback }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count.isMultiple(of: 2) else {
            problem(name, "\"\(text)\" is not a list of babeld interface options (`keyword value` pairs)")
            return fallback
        }
        for index in stride(from: 0, to: words.count, by: 2) {
            let (keyword, value) = (words[index], words[index + 1])
            guard Self.babelInterfaceKeywords.contains(keyword) else {
                problem(name, "\(keyword) is not a babeld interface option (known: \(Self.babelInterfaceKeywords.sorted().joined(separator: ", ")))")
                return fallback
            }
            guard value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                problem(name, "\"\(value)\" is not a value for \(keyword)")
                return fallback
            }
        }
        return words.joined(separator: " ")
    }

    /// The per-interface options babeld 1.12 and 1.14 both parse (configuration.c,
    /// parse_anonymous_ifconf), less `key`: babeld's MAC keys are configured globally.
    static let babelInterfaceKeywords: Set<String> = [
        "rxcost", "hello-interval", "update-interval", "type", "faraway", "unicast", "link-quality",
        "split-horizon", "enable-timestamps", "rfc6126-compatible", "rtt-decay", "rtt-min", "rtt-max",
        "max-rtt-penalty", "accept-bad-signatures", "v4-via-v6",
    ]

    /// Prefixes whose routes and rules would shadow each other must not overlap.
    mutating func checkDisjoint(_ prefixes: [(String, IPv6Prefix?)]) {
        let present = prefixes.compactMap { name, prefix in prefix.map { (name, $0) } }
        for (index, (name, prefix)) in present.enumerated() {
            for (otherName, other) in present[..<index] where prefix.overlaps(other) {
                problem(name, "\(prefix) overlaps \(otherName) \(other)")
            }
        }
    }

    /// Belt and braces: no problem or warning may contain WGSECRET's value, whatever
    /// reader produced it.
    mutating func redactSecret() {
        guard let secret = values["WGSECRET"]?.value, secret.count >= 8 else { return }
        for index in problems.indices { problems[index].message = problems[index].message.replacing(secret, with: "(redacted)") }
        for index in warnings.indices { warnings[index].message = warnings[index].message.replacing(secret, with: "(redacted)") }
    }

    // MARK: Readers

    /// The value, or nil when unset or empty (`WAN=` means "not set").
    func raw(_ name: String) -> String? {
        guard let value = values[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    mutating func problem(_ name: String, _ message: String) {
        problems.append(ConfigProblem(location: location(of: name), variable: name, message: message))
    }

    mutating func warn(_ name: String, _ message: String) {
        warnings.append(ConfigProblem(location: location(of: name), variable: name, message: message))
    }

    func location(of name: String) -> String {
        switch values[name]?.source {
        case .file(let path, let line): return "\(path):\(line)"
        case .environment: return "environment"
        case .defaultValue, nil: return missingLocation
        }
    }

    mutating func missing(_ name: String, example: String) {
        problem(name, "required (e.g. \(name)=\(example))")
    }

    mutating func prefix(_ name: String, required: Bool = false, length: Int? = nil) -> IPv6Prefix? {
        guard let text = raw(name) else {
            if required { missing(name, example: "2001:db8::/40") }
            return nil
        }
        switch IPv6Prefix.parse(text) {
        case .failure(.notAPrefix):
            problem(name, "\"\(text)\" is not an IPv6 prefix")
        case .failure(.hostBitsSet(let suggestion)):
            problem(name, "\"\(text)\" has host bits set (did you mean \(suggestion)?)")
        case .success(let prefix) where length != nil && prefix.length != length:
            problem(name, "\"\(text)\" must be a /\(length!) prefix")
        case .success(let prefix):
            return prefix
        }
        return nil
    }

    mutating func address(_ name: String, required: Bool = false) -> IPv6Address? {
        guard let text = raw(name) else {
            if required { missing(name, example: "2001:db8::1") }
            return nil
        }
        guard let address = IPv6Address(text) else {
            problem(name, "\"\(text)\" is not an IPv6 address")
            return nil
        }
        return address
    }

    mutating func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            problem(name, "\"\(text)\" is not a number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    mutating func port(_ name: String, default fallback: UInt16) -> UInt16 {
        UInt16(integer(name, default: Int(fallback), in: 1...65535))
    }

    mutating func path(_ name: String, default fallback: String) -> String {
        guard let text = raw(name) else { return fallback }
        guard text.hasPrefix("/") else {
            problem(name, "\"\(text)\" is not an absolute path")
            return fallback
        }
        return text
    }

    mutating func hostPort(_ name: String) -> HostPort? {
        guard let text = raw(name) else { return nil }
        guard let value = HostPort(text) else {
            problem(name, "\"\(text)\" is not an address and port such as [2001:db8::1]:443 or 192.0.2.1:443")
            return nil
        }
        return value
    }

    /// wg-docker: any non-empty DEBUG turns debugging on; we also accept the usual "off" words.
    func flag(_ name: String) -> Bool {
        guard let text = raw(name) else { return false }
        return !["false", "0", "no", "off"].contains(text.lowercased())
    }

    mutating func interfaceName(_ name: String) -> String? {
        guard let text = raw(name) else { return nil }
        return validInterfaceName(text, variable: name) ? text : nil
    }

    mutating func meshInterfaces() -> [String] {
        let names = (raw("MESHIFS") ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            problem("MESHIFS", "\(name) is listed twice")
        }
        return names.filter { validInterfaceName($0, variable: "MESHIFS") && !$0.hasSuffix("+") }
    }

    /// Linux interface names: 1-15 bytes, no '/', no whitespace, not "." or "..";
    /// '+' is iptables' wildcard, not a name.
    mutating func validInterfaceName(_ text: String, variable: String) -> Bool {
        let problemText: String?
        if text.utf8.count > 15 {
            problemText = "is longer than 15 characters"
        } else if text == "." || text == ".." || text.contains(where: { "/:\"'\0".contains($0) || $0.isWhitespace }) {
            problemText = "is not an interface name"
        } else if text.contains("+") {
            problemText = "is a wildcard, not an interface name"
        } else {
            problemText = nil
        }
        if let problemText { problem(variable, "\"\(text)\" \(problemText)") }
        return problemText == nil
    }

    /// WGSECRET inline (validated, never echoed), else the key file at PRIVATEKEY.
    mutating func privateKeySource() -> PrivateKeySource {
        let keyPath = path("PRIVATEKEY", default: GatewayConfig.Defaults.privateKeyPath)
        guard let secret = raw("WGSECRET") else { return .file(keyPath) }
        guard let data = Data(base64Encoded: secret), data.count == 32 else {
            problem("WGSECRET", "is not a WireGuard key (32 bytes of base64, as `wg genkey` prints)")
            return .file(keyPath)
        }
        return .inline(Array(data))
    }
}
