import GatewayCore
import Testing

struct NeighbourTableCapacityTests {
    static func values(_ count: Int) -> [Int] { NeighbourTableCapacity.minimums(meshInterfaces: count).map(\.value) }

    /// Freifunk München's values up to about 2,000 interfaces, then 2/4/8 per interface.
    @Test func minimumsGrowWithTheInterfaces() {
        #expect(Self.values(151) == [4096, 8192, 16384, 65536])
        #expect(Self.values(2002) == [4096, 8192, 16384, 65536])
        #expect(Self.values(10_000) == [20_000, 40_000, 80_000, 160_000])
    }

    func host(_ sysctls: [String: String]) -> InMemoryHost {
        let host = InMemoryHost()
        host.with { $0.sysctls.merge(sysctls) { $1 } }
        return host
    }

    static let defaults = ["net.ipv6.neigh.default.gc_thresh1": "128", "net.ipv6.neigh.default.gc_thresh2": "512",
                           "net.ipv6.neigh.default.gc_thresh3": "1024", "net.ipv6.route.max_size": "4096"]

    @Test func lowValuesAreRaisedAndTheOriginalsKeptForTeardown() throws {
        let host = host(Self.defaults)
        let outcomes = NeighbourTableCapacity.ensure(NeighbourTableCapacity.minimums(meshInterfaces: 151), sysctls: host, record: host)
        #expect(outcomes == [.raised(key: "net.ipv6.neigh.default.gc_thresh1", from: 128, to: 4096),
                             .raised(key: "net.ipv6.neigh.default.gc_thresh2", from: 512, to: 8192),
                             .raised(key: "net.ipv6.neigh.default.gc_thresh3", from: 1024, to: 16384),
                             .raised(key: "net.ipv6.route.max_size", from: 4096, to: 65536)])
        #expect(host.with { $0.record.originalSysctls } == Self.defaults)
        // Teardown puts them back like every other sysctl gatewayd changed.
        try Reconciler(host: host.host).teardown()
        #expect(Self.defaults.allSatisfy { key, value in host.with { $0.sysctls[key] } == value })
    }

    @Test func higherValuesAreNeverLowered() {
        let host = host(["net.ipv6.neigh.default.gc_thresh1": "9000", "net.ipv6.neigh.default.gc_thresh2": "9000",
                         "net.ipv6.neigh.default.gc_thresh3": "99999", "net.ipv6.route.max_size": "2147483647"])
        let outcomes = NeighbourTableCapacity.ensure(NeighbourTableCapacity.minimums(meshInterfaces: 151), sysctls: host, record: host)
        #expect(outcomes.allSatisfy { if case .sufficient = $0 { true } else { false } })
        #expect(host.with { $0.record.originalSysctls }.isEmpty && host.with { $0.log }.isEmpty)
    }

    /// A read-only /proc/sys or a key this network namespace does not have: a warning that
    /// names the `sysctl -w` to run on the host, and nothing fails.
    @Test func whatCannotBeRaisedIsAWarningNamingTheSysctl() {
        let host = host(["net.ipv6.route.max_size": "4096"])
        host.with { $0.readOnlySysctls = ["net.ipv6.route.max_size"] }
        let outcomes = NeighbourTableCapacity.ensure(NeighbourTableCapacity.minimums(meshInterfaces: 151), sysctls: host, record: host)
        #expect(outcomes.allSatisfy { $0.isWarning })
        #expect(outcomes[3].description.hasSuffix("on the host run: sysctl -w net.ipv6.route.max_size=65536"))
        #expect(outcomes[0].description.contains("not in this network namespace"))
        #expect(host.with { $0.sysctls["net.ipv6.route.max_size"] } == "4096")
    }

    @Test func inspectWritesNothing() {
        let host = host(Self.defaults)
        let outcomes = NeighbourTableCapacity.inspect(NeighbourTableCapacity.minimums(meshInterfaces: 151), sysctls: host) {
            $0 != "net.ipv6.route.max_size"
        }
        #expect(outcomes.prefix(3).allSatisfy { if case .raised = $0 { true } else { false } } && outcomes[3].isWarning)
        #expect(host.with { $0.log }.isEmpty)
    }
}
