import GatewayCore
import Testing

@Suite struct MeshRegistryTests {
    typealias Registration = MeshRegistry.Registration

    /// A registry whose daemon took every registration it was sent.
    static func sendAll(_ registrations: [Registration], to registry: inout MeshRegistry) {
        for registration in registrations { registry.sent(registration) }
    }

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

    @Test func interfacesHandedOverAtSpawnAreOnlyConfirmed() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        _ = registry.add("babel-wg-1")
        _ = registry.add("babel-wg-2")
        // babel-wg-2 came after the spawn: it is the only one to send.
        #expect(registry.daemonReady(.mmfd, handedOver: ["mesh0", "babel-wg-1"]) == [Registration(.add, "babel-wg-2", with: .mmfd)])
        #expect(registry.awaitsListing(.mmfd))
        #expect(registry.daemons(registering: "mesh0") == [], "handed over is not yet held")
    }

    @Test func aRegistrationCountsOnlyOnceTheDaemonListsIt() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0", "backbone0"])
        Self.sendAll(registry.daemonReady(.mmfd), to: &registry)
        #expect(registry.pending.isEmpty)
        #expect(registry.daemons(registering: "mesh0") == [], "sent, not shown")
        // Real mmfd drops an interface that does not exist and lists only the others.
        registry.listed(.mmfd, ["mesh0"])
        #expect(registry.daemons(registering: "mesh0") == [.mmfd])
        #expect(registry.daemons(registering: "backbone0") == [])
        #expect(registry.missing() == [.mmfd: ["backbone0"]])
        #expect(registry.confirmedCounts() == [.mmfd: 1])
        #expect(!registry.awaitsListing(.mmfd))
    }

    @Test func unsentRegistrationsStayPending() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0", "mesh1"])
        let registrations = registry.daemonReady(.mmfd)
        registry.sent(registrations[0])
        #expect(registry.pending == [registrations[1]])
    }

    @Test func aRestartedDaemonIsToldEverythingAgain() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        Self.sendAll(registry.daemonReady(.mmfd), to: &registry)
        Self.sendAll(registry.add("babel-wg-1"), to: &registry)
        registry.listed(.mmfd, ["mesh0", "babel-wg-1"])
        registry.daemonDown(.mmfd)
        #expect(registry.daemons(registering: "mesh0") == [])
        #expect(registry.missing().isEmpty)
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

    @Test func aSentRemovalForgetsTheInterface() {
        var registry = MeshRegistry()
        Self.sendAll(registry.daemonReady(.l3roamd) + registry.add("babel-wg-1"), to: &registry)
        registry.listed(.l3roamd, ["babel-wg-1"])
        Self.sendAll(registry.remove("babel-wg-1"), to: &registry)
        #expect(registry.daemons(registering: "babel-wg-1") == [])
        #expect(registry.confirmedCounts() == [.l3roamd: 0])
    }

    @Test func anAppearingLinkIsSentAgainAsEachDaemonNeeds() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0", "backbone0"])
        for daemon in [Daemon.babeld, .mmfd, .l3roamd] { Self.sendAll(registry.daemonReady(daemon), to: &registry) }
        registry.listed(.mmfd, ["mesh0"])
        registry.listed(.l3roamd, ["mesh0"])
        registry.babelReported("mesh0", up: true)
        registry.babelReported("backbone0", up: false)
        // backbone0 created: babeld has it configured and brings it up itself; the socket
        // daemons dropped it. mmfd keeps a re-created link's old index, so it is told anew.
        #expect(registry.linkAppeared("backbone0") == [
            Registration(.remove, "backbone0", with: .mmfd), Registration(.add, "backbone0", with: .mmfd),
            Registration(.add, "backbone0", with: .l3roamd),
        ])
        Self.sendAll(registry.pending, to: &registry)
        // mesh0 deleted and created again: l3roamd follows links itself, mmfd does not.
        #expect(registry.linkAppeared("mesh0") == [Registration(.remove, "mesh0", with: .mmfd), Registration(.add, "mesh0", with: .mmfd)])
        #expect(registry.linkAppeared("unknown0") == [])
    }

    @Test func babeldsMonitorConfirmsWhatItHasUp() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        Self.sendAll(registry.daemonReady(.babeld) + registry.add("babel-wg-1"), to: &registry)
        registry.babelReported("mesh0", up: true)
        registry.babelReported("babel-wg-1", up: false)
        #expect(registry.daemons(registering: "mesh0") == [.babeld])
        #expect(registry.daemons(registering: "babel-wg-1") == [], "configured, but down")
        registry.babelReported("mesh0", up: false)
        #expect(registry.daemons(registering: "mesh0") == [])
        registry.babelReported("stranger0", up: true)
        #expect(registry.daemons(registering: "stranger0") == [], "not ours")
    }

    @Test func aReportBeforeTheAnswerIsNotUndoneByIt() {
        var registry = MeshRegistry()
        _ = registry.daemonReady(.babeld)
        let registrations = registry.add("babel-wg-1")
        registry.babelReported("babel-wg-1", up: true)
        Self.sendAll(registrations, to: &registry)
        #expect(registry.daemons(registering: "babel-wg-1") == [.babeld])
    }

    @Test func anInterfaceBabeldForgotIsSentAgain() {
        var registry = MeshRegistry(staticInterfaces: ["mesh0"])
        Self.sendAll(registry.daemonReady(.babeld), to: &registry)
        registry.babelReported("mesh0", up: true)
        #expect(registry.babelForgot("mesh0") == [Registration(.add, "mesh0", with: .babeld)])
        #expect(registry.babelForgot("mesh0") == [], "already queued")
        #expect(registry.daemons(registering: "mesh0") == [])
    }

    @Test func aRecheckSendsWhatIsMissingOnce() {
        var registry = MeshRegistry(staticInterfaces: ["backbone0"])
        Self.sendAll(registry.daemonReady(.l3roamd), to: &registry)
        registry.listed(.l3roamd, [])
        #expect(registry.retryMissing() == [Registration(.add, "backbone0", with: .l3roamd)])
        #expect(registry.retryMissing() == [], "already queued")
    }
}
