import GatewayCore
import Testing

@Suite struct DaemonCommandLineTests {
    let config = ExampleConfig.wgDocker

    func arguments(_ daemon: Daemon, _ config: GatewayConfig? = nil, babeld version: BabeldVersion? = nil) -> [String] {
        DaemonCommandLine.arguments(for: daemon, binary: daemon.rawValue, config: config ?? self.config,
                                    babelControl: .unix("/run/gatewayd/babeld.sock"), babeldVersion: version)
    }

    func directives(_ arguments: [String]) -> [String] {
        stride(from: 6, to: arguments.count, by: 2).map { arguments[$0] }
    }

    @Test func babeldGetsTheSeedsDirectives() {
        let directives = stride(from: 6, to: arguments(.babeld).count, by: 2).map { arguments(.babeld)[$0] }
        #expect(Array(arguments(.babeld).prefix(5)) == ["babeld", "-I", "", "-S", "/run/gatewayd/babel-state"])
        #expect(directives == [
            "skip-kernel-setup true",
            "ipv6-subtrees true", "reflect-kernel-metric true", "export-table 10", "import-table 11", "import-table 12",
            "local-path-readwrite /run/gatewayd/babeld.sock",
            "default enable-timestamps true", "default max-rtt-penalty 96", "default rtt-min 25",
            "out ip 2a06:8187:fbab:2::1/128 deny", "redistribute ip 2a06:8187:fbab:2::1/128 deny",
            "redistribute ip 2a06:8187:fbab:2::/64 eq 128 allow",
            "redistribute ip 2a06:8187:fbab:1::/64 eq 128 allow",
            "redistribute src-ip 2a06:8187:fb00::/40 ip 2000::/3 allow",
            "redistribute ip ::/0 allow", "redistribute ip 2000::/3 allow", "redistribute local deny",
            "install pref-src fd9c:b2b9:17d8:0:61cc:7dd6:ca1c:8896",
            "interface mesh0 type wired rxcost 10 update-interval 60",
        ])
    }

    @Test func babeldWithoutStaticInterfacesGetsAPlaceholder() {
        var config = config
        config.meshInterfaces = []
        #expect(arguments(.babeld, config).last == "interface gwd-placeholder")
    }

    @Test func babeldWaitsForItsRetractionsWhereItCan() {
        let delay = "shutdown-delay-ms \(DaemonCommandLine.shutdownDelayMilliseconds)"
        #expect(directives(arguments(.babeld, babeld: BabeldVersion([1, 14]))).contains(delay))
        #expect(!directives(arguments(.babeld, babeld: BabeldVersion([1, 12, 1]))).contains(delay), "1.12 exits on it")
        #expect(!directives(arguments(.babeld)).contains(delay), "unknown version")
    }

    @Test func staticInterfacesAndPeerTunnelsHaveTheirOwnOptions() {
        var config = config
        config.daemons.babelInterfaces = BabelInterfaceLines(meshOptions: "type wired", peerOptions: "rxcost 96")
        #expect(arguments(.babeld, config).last == "interface mesh0 type wired")
        let lines = BabelInterfaceLines()
        #expect(lines.line(for: "babel-wg-1", isStatic: false) == "interface babel-wg-1", "as wg-broker registers a tunnel")
        #expect(lines.line(for: "mesh0", isStatic: true) == "interface mesh0 type wired rxcost 10 update-interval 60")
    }

    @Test func aRestartingDaemonGetsEveryPeerAtOnce() {
        let peers = ["babel-wg-1", "babel-wg-2"]
        #expect(DaemonCommandLine.handover(peers: peers, to: .babeld, lines: BabelInterfaceLines())
            == ["-C", "interface babel-wg-1", "-C", "interface babel-wg-2"])
        #expect(DaemonCommandLine.handover(peers: peers, to: .mmfd, lines: BabelInterfaceLines()) == ["-i", "babel-wg-1", "-i", "babel-wg-2"])
        #expect(DaemonCommandLine.handover(peers: peers, to: .l3roamd, lines: BabelInterfaceLines()) == ["-m", "babel-wg-1", "-m", "babel-wg-2"])
    }

    @Test func babeldCanUseTheSeedsTcpPort() {
        let arguments = DaemonCommandLine.arguments(for: .babeld, binary: "babeld", config: config, babelControl: .tcp(33123))
        #expect(arguments.contains("local-port-readwrite 33123"))
    }

    @Test func mmfdAndL3roamdGetSocketsPrefixesAndStaticInterfaces() {
        #expect(arguments(.mmfd) == ["mmfd", "-s", "/var/run/mmfd.sock", "-i", "mesh0"])
        #expect(arguments(.l3roamd) == [
            "l3roamd", "-s", "/var/run/l3roamd.sock", "-p", "2a06:8187:fbab:1::/64", "-p", "2a06:8187:fbab:2::/64",
            "-m", "mesh0", "-t", "11", "-a", "fd9c:b2b9:17d8:0:61cc:7dd6:ca1c:8896", "-4", "0:0:0:0:0:ffff::/96",
        ])
    }
}
