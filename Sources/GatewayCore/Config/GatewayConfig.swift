/// The validated configuration of one gateway. Built only by `ConfigLoader` (which
/// reports every problem at once); everything downstream may trust these values.
public struct GatewayConfig: Sendable, Equatable {
    /// WHOLENET: the whole mesh's prefix.
    public var wholeNet: IPv6Prefix
    /// NODEPREFIX: infrastructure addresses (inside WHOLENET).
    public var nodePrefix: IPv6Prefix
    /// CLIENTPREFIX: client addresses (inside WHOLENET).
    public var clientPrefix: IPv6Prefix
    /// CLATPREFIX / PLATPREFIX: optional /96 translation prefixes.
    public var clatPrefix: IPv6Prefix?
    public var platPrefix: IPv6Prefix?
    /// NEXTNODE: the next-node anycast address (inside WHOLENET).
    public var nextNode: IPv6Address
    /// OWNIP: the gateway's own address, used by babeld's pref-src and l3roamd `-a`.
    public var ownIP: IPv6Address?
    /// WGSECRET (inline) or the key file at PRIVATEKEY.
    public var privateKey: PrivateKeySource
    public var brokerPort: UInt16
    /// WireGuard listen ports are allocated from startPort..<endPort.
    public var startPort: UInt16
    public var endPort: UInt16
    public var babelPort: UInt16
    public var mtu: Int
    /// WAN: where broker and WireGuard traffic enters; nil = any interface.
    public var wan: String?
    public var maxConnections: Int
    public var l3roamdSocket: String
    public var mmfdSocket: String
    /// MESHIFS: static mesh interfaces, in the order given.
    public var meshInterfaces: [String]
    public var debug: Bool
    /// RUNDIR: volatile state (host-state record, control socket).
    public var runDirectory: String
    /// STATEDIR: durable state (peer store).
    public var stateDirectory: String
    /// RULEPRIORITY: priority of the `ip -6 rule`s gatewayd adds.
    public var rulePriority: UInt32
    /// BABELD, MMFD, L3ROAMD, BABELPORT and the restart policy.
    public var daemons: DaemonSettings
    /// WG_BACKEND, ALLOWKEYS, DENYKEYS, the idle sweep, wireguard-go.
    public var broker: BrokerOptions
    /// CONTROLSOCKET, CONTROLGROUP, METRICS_LISTEN.
    public var control: ControlOptions
    /// UPLINK* and ANNOUNCEROUTE.
    public var uplink: UplinkOptions

    public init(
        wholeNet: IPv6Prefix, nodePrefix: IPv6Prefix, clientPrefix: IPv6Prefix,
        clatPrefix: IPv6Prefix? = nil, platPrefix: IPv6Prefix? = nil,
        nextNode: IPv6Address, ownIP: IPv6Address? = nil,
        privateKey: PrivateKeySource = .file(Defaults.privateKeyPath),
        brokerPort: UInt16 = Defaults.brokerPort, startPort: UInt16 = Defaults.startPort,
        endPort: UInt16 = Defaults.endPort, babelPort: UInt16 = Defaults.babelPort,
        mtu: Int = Defaults.mtu, wan: String? = nil, maxConnections: Int = Defaults.maxConnections,
        l3roamdSocket: String = Defaults.l3roamdSocket, mmfdSocket: String = Defaults.mmfdSocket,
        meshInterfaces: [String] = [], debug: Bool = false,
        runDirectory: String = Defaults.runDirectory, stateDirectory: String = Defaults.stateDirectory,
        rulePriority: UInt32 = Defaults.rulePriority, daemons: DaemonSettings? = nil, broker: BrokerOptions = BrokerOptions(),
        control: ControlOptions = ControlOptions(), uplink: UplinkOptions = UplinkOptions()
    ) {
        self.wholeNet = wholeNet
        self.nodePrefix = nodePrefix
        self.clientPrefix = clientPrefix
        self.clatPrefix = clatPrefix
        self.platPrefix = platPrefix
        self.nextNode = nextNode
        self.ownIP = ownIP
        self.privateKey = privateKey
        self.brokerPort = brokerPort
        self.startPort = startPort
        self.endPort = endPort
        self.babelPort = babelPort
        self.mtu = mtu
        self.wan = wan
        self.maxConnections = maxConnections
        self.l3roamdSocket = l3roamdSocket
        self.mmfdSocket = mmfdSocket
        self.meshInterfaces = meshInterfaces
        self.debug = debug
        self.runDirectory = runDirectory
        self.stateDirectory = stateDirectory
        self.rulePriority = rulePriority
        self.broker = broker
        self.control = control
        self.uplink = uplink
        self.daemons = daemons ?? DaemonSettings(
            binaries: [.babeld: "babeld", .mmfd: "mmfd", .l3roamd: "l3roamd"],
            babelControl: .unix(runDirectory + "/" + Defaults.babelSocketName))
    }

    /// The seed's defaults, and safe ones for what gatewayd adds.
    public enum Defaults {
        public static let privateKeyPath = "/var/lib/gatewayd/private.key"
        public static let brokerPort: UInt16 = 40000
        public static let startPort: UInt16 = 40000
        public static let endPort: UInt16 = 41000
        public static let babelPort: UInt16 = 33123
        public static let mtu = 1374
        public static let maxConnections = 150
        public static let l3roamdSocket = "/var/run/l3roamd.sock"
        public static let mmfdSocket = "/var/run/mmfd.sock"
        public static let runDirectory = "/run/gatewayd"
        public static let stateDirectory = "/var/lib/gatewayd"
        public static let rulePriority: UInt32 = 10
        /// babeld's control socket, in RUNDIR, unless BABELPORT asks for wg-docker's TCP port.
        public static let babelSocketName = "babeld.sock"
    }
}

/// Where the gateway's WireGuard private key comes from.
public enum PrivateKeySource: Sendable, Equatable {
    /// WGSECRET: 32 bytes, already validated. Never printed.
    case inline([UInt8])
    /// PRIVATEKEY: read from this file, or generated there (mode 0600) on first start.
    case file(String)
}
