import GatewayControl
import GatewayCore
import Testing

/// Babel per tunnel from babeld's own monitor lines (babeld 1.14's local.c formats): the
/// view `peers` reports, the summary `status` and health use, and the babel metrics.
@Suite struct BabelStatusTests {
    static let lines = [
        "add interface babel-wg-1 up true ipv6 fe80::1",
        "add interface babel-wg-2 up true ipv6 fe80::2",
        "add interface babel-wg-3 up false",
        "add neighbour 5611a0 address fe80::ffff if babel-wg-1 reach fff0 ureach 0000 rxcost 96 txcost 128 rtt 12.500 rttcost 0 cost 128",
        "add neighbour 5611b0 address fe80::abcd if babel-wg-1 reach 8000 ureach 0000 rxcost 900 txcost 900 cost 900",
        "add neighbour 5611c0 address fe80::aaaa if babel-wg-2 reach 0000 ureach 0000 rxcost 65535 txcost 65535 cost 65535",
        "add interface babel-wg-4 up true ipv6 fe80::4",
        "add neighbour 5611d0 address fe80::bbbb if babel-wg-4 reach e000 ureach 0000 rxcost 96 txcost 65535 cost 65535",
        "add route 5612a0 prefix 2001:db8:0:1::11/128 from ::/0 installed yes id 02:11 metric 128 refmetric 0 via fe80::ffff if babel-wg-1",
        "add route 5612b0 prefix 2001:db8:0:1::12/128 from ::/0 installed no id 02:12 metric 1024 refmetric 896 via fe80::abcd if babel-wg-1",
    ]

    static var view: BabelView {
        var view = BabelView()
        for line in lines { view.apply(try! #require(BabelMonitorLine(line))) }
        return view
    }

    static func peer(_ number: Int, age: Int64?, babel: BabelTunnel?) -> PeerStatus {
        PeerStatus(interface: "babel-wg-\(number)", port: 40000 + number, publicKey: "key\(number)", endpoint: nil,
                   latestHandshake: age.map { 1_700_000_000 - $0 }, handshakeAgeSeconds: age, rxBytes: 1, txBytes: 1,
                   registeredWith: [], created: 0, lastSeen: 0, babel: babel)
    }

    @Test func aTunnelHasItsNeighboursRoutesAndTheBestNeighbour() throws {
        let tunnel = BabelTunnel(interface: "babel-wg-1", view: Self.view, mmfd: ["babel-wg-1": ["fe80::ffff"]])
        #expect(tunnel.up == true && tunnel.routes == 2 && tunnel.installedRoutes == 1)
        #expect(tunnel.neighbours.map(\.address) == ["fe80::abcd", "fe80::ffff"])
        let best = try #require(tunnel.best)
        #expect(best.address == "fe80::ffff" && best.reach == 0xfff0 && best.rxcost == 96 && best.txcost == 128 && best.cost == 128)
        #expect(best.rttSeconds == 0.0125)
        #expect(tunnel.hasNeighbour && tunnel.mmfdNeighbours == ["fe80::ffff"])
    }

    @Test func reachZeroIsNoNeighbourAndUnknownOrDownInterfacesHaveNone() {
        let silent = BabelTunnel(interface: "babel-wg-2", view: Self.view, mmfd: [:])
        #expect(silent.up == true && silent.neighbours.count == 1 && silent.best == nil && !silent.hasNeighbour)
        #expect(silent.mmfdNeighbours == [])
        #expect(BabelTunnel(interface: "babel-wg-3", view: Self.view, mmfd: nil).up == false)
        let unknown = BabelTunnel(interface: "babel-wg-9", view: Self.view, mmfd: nil)
        #expect(unknown.up == nil && !unknown.hasNeighbour && unknown.mmfdNeighbours == nil)
    }

    /// Heard, but not yet routable through (no IHU back: txcost infinite).
    @Test func aNeighbourAtInfiniteCostIsNotOneToRouteThrough() {
        let tunnel = BabelTunnel(interface: "babel-wg-4", view: Self.view, mmfd: nil)
        #expect(tunnel.best?.reach == 0xe000 && !tunnel.hasNeighbour)
    }

    /// Only live tunnels count; a live one without a neighbour is named (health: degraded).
    @Test func theSummaryNamesLiveTunnelsWithoutANeighbour() {
        let view = Self.view
        let peers = [
            Self.peer(1, age: 30, babel: BabelTunnel(interface: "babel-wg-1", view: view, mmfd: nil)),
            Self.peer(2, age: 60, babel: BabelTunnel(interface: "babel-wg-2", view: view, mmfd: nil)),
            Self.peer(3, age: 900, babel: BabelTunnel(interface: "babel-wg-3", view: view, mmfd: nil)),
            Self.peer(4, age: nil, babel: BabelTunnel(interface: "babel-wg-4", view: view, mmfd: nil)),
            Self.peer(5, age: 10, babel: BabelTunnel(interface: "babel-wg-5", view: view, mmfd: nil)),
        ]
        let summary = BabelSummary(peers: peers, view: view)
        #expect(summary == BabelSummary(tunnelsUp: 3, tunnelsWithNeighbour: 1, upWithoutNeighbour: ["babel-wg-2", "babel-wg-5"],
                                        neighbours: 3, routes: 2))
    }

    @Test func theMetricsCarryTheBestNeighbourPerInterfaceOnly() {
        let view = Self.view
        let tunnels = (1...3).map { ("babel-wg-\($0)", BabelTunnel(interface: "babel-wg-\($0)", view: view, mmfd: ["babel-wg-1": ["fe80::ffff"]])) }
        var text = PrometheusText()
        text.addBabel(tunnels, summary: BabelSummary(tunnelsUp: 2, tunnelsWithNeighbour: 1, upWithoutNeighbour: ["babel-wg-2"], neighbours: 2, routes: 2))
        for line in [
            #"gatewayd_babel_interface_up{interface="babel-wg-1"} 1"#, #"gatewayd_babel_interface_up{interface="babel-wg-3"} 0"#,
            #"gatewayd_babel_neighbours{interface="babel-wg-1"} 2"#, #"gatewayd_babel_neighbours{interface="babel-wg-2"} 0"#,
            #"gatewayd_babel_neighbour_reach{interface="babel-wg-1"} 65520"#, #"gatewayd_babel_neighbour_rxcost{interface="babel-wg-1"} 96"#,
            #"gatewayd_babel_neighbour_txcost{interface="babel-wg-1"} 128"#, #"gatewayd_babel_neighbour_rtt_seconds{interface="babel-wg-1"} 0.0125"#,
            #"gatewayd_babel_routes{interface="babel-wg-1"} 2"#, #"gatewayd_mmfd_neighbours{interface="babel-wg-1"} 1"#,
            "gatewayd_babel_tunnels_up 2", "gatewayd_babel_tunnels_without_neighbour 1",
        ] {
            #expect(text.text.contains(line + "\n"), "\(line) in\n\(text.text)")
        }
        #expect(!text.text.contains(#"gatewayd_babel_neighbour_reach{interface="babel-wg-2"}"#), "reach 0 is no neighbour")
        #expect(text.text.components(separatedBy: "gatewayd_babel_neighbour_reach{").count == 2, "one series per interface")
    }

    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func promtoolAcceptsTheBabelMetrics() throws {
        let view = Self.view
        var text = PrometheusText()
        text.addBabel([("babel-wg-1", BabelTunnel(interface: "babel-wg-1", view: view, mmfd: nil))],
                      summary: BabelSummary(tunnelsUp: 1, tunnelsWithNeighbour: 1, upWithoutNeighbour: [], neighbours: 2, routes: 2))
        let result = try Promtool.run(["check", "metrics"], input: text.text)
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    }
}
