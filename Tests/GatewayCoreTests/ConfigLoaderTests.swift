import Foundation
import GatewayCore
import Testing

/// wg-docker's example env-file, verbatim: its WGSECRET decodes to 33 bytes (a text with
/// a newline), and OWNIP lies outside WHOLENET.
let wgDockerExample = """
    DEBUG=true

    WGSECRET=ZGVpeGFpdGhvb1BoZWlqM2F1Nm1vb3Nob2gyYWhtYWgK
    HOST_IP=192.168.13.9

    WHOLENET=2a06:8187:fb00::/40 # this is the whole net-wide prefix
    NODEPREFIX=2a06:8187:fbab:1::/64 # the prefix for infrastructure. This must be in $WHOLENET
    CLIENTPREFIX=2a06:8187:fbab:2::/64 # the prefix in which the clients pick their address. This must be in $WHOLENET
    NEXTNODE=2a06:8187:fbab:2::1 # the next-node address according to site.conf
    OWNIP=fd9c:b2b9:17d8:0:61cc:7dd6:ca1c:8896 # assign this address to one of the docker hosts nic

    """

@Suite struct ConfigLoaderTests {
    static let minimal = """
        WHOLENET=2001:db8::/40
        NODEPREFIX=2001:db8:0:1::/64
        CLIENTPREFIX=2001:db8:0:2::/64
        NEXTNODE=2001:db8:0:2::1
        OWNIP=2001:db8:0:1::1

        """
    static let key = Data(repeating: 7, count: 32).base64EncodedString()

    func load(_ text: String, environment: [String: String] = [:]) -> Result<LoadedConfig, ConfigError> {
        ConfigLoader.load(environment: environment, envFile: ("env-file", text))
    }

    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        guard case .failure(let error) = load(text, environment: environment) else { return [] }
        return error.problems.map(\.description)
    }

    func config(_ text: String, environment: [String: String] = [:]) throws -> GatewayConfig {
        try load(text, environment: environment).get().config
    }

    @Test func wgDockerExampleIsRejectedOnlyForItsKey() {
        #expect(problems(wgDockerExample) == [
            "env-file:3: WGSECRET: is not a WireGuard key (32 bytes of base64, as `wg genkey` prints)",
        ])
    }

    @Test func wgDockerExampleWithoutItsKeyIsValid() throws {
        let text = wgDockerExample.replacingOccurrences(of: "WGSECRET=ZGVpeGFpdGhvb1BoZWlqM2F1Nm1vb3Nob2gyYWhtYWgK\n", with: "")
        let loaded = try load(text).get()
        #expect(loaded.config.wholeNet == IPv6Prefix("2a06:8187:fb00::/40"))
        #expect(loaded.config.ownIP == IPv6Address("fd9c:b2b9:17d8:0:61cc:7dd6:ca1c:8896"))
        #expect(loaded.config.debug)
        #expect(loaded.config.privateKey == .file(GatewayConfig.Defaults.privateKeyPath))
        #expect(loaded.warnings.isEmpty, "HOST_IP is known: no warning")
        #expect(loaded.sources["NODEPREFIX"] == .file(path: "env-file", line: 6), "one line less without WGSECRET")
    }

    @Test func defaultsAreTheSeeds() throws {
        let config = try config(Self.minimal)
        #expect(config.brokerPort == 40000 && config.startPort == 40000 && config.endPort == 41000)
        #expect(config.babelPort == 33123 && config.mtu == 1374 && config.maxConnections == 150)
        #expect(config.l3roamdSocket == "/var/run/l3roamd.sock" && config.mmfdSocket == "/var/run/mmfd.sock")
        #expect(config.meshInterfaces.isEmpty && config.wan == nil && !config.debug)
        #expect(config.rulePriority == 10 && config.runDirectory == "/run/gatewayd")
    }

    @Test func everyVariableIsRead() throws {
        let config = try config(Self.minimal + """
            CLATPREFIX=2001:db8:0:3::/96
            PLATPREFIX=2001:db8:0:4::/96
            WGSECRET=\(Self.key)
            PRIVATEKEY=/etc/key
            BROKERPORT=4000
            STARTPORT=5000
            ENDPORT=5100
            BABELPORT=3000
            MTU=1280
            WAN='uplink'
            MAXCONNECTIONS=100
            L3ROAMDSOCK=/run/l3.sock
            MMFDSOCK=/run/mmfd.sock
            MESHIFS=mesh0  mesh1
            DEBUG=no
            RUNDIR=/tmp/run
            STATEDIR=/tmp/state
            RULEPRIORITY=100
            """)
        #expect(config.clatPrefix == IPv6Prefix("2001:db8:0:3::/96") && config.platPrefix == IPv6Prefix("2001:db8:0:4::/96"))
        #expect(config.ownIP == IPv6Address("2001:db8:0:1::1"))
        #expect(config.privateKey == .inline([UInt8](repeating: 7, count: 32)))
        #expect(config.brokerPort == 4000 && config.startPort == 5000 && config.endPort == 5100 && config.babelPort == 3000)
        #expect(config.mtu == 1280 && config.wan == "uplink" && config.maxConnections == 100)
        #expect(config.l3roamdSocket == "/run/l3.sock" && config.mmfdSocket == "/run/mmfd.sock")
        #expect(config.meshInterfaces == ["mesh0", "mesh1"] && !config.debug)
        #expect(config.runDirectory == "/tmp/run" && config.stateDirectory == "/tmp/state" && config.rulePriority == 100)
    }

    @Test(arguments: [
        ("CLIENTPREFIX=fda9::/129", "env-file:6: CLIENTPREFIX: \"fda9::/129\" is not an IPv6 prefix"),
        ("CLIENTPREFIX=2001:db8:0:2::1/64", "env-file:6: CLIENTPREFIX: \"2001:db8:0:2::1/64\" has host bits set (did you mean 2001:db8:0:2::/64?)"),
        ("NODEPREFIX=2001:db9::/64", "env-file:6: NODEPREFIX: 2001:db9::/64 is not inside WHOLENET 2001:db8::/40"),
        ("NEXTNODE=2001:db9::1", "env-file:6: NEXTNODE: 2001:db9::1 is not inside WHOLENET 2001:db8::/40"),
        ("NEXTNODE=2001:db8::g", "env-file:6: NEXTNODE: \"2001:db8::g\" is not an IPv6 address"),
        ("OWNIP=10.0.0.1", "env-file:6: OWNIP: \"10.0.0.1\" is not an IPv6 address"),
        ("CLIENTPREFIX=2001:db8:0:1:8000::/65", "env-file:6: CLIENTPREFIX: 2001:db8:0:1:8000::/65 overlaps NODEPREFIX 2001:db8:0:1::/64"),
        ("CLATPREFIX=2001:db8:0:3::/64", "env-file:6: CLATPREFIX: \"2001:db8:0:3::/64\" must be a /96 prefix"),
        ("PLATPREFIX=2001:db8:0:2::/96", "env-file:6: PLATPREFIX: 2001:db8:0:2::/96 overlaps CLIENTPREFIX 2001:db8:0:2::/64"),
        ("WGSECRET=abc", "env-file:6: WGSECRET: is not a WireGuard key (32 bytes of base64, as `wg genkey` prints)"),
        ("PRIVATEKEY=key", "env-file:6: PRIVATEKEY: \"key\" is not an absolute path"),
        ("BROKERPORT=0", "env-file:6: BROKERPORT: \"0\" is not a number from 1 to 65535"),
        ("BABELPORT=65536", "env-file:6: BABELPORT: \"65536\" is not a number from 1 to 65535"),
        ("STARTPORT=x", "env-file:6: STARTPORT: \"x\" is not a number from 1 to 65535"),
        ("ENDPORT=40000", "env-file:6: ENDPORT: 40000 must be greater than STARTPORT 40000"),
        ("MTU=100", "env-file:6: MTU: \"100\" is not a number from 1280 to 9000"),
        ("MAXCONNECTIONS=0", "env-file:6: MAXCONNECTIONS: \"0\" is not a number from 1 to 65535"),
        ("MAXCONNECTIONS=1001", "env-file:6: MAXCONNECTIONS: 1001 exceeds the 1000 ports from STARTPORT to ENDPORT (one per peer)"),
        ("WAN=eth0/1", "env-file:6: WAN: \"eth0/1\" is not an interface name"),
        ("WAN=averyveryverylongname", "env-file:6: WAN: \"averyveryverylongname\" is longer than 15 characters"),
        ("MESHIFS=babel-wg-+", "env-file:6: MESHIFS: \"babel-wg-+\" is a wildcard, not an interface name"),
        ("MESHIFS=mesh0 mesh0", "env-file:6: MESHIFS: mesh0 is listed twice"),
        ("L3ROAMDSOCK=l3.sock", "env-file:6: L3ROAMDSOCK: \"l3.sock\" is not an absolute path"),
        ("MMFDSOCK=mmfd.sock", "env-file:6: MMFDSOCK: \"mmfd.sock\" is not an absolute path"),
        ("RUNDIR=run", "env-file:6: RUNDIR: \"run\" is not an absolute path"),
        ("STATEDIR=state", "env-file:6: STATEDIR: \"state\" is not an absolute path"),
        ("RULEPRIORITY=32766", "env-file:6: RULEPRIORITY: \"32766\" is not a number from 1 to 32765"),
        ("this line is broken", "env-file:6: not a KEY=VALUE line (the line is not shown: it may hold a secret)"),
        ("WAN=eth'0", "env-file:6: WAN: \"eth'0\" is not an interface name"),
        ("WAN=eth\"0", "env-file:6: WAN: \"eth\"0\" is not an interface name"),
        ("MESHIFS=mesh0 me'sh1", "env-file:6: MESHIFS: \"me'sh1\" is not an interface name"),
        ("WAN=\"eth0", "env-file:6: WAN: the value's opening quote is never closed"),
        ("BABELD=off", "env-file:6: BABELD: babeld cannot be turned off: it is the gateway's routing"),
        ("ONFAILURE=retry", "env-file:6: ONFAILURE: \"retry\" is neither exit nor giveup"),
        ("RESTARTLIMIT=0", "env-file:6: RESTARTLIMIT: \"0\" is not a number from 1 to 1000"),
        ("BACKOFFMAX=0", "env-file:6: BACKOFFMAX: \"0\" is not a number from 1 to 3600"),
        ("READYTIMEOUT=x", "env-file:6: READYTIMEOUT: \"x\" is not a number from 1 to 600"),
        ("STOPTIMEOUT=601", "env-file:6: STOPTIMEOUT: \"601\" is not a number from 1 to 600"),
        ("BABELPEERIFOPTIONS=rxcost", "env-file:6: BABELPEERIFOPTIONS: \"rxcost\" is not a list of babeld interface options (`keyword value` pairs)"),
        ("BABELMESHIFOPTIONS=type wired rxcots 10", "env-file:6: BABELMESHIFOPTIONS: rxcots is not a babeld interface option (known: accept-bad-signatures, enable-timestamps, faraway, hello-interval, link-quality, max-rtt-penalty, rfc6126-compatible, rtt-decay, rtt-max, rtt-min, rxcost, split-horizon, type, unicast, update-interval, v4-via-v6)"),
        ("BABELPEERIFOPTIONS=rxcost 10;flush", "env-file:6: BABELPEERIFOPTIONS: \"10;flush\" is not a value for rxcost"),
    ])
    func everyErrorNamesFileLineAndVariable(line: String, message: String) {
        #expect(problems(Self.minimal + line) == [message])
    }

    /// wireguard-go's socket directory is compiled in: another one would fail every peer.
    @Test func wgSocketDirOtherThanWireGuardGosIsRejectedUnlessTheBackendIsKernel() throws {
        let problem = problems(Self.minimal + "WGSOCKETDIR=/run/wg")
        #expect(problem.count == 1 && problem[0].hasPrefix("env-file:6: WGSOCKETDIR: \"/run/wg\" is not wireguard-go's socket directory"))
        #expect(problems(Self.minimal + "WG_BACKEND=userspace\nWGSOCKETDIR=/run/wg").count == 1)
        #expect(try config(Self.minimal + "WG_BACKEND=kernel\nWGSOCKETDIR=/run/wg").broker.uapiDirectory == "/run/wg")
        #expect(try config(Self.minimal + "WGSOCKETDIR=/var/run/wireguard/").broker.uapiDirectory == "/var/run/wireguard/")
    }

    @Test func wanInMeshifsIsRejected() {
        #expect(problems(Self.minimal + "WAN=eth0\nMESHIFS=eth0") == ["env-file:6: WAN: eth0 is also listed in MESHIFS"])
    }

    @Test func missingRequiredVariablesAreAllReportedAtOnce() {
        #expect(problems("") == [
            "env-file: WHOLENET: required (e.g. WHOLENET=2001:db8::/40)",
            "env-file: NODEPREFIX: required (e.g. NODEPREFIX=2001:db8::/40)",
            "env-file: CLIENTPREFIX: required (e.g. CLIENTPREFIX=2001:db8::/40)",
            "env-file: NEXTNODE: required (e.g. NEXTNODE=2001:db8::1)",
            "env-file: OWNIP: required while l3roamd runs (its -a address); set OWNIP or L3ROAMD=off",
        ])
        guard case .failure(let error) = ConfigLoader.load(environment: [:]) else { Issue.record("accepted"); return }
        #expect(error.problems.first?.description == "environment: WHOLENET: required (e.g. WHOLENET=2001:db8::/40)")
    }

    @Test func allProblemsOfAFileComeTogether() {
        #expect(problems(Self.minimal + "MTU=1\nBROKERPORT=x\nWAN=a b") == [
            "env-file:8: WAN: \"a b\" is not an interface name",
            "env-file:7: BROKERPORT: \"x\" is not a number from 1 to 65535",
            "env-file:6: MTU: \"1\" is not a number from 1280 to 9000",
        ])
    }

    @Test func theFileWinsOverTheEnvironment() throws {
        let environment = ["MTU": "1400", "WAN": "env0", "BROKERPORT": "999"]
        let loaded = try load(Self.minimal + "MTU=1500\nWAN\n", environment: environment).get()
        #expect(loaded.config.mtu == 1500)
        #expect(loaded.config.wan == "env0", "a bare KEY takes the environment's value")
        #expect(loaded.config.brokerPort == 999)
        #expect(loaded.sources["BROKERPORT"] == .environment)
    }

    /// What `docker run --env-file` delivers from wg-docker's example: quotes and comments kept.
    @Test func environmentValuesAreUnquotedLikeFileValues() throws {
        let environment = ["WAN": "\"eth0\"", "WHOLENET": "2001:db8::/40 # this is the whole net-wide prefix"]
        let loaded = try ConfigLoader.load(environment: environment, envFile: ("env-file", Self.minimal.replacingOccurrences(
            of: "WHOLENET=2001:db8::/40\n", with: ""))).get()
        #expect(loaded.config.wan == "eth0")
        #expect(loaded.config.wholeNet == IPv6Prefix("2001:db8::/40"))
    }

    @Test func environmentProblemsSayEnvironment() {
        #expect(problems(Self.minimal, environment: ["MTU": "x"]) == [
            "environment: MTU: \"x\" is not a number from 1280 to 9000",
        ])
    }

    @Test func unknownVariablesWarnWithSuggestions() throws {
        let loaded = try load(Self.minimal + "NODPREFIX=x\nmtu=1400\nCOLOR=blue\nWG=\"wg\"\nMTU=1300\nMTU=1400").get()
        #expect(loaded.warnings.map(\.description) == [
            "env-file:6: NODPREFIX: unknown variable, did you mean NODEPREFIX?",
            "env-file:7: mtu: unknown variable, did you mean MTU?",
            "env-file:8: COLOR: unknown variable, ignored",
            "env-file:11: MTU: set again (line 10 is overridden)",
            "env-file:9: WG: ignored: gatewayd does not shell out to wg",
        ])
        #expect(loaded.config.mtu == 1400)
    }

    /// babeld's measured ceiling (Docs/benchmarks.md section 7): peers and static mesh
    /// interfaces together count; at the ceiling itself nothing is said.
    @Test func moreMeshInterfacesThanOneBabeldCarriesWarn() throws {
        let ports = "STARTPORT=40000\nENDPORT=42000\n"
        let atCeiling = try load(Self.minimal + ports + "MAXCONNECTIONS=998\nMESHIFS=\"bb0 bb1\"\n").get()
        #expect(atCeiling.warnings.isEmpty)
        let over = try load(Self.minimal + ports + "MAXCONNECTIONS=999\nMESHIFS=\"bb0 bb1\"\n").get()
        #expect(over.warnings.map(\.description) == [
            "env-file:8: MAXCONNECTIONS: 1001 mesh interfaces (MAXCONNECTIONS 999 + 2 in MESHIFS) exceed the 1000 one "
                + "babeld is measured to carry: its restarts outgrow READYTIMEOUT and its interface checks grow with the "
                + "square of the count; spread the nodes over more gateways (Docs/operations.md, Scale)",
        ])
        #expect(try load(Self.minimal + ports + "MAXCONNECTIONS=2000\n").get().warnings.count == 1)
    }

    @Test func daemonSettingsDefaultToTheSeedsDaemonsAndARootOnlyBabelSocket() throws {
        let daemons = try config(Self.minimal).daemons
        #expect(daemons.binaries == [.babeld: "babeld", .mmfd: "mmfd", .l3roamd: "l3roamd"])
        #expect(daemons.babelControl == .unix("/run/gatewayd/babeld.sock"))
        #expect(daemons.restart == RestartPolicy())
        #expect(daemons.babelInterfaces == BabelInterfaceLines(meshOptions: "type wired rxcost 10 update-interval 60", peerOptions: ""))
    }

    @Test func babelInterfaceOptionsAreRead() throws {
        let daemons = try config(Self.minimal + "BABELMESHIFOPTIONS=\nBABELPEERIFOPTIONS=  type wired   rxcost 96 \n").daemons
        #expect(daemons.babelInterfaces == BabelInterfaceLines(meshOptions: "", peerOptions: "type wired rxcost 96"),
                "set but empty: babeld's defaults")
    }

    @Test func daemonSettingsAreRead() throws {
        let daemons = try config(Self.minimal + """
            BABELPORT=33123
            BABELD=/opt/babeld
            MMFD=off
            L3ROAMD=off
            RESTARTLIMIT=3
            ONFAILURE=giveup
            BACKOFFMAX=8
            READYTIMEOUT=5
            STOPTIMEOUT=2
            """).daemons
        #expect(daemons.binaries == [.babeld: "/opt/babeld"])
        #expect(daemons.babelControl == .tcp(33123))
        #expect(daemons.restart == RestartPolicy(maxBackoff: .seconds(8), readyTimeout: .seconds(5), stopTimeout: .seconds(2),
                                                 failureLimit: 3, onGiveUp: .stayFailed))
    }

    @Test func withoutL3roamdOwnIPIsOptional() throws {
        let text = Self.minimal.replacingOccurrences(of: "OWNIP=2001:db8:0:1::1\n", with: "") + "L3ROAMD=off"
        #expect(try config(text).ownIP == nil)
    }

    @Test func emptyValuesMeanUnset() throws {
        #expect(try config(Self.minimal + "WAN=\nMTU=\n").wan == nil)
    }

    @Test func aNulInAnInterfaceNameFromTheEnvironmentIsRejected() {
        #expect(problems(Self.minimal, environment: ["WAN": "eth\u{0}0"]) == ["environment: WAN: \"eth\u{0}0\" is not an interface name"])
    }

    @Test func aCRLFFileWithAByteOrderMarkLoadsLikeItsUnixTwin() throws {
        let windows = [0xEF, 0xBB, 0xBF] + Array((Self.minimal + "WAN=\"eth0\"\nMTU=1400\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let loaded = try ConfigLoader.load(environment: [:], envFile: (path: "f", bytes: windows)).get()
        #expect(loaded.config == (try config(Self.minimal + "WAN=eth0\nMTU=1400\n")))
    }

    /// Misspelt, malformed, pasted alone or invalid: no problem or warning shows the key.
    @Test(arguments: ["WGSECRET:", "WGSECRET ", "WGSECRT=", "WG_SECRET=", "WGSECRET=x", "wgsecret:", "", "export WGSECRET "])
    func noErrorEverShowsASecret(prefix: String) {
        for secret in ["kB9zV3nIYl7hJ2qXl1Kp+Wc/8a0dQmT4eF6sR5uGyHo=", "kB9zV3nIYl7hJ2qXl1KpaWcb8a0dQmT4eF6sR5uGyHo="] {
            let text = Self.minimal + prefix + secret + "\nMTU=1\n"
            let report: [String]
            switch load(text) {
            case .failure(let error): report = (error.problems + error.warnings).map(\.description)
            case .success(let loaded): report = loaded.warnings.map(\.description)
            }
            #expect(!report.isEmpty, "the MTU problem at least")
            for line in report { #expect(!line.contains(secret.prefix(12)), "\(line)") }
        }
    }

    @Test func runDirectoryIsUnquotedAsTheLoaderDoes() {
        #expect(ConfigLoader.runDirectory(environment: ["RUNDIR": "\"/srv/run\""], envFile: nil) == "/srv/run")
        #expect(ConfigLoader.runDirectory(environment: ["RUNDIR": "/srv/run"], envFile: Array("RUNDIR='/a'\r\n".utf8)) == "/a")
        #expect(ConfigLoader.runDirectory(environment: [:], envFile: nil) == GatewayConfig.Defaults.runDirectory)
    }
}
