import GatewayCore
import Testing

@Suite struct UplinkHysteresisTests {
    @Test func theFirstResultDecidesAtOnce() {
        var up = UplinkHysteresis(failuresToDown: 3, successesToUp: 3)
        #expect(up.record(success: true) == .wentUp)
        var down = UplinkHysteresis(failuresToDown: 3, successesToUp: 3)
        #expect(down.record(success: false) == .wentDown)
    }

    @Test func goesDownOnlyAfterEnoughFailuresInARow() {
        var uplink = UplinkHysteresis(failuresToDown: 3, successesToUp: 2)
        _ = uplink.record(success: true)
        let flapping = [false, false, true, false, false, true].map { uplink.record(success: $0) }
        #expect(flapping.allSatisfy { $0 == nil } && uplink.state == .up, "a good check resets the count")
        #expect([false, false, false].map { uplink.record(success: $0) } == [nil, nil, .wentDown])
        #expect([true, false, true, true].map { uplink.record(success: $0) } == [nil, nil, nil, .wentUp])
    }
}

@Suite struct UplinkConfigurationTests {
    static let base = ["WHOLENET": "2001:db8::/40", "NODEPREFIX": "2001:db8:0:1::/64", "CLIENTPREFIX": "2001:db8:0:2::/64",
                       "NEXTNODE": "2001:db8:0:2::1", "L3ROAMD": "off"]

    @Test func uplinkAndControlVariablesAreRead() throws {
        let environment = Self.base.merging(["UPLINKROUTE": "::/0", "UPLINKPROBE": "[2001:db8::1]:443", "UPLINKFAILURES": "5",
                                             "METRICS_LISTEN": "127.0.0.1:9184", "CONTROLSOCKET": "/run/gw.sock"]) { $1 }
        let config = try ConfigLoader.load(environment: environment).get().config
        #expect(config.uplink.route?.description == "::/0" && config.uplink.routeTable == 254)
        #expect(config.uplink.probe == HostPort(host: "2001:db8::1", port: 443) && config.uplink.failuresToDown == 5)
        #expect(config.uplink.summary == "route ::/0 in table 254, tcp [2001:db8::1]:443")
        #expect(config.control.metricsListen?.description == "127.0.0.1:9184" && config.control.socketPath == "/run/gw.sock")
        #expect(config.uplink.announcedRoute.description == "::/0")
    }

    @Test(arguments: ["example.org:443", "[2001:db8::1]", "2001:db8::1:443", "[::1]:0", "300.1.1.1:80", "[::1]:70000"])
    func addressesMustBeLiteralWithAPort(_ text: String) {
        #expect(HostPort(text) == nil)
        guard case .failure(let error) = ConfigLoader.load(environment: Self.base.merging(["UPLINKPROBE": text]) { $1 }) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.problems.map(\.variable) == ["UPLINKPROBE"])
    }
}
