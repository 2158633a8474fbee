import GatewayCore
import Testing

/// babeld's monitor lines as babeld 1.14 prints them (local.c), read into its view.
@Suite struct BabelViewTests {
    static let lines = [
        "add interface babel-wg-1 up false",
        "change interface babel-wg-1 up true ipv6 fe80::1",
        "add interface mesh0 up true ipv6 fe80::a ipv4 192.0.2.1",
        "add neighbour 55d0c1a0 address fe80::2 if babel-wg-1 reach fff0 ureach 0000 rxcost 96 txcost 128 rtt 1.250 rttcost 0 cost 96",
        "add xroute 2001:db8::/64-::/0 prefix 2001:db8::/64 from ::/0 metric 0",
        "add route 55d0c2b0 prefix ::/0 from 2001:db8::/40 installed yes id 02:00:00:ff:fe:00:00:01 metric 96 refmetric 0 via fe80::2 if babel-wg-1",
    ]

    static func view(_ lines: [String]) -> BabelView {
        var view = BabelView()
        for line in lines { view.apply(BabelMonitorLine(line)!) }
        return view
    }

    @Test func interfacesNeighboursAndRoutesAreRead() throws {
        let view = Self.view(Self.lines)
        #expect(view.interfaces["babel-wg-1"] == BabelView.Interface(up: true, ipv6: "fe80::1"))
        #expect(view.interfaces["mesh0"]?.up == true)
        let neighbour = try #require(view.neighbours(on: "babel-wg-1").first)
        #expect(neighbour == BabelView.Neighbour(address: "fe80::2", interface: "babel-wg-1", reach: 0xfff0, rxcost: 96,
                                                  txcost: 128, cost: 96, rttSeconds: 0.00125))
        #expect(view.routes(via: "babel-wg-1").map(\.prefix) == ["::/0"])
        #expect(view.routes(via: "babel-wg-1").first?.installed == true)
        #expect(view.neighbours(on: "mesh0").isEmpty)
    }

    @Test func interfaceLinesAreReportedAndFlushesForget() {
        var view = BabelView()
        #expect(view.apply(BabelMonitorLine("add interface mesh0 up false")!) == .reported("mesh0", up: false))
        #expect(view.apply(BabelMonitorLine("change interface mesh0 up true ipv6 fe80::a")!) == .reported("mesh0", up: true))
        #expect(view.apply(BabelMonitorLine("add neighbour 1 address fe80::b if mesh0 reach ffff ureach 0000 rxcost 96 txcost 96 cost 96")!) == nil)
        #expect(view.apply(BabelMonitorLine("flush neighbour 1 address fe80::b if mesh0 reach 0000 ureach 0000 rxcost 65535 txcost 65535 cost 65535")!) == nil)
        #expect(view.neighbours.isEmpty)
        #expect(view.apply(BabelMonitorLine("flush interface mesh0")!) == .forgotten("mesh0"))
        #expect(view.interfaces.isEmpty)
    }

    @Test func otherLinesAreNotMonitorLines() {
        #expect(BabelMonitorLine("ok") == nil)
        #expect(BabelMonitorLine("BABEL 1.0") == nil)
        #expect(BabelMonitorLine("add gadget 1 up true") == nil, "a subject babeld may add one day")
        #expect(BabelMonitorLine("version babeld-1.14") == nil)
    }

    @Test func babeldsVersionDecidesWhatItIsAsked() throws {
        let old = try #require(BabeldVersion(greeting: "babeld-1.12.1"))
        let new = try #require(BabeldVersion(greeting: "babeld-1.14"))
        let git = try #require(BabeldVersion(greeting: "babeld-1.13.1-12-gdeadbee"))
        #expect(old.flushKeepsNeighbours && !new.flushKeepsNeighbours && git.flushKeepsNeighbours)
        #expect(!old.hasShutdownDelay && new.hasShutdownDelay && git.hasShutdownDelay)
        #expect(old < git && git < new)
        #expect(!(BabeldVersion([1, 14]) < BabeldVersion([1, 14, 0])) && !(BabeldVersion([1, 14, 0]) < BabeldVersion([1, 14])))
        #expect(BabeldVersion(greeting: "1.14") == nil)
        #expect(new.description == "babeld-1.14")
    }
}
