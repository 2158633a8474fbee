import GatewayCore
import Testing

@Suite struct MeshRegistryTests {
    typealias Registration = MeshRegistry.Registration

    @Test func aReadyDaemonIsToldEveryInterfaceInOrder() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        _ = registry.add("babel-wg-1")
        #expect(registry.daemonReady(.babeld) == [Registration(.add, "mesh0", with: .babeld), Registration(.add, "babel-wg-1", with: .babeld)])
    }

    @Test func interfacesAddedLaterGoToEveryReadyDaemon() {
        var registry = MeshRegistry()
        _ = registry.daemonReady(.babeld)
        _ = registry.daemonReady(.mmfd)
        #expect(registry.add("babel-wg-1") == [Registration(.add, "babel-wg-1", with: .babeld), Registration(.add, "babel-wg-1", with: .mmfd)])
        #expect(registry.add("babel-wg-1") == [], "known already")
    }

    @Test func confirmedRegistrationsAreReportedPerInterface() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        for registration in registry.daemonReady(.babeld) + registry.daemonReady(.l3roamd) { registry.confirmed(registration) }
        #expect(registry.pending.isEmpty)
        #expect(registry.daemons(registering: "mesh0") == [.babeld, .l3roamd])
    }

    @Test func unconfirmedRegistrationsStayPending() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0", "mesh1"])
        let registrations = registry.daemonReady(.mmfd)
        registry.confirmed(registrations[0])
        #expect(registry.pending == [registrations[1]])
    }

    @Test func aRestartedDaemonIsToldEverythingAgain() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        for registration in registry.daemonReady(.mmfd) { registry.confirmed(registration) }
        _ = registry.add("babel-wg-1").map { registry.confirmed($0) }
        registry.daemonDown(.mmfd)
        #expect(registry.daemons(registering: "mesh0") == [])
        #expect(Set(registry.daemonReady(.mmfd).map(\.interface)) == ["mesh0", "babel-wg-1"])
    }

    @Test func removalDeregistersFromReadyDaemonsAndDropsPendingAdds() {
        var registry = MeshRegistry()
        _ = registry.daemonReady(.babeld)
        _ = registry.add("babel-wg-1")
        #expect(registry.remove("babel-wg-1") == [Registration(.remove, "babel-wg-1", with: .babeld)])
        #expect(registry.pending == [Registration(.remove, "babel-wg-1", with: .babeld)])
        #expect(registry.interfaces.isEmpty)
    }
}
