import GatewayCore
import Testing

@Suite struct ReconcilerTests {
    let config = ExampleConfig.wgDocker

    func plan(_ host: InMemoryHost) throws -> HostPlan {
        try Reconciler(host: host.host).plan(for: config)
    }

    @Test func firstConvergeAppliesEverythingFirewallFirstForwardingLast() throws {
        let host = InMemoryHost()
        let changes = try Reconciler(host: host.host).converge(to: try plan(host))
        #expect(changes.count == 4 + 4 + 3)
        let log = host.with { $0.log }
        #expect(log.first == "firewall ipv6/filter")
        #expect(log.last == "sysctl net.ipv6.conf.all.forwarding=1")
    }

    @Test func secondConvergeChangesNothing() throws {
        let host = InMemoryHost()
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: try plan(host))
        #expect(try reconciler.changes(toward: try plan(host)).isEmpty)
    }

    @Test func driftIsRepairedWithOnlyTheMissingPieces() throws {
        let host = InMemoryHost()
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: try plan(host))
        let stray = PolicyRule(selector: .to, prefix: IPv6Prefix("2001:db8::/32")!, table: 10, priority: 10)
        host.with {
            $0.rules.removeFirst()
            $0.rules.append(stray)
            $0.sysctls["net.ipv6.conf.all.forwarding"] = "0"
        }
        let changes = try reconciler.changes(toward: try plan(host))
        #expect(changes.map(\.description) == [
            "- ip -6 rule to 2001:db8::/32 lookup 10 pref 10",
            "+ ip -6 rule to 2a06:8187:fbab:1::/64 lookup 10 pref 10",
            "~ sysctl net.ipv6.conf.all.forwarding: 0 → 1",
        ])
    }

    @Test func teardownRestoresTheOriginalSysctlsAndRemovesEverythingOwned() throws {
        let host = InMemoryHost()
        let before = host.with { $0.sysctls }
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: try plan(host))
        try reconciler.converge(to: try plan(host))
        try reconciler.teardown()
        host.with { state in
            #expect(state.sysctls == before)
            #expect(state.rules.isEmpty && state.routes.isEmpty && state.tables.isEmpty)
            #expect(state.record == HostStateRecord())
        }
        let log = host.with { $0.log }
        let forwardingOff = try #require(log.lastIndex(of: "sysctl net.ipv6.conf.all.forwarding=0"))
        let firstRemoval = try #require(log.firstIndex { $0.hasPrefix("rule-") || $0.hasPrefix("firewall-") })
        #expect(forwardingOff < firstRemoval, "forwarding goes off before the firewall goes away")
    }

    @Test func aPeerInterfaceLookSetsOnlyItsOwnSettingsAndRecordsNoOriginal() throws {
        let host = InMemoryHost()
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: config)
        host.with { $0.interfaces.formUnion(["babel-wg-7", "babel-wg-8"]); $0.log = [] }
        let changes = try reconciler.converge(interfaces: ["babel-wg-7", "babel-wg-8", "babel-wg-9"])
        #expect(changes.map(\.description) == [
            "~ sysctl net.ipv4.conf.babel-wg-7.rp_filter: 1 → 0",
            "~ sysctl net.ipv4.conf.babel-wg-8.rp_filter: 1 → 0",
        ], "babel-wg-9 is gone already: nothing to set")
        host.with { state in
            #expect(state.log == ["sysctl net.ipv4.conf.babel-wg-7.rp_filter=0", "sysctl net.ipv4.conf.babel-wg-8.rp_filter=0"])
            #expect(!state.record.originalSysctls.keys.contains { $0.contains("babel-wg") },
                    "gatewayd made these interfaces: there is no value of before to keep")
        }
        #expect(try reconciler.converge(interfaces: ["babel-wg-7"]).isEmpty)
        #expect(try reconciler.changes(toward: try plan(host)).isEmpty, "the whole plan agrees")
    }

    @Test func aConfiguredMeshInterfaceKeepsItsOriginalForTeardown() throws {
        let host = InMemoryHost()
        _ = host.with { $0.interfaces.insert("mesh0") }
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: config)
        #expect(host.with { $0.record.originalSysctls["net.ipv4.conf.mesh0.rp_filter"] } == "1")
        try reconciler.teardown()
        #expect(host.with { $0.sysctls["net.ipv4.conf.mesh0.rp_filter"] } == "1")
    }

    @Test func aFailedFirewallStepFailsClosed() throws {
        let host = InMemoryHost()
        host.with { $0.failingFirewallTable = (.ipv6, .mangle) }
        #expect {
            try Reconciler(host: host.host).converge(to: try plan(host))
        } throws: { error in
            String(describing: error).hasPrefix("~ ip6tables -t mangle: GATEWAYD-MSS")
                && String(describing: error).hasSuffix("Table does not exist (do you need to insmod?)")
        }
        host.with { state in
            #expect(state.tables.isEmpty, "the filter tables committed before the failure are removed again")
            #expect(state.sysctls["net.ipv6.conf.all.forwarding"] == "0")
            #expect(state.rules.isEmpty)
        }
    }

    @Test func aTeardownThatFailsWhileFailingClosedIsReportedWithTheFailure() throws {
        let host = InMemoryHost()
        host.with {
            $0.failingFirewallTable = (.ipv6, .mangle)
            $0.failingErase = true
        }
        #expect {
            try Reconciler(host: host.host).converge(to: try plan(host))
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix("~ ip6tables -t mangle: GATEWAYD-MSS") && text.contains("the teardown failed too: erasing the host-state record")
        }
    }

    /// The peer ports are added to the host's own reservations and the list restored on teardown.
    @Test func thePeerPortsAreReservedBesideTheHostsOwnAndRestored() throws {
        let host = InMemoryHost()
        host.with { $0.sysctls[ReservedPorts.sysctlKey] = "8080,40500-40600" }
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: try plan(host))
        #expect(host.with { $0.sysctls[ReservedPorts.sysctlKey] } == "8080,40000-40999")
        #expect(try reconciler.converge(to: try plan(host)).isEmpty, "already reserved: nothing to do")
        try reconciler.teardown()
        #expect(host.with { $0.sysctls[ReservedPorts.sysctlKey] } == "8080,40500-40600")
    }

    @Test func aReadOnlyReservationThatAlreadyCoversThePortsIsFine() throws {
        let host = InMemoryHost()
        host.with {
            $0.sysctls[ReservedPorts.sysctlKey] = "30000-50000"
            $0.readOnlySysctls = [ReservedPorts.sysctlKey]
        }
        try Reconciler(host: host.host).converge(to: try plan(host))
    }

    @Test func aReadOnlyReservationWithoutThePortsNamesTheHostCommand() throws {
        let host = InMemoryHost()
        host.with {
            $0.sysctls[ReservedPorts.sysctlKey] = "8080"
            $0.readOnlySysctls = [ReservedPorts.sysctlKey]
        }
        #expect {
            try Reconciler(host: host.host).converge(to: try plan(host))
        } throws: { error in
            String(describing: error).contains("run `sysctl -w net.ipv4.ip_local_reserved_ports=8080,40000-40999` on the host")
        }
    }

    @Test func aReadOnlySysctlWithTheWantedValueIsFine() throws {
        let host = InMemoryHost()
        host.with {
            $0.sysctls["net.ipv6.conf.all.forwarding"] = "1"
            $0.readOnlySysctls = ["net.ipv6.conf.all.forwarding"]
        }
        try Reconciler(host: host.host).converge(to: try plan(host))
    }

    @Test func aReadOnlySysctlWithTheWrongValueNamesTheHostCommand() throws {
        let host = InMemoryHost()
        host.with { $0.readOnlySysctls = ["net.ipv6.conf.all.forwarding"] }
        #expect {
            try Reconciler(host: host.host).converge(to: try plan(host))
        } throws: { error in
            String(describing: error).contains("run `sysctl -w net.ipv6.conf.all.forwarding=1` on the host")
        }
        #expect(host.with { $0.tables.isEmpty && $0.rules.isEmpty })
    }

    @Test func rulesOfARemovedPrefixAreDeletedOnReapply() throws {
        let host = InMemoryHost()
        var config = config
        config.clatPrefix = IPv6Prefix("2a06:8187:fbab:3::/96")
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: HostPlan(config: config, links: LinkSet(present: [])))
        let changes = try reconciler.changes(toward: HostPlan(config: ExampleConfig.wgDocker, links: LinkSet(present: [])))
        #expect(changes.map(\.description) == [
            "- ip -6 rule from 2a06:8187:fbab:3::/96 lookup 10 pref 10",
            "- ip -6 rule to 2a06:8187:fbab:3::/96 lookup 10 pref 10",
        ])
    }

    @Test func aRunningGatewayKeepsItsStateWhenANonFirewallStepFails() throws {
        let host = InMemoryHost()
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: config)
        host.with {
            $0.rules.removeAll()
            $0.readOnlySysctls = ["net.ipv6.conf.all.forwarding"]
            $0.sysctls["net.ipv6.conf.all.forwarding"] = "0"
        }
        #expect(throws: HostChangeError.self) { try reconciler.converge(to: config, onFailure: .removeOnFirewallFailure) }
        host.with { state in
            #expect(state.tables.count == 4, "the firewall stays")
            #expect(state.rules.count == 4, "the steps before the failure were applied")
        }
    }

    @Test func aRunningGatewayFailsClosedWhenTheFirewallFails() throws {
        let host = InMemoryHost()
        let reconciler = Reconciler(host: host.host)
        try reconciler.converge(to: config)
        host.with {
            $0.tables = [:]
            $0.failingFirewallTable = (.ipv4, .filter)
        }
        #expect(throws: HostChangeError.self) { try reconciler.converge(to: config, onFailure: .removeOnFirewallFailure) }
        host.with { state in
            #expect(state.tables.isEmpty && state.rules.isEmpty)
            #expect(state.sysctls["net.ipv6.conf.all.forwarding"] == "0")
        }
    }
}

struct HostChangeRepairTests {
    static let route = RouteSpec(destination: RoutingConstants.responddGroup, device: RoutingConstants.mmfdInterface,
                                 table: RoutingConstants.localTable)
    static let rpFilter = SysctlSetting("net.ipv4.conf.mesh0.rp_filter", "0")
    static let plan = HostPlan(sysctls: [rpFilter], rules: [], routes: [], firewall: [])

    /// mmfd0 appearing adds its route, a MESHIFS link appearing its rp_filter: the plan grew.
    @Test func whatALinksArrivalAddsIsNoRepair() {
        #expect(!HostChange.addRoute(Self.route).repairs(Self.plan))
        #expect(!HostChange.setSysctl(SysctlSetting("net.ipv4.conf.mesh1.rp_filter", "0"), current: "1").repairs(Self.plan))
    }

    @Test func undoingSomeoneElsesChangeIsARepair() {
        var withRoute = Self.plan
        withRoute.routes = [Self.route]
        #expect(HostChange.addRoute(Self.route).repairs(withRoute))
        #expect(HostChange.setSysctl(Self.rpFilter, current: "1").repairs(Self.plan))
        #expect(HostChange.deleteRoute(Self.route).repairs(Self.plan))
        #expect(!HostChange.deleteRoute(Self.route).repairs(withRoute))
    }
}
