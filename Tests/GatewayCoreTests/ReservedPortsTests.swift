@testable import GatewayCore
import Testing

@Suite struct ReservedPortsTests {
    @Test(arguments: [
        ("", "40000-40999", "40000-40999"),
        ("8080", "40000-40999", "8080,40000-40999"),
        ("39000-40000,40999-42000", "40000-40999", "39000-42000"),
        ("40000-40998", "40000-40999", "40000-40999"),
        ("39999", "40000-40999", "39999-40999"),
        ("30000-50000", "40000-40999", "30000-50000"),        // covered: left as it is
        ("41000,40000-40999", "40000-40999", "41000,40000-40999"),
    ])
    func theRangeIsAddedToTheHostsReservations(current: String, wanted: String, merged: String) {
        #expect(ReservedPorts.merged(current, adding: wanted) == merged)
    }

    @Test func theSettingCoversStartToEndExclusive() {
        #expect(ReservedPorts.setting(for: 40000..<41000).description == "net.ipv4.ip_local_reserved_ports=40000-40999")
    }
}
