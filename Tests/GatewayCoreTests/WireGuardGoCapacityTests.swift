import GatewayCore
import Testing

@Suite struct WireGuardGoCapacityTests {
    let key = WireGuardGoCapacity.inotifyInstancesKey

    func host(limit: String?, readOnly: Bool = false) -> InMemoryHost {
        let host = InMemoryHost()
        host.with { state in
            state.sysctls[key] = limit
            if readOnly { state.readOnlySysctls.insert(key) }
        }
        return host
    }

    @Test func theKernelDefaultIsRaisedToCoverMaxConnectionsPlusTheReserve() {
        let host = host(limit: "128")
        #expect(WireGuardGoCapacity.ensure(maxConnections: 1000, sysctls: host) == .raised(from: 128, to: 1128))
        #expect(host.with { $0.sysctls[key] } == "1128")
    }

    @Test func aHigherLimitIsNeverLowered() {
        let host = host(limit: "8192")
        #expect(WireGuardGoCapacity.ensure(maxConnections: 1000, sysctls: host) == .sufficient(limit: 8192))
        #expect(host.with { $0.sysctls[key] } == "8192")
    }

    @Test func aReadOnlyLimitIsReportedWithTheCommandForTheHost() {
        let outcome = WireGuardGoCapacity.ensure(maxConnections: 500, sysctls: host(limit: "128", readOnly: true))
        guard case .tooLow(limit: 128, needed: 628, _) = outcome else {
            Issue.record("expected tooLow, got \(outcome)")
            return
        }
        #expect(outcome.description.contains("sysctl -w fs.inotify.max_user_instances=628"))
        #expect(outcome.description.contains("beyond about 0"))
    }

    @Test func aMissingKeyIsTooLowNotACrash() {
        let outcome = WireGuardGoCapacity.ensure(maxConnections: 10, sysctls: host(limit: nil))
        #expect(outcome.description.contains("not readable"))
    }
}
