import Foundation
import GatewayCore
import Testing

@Suite struct BrokerPeerManagerTests {
    let world = FakeBrokerWorld()

    @Test func newKeyGetsInterfacePortStoreAndRegistrationInThatOrder() async {
        let reply = await world.manager().handle(TestKeys.request(1))
        #expect(reply == .accepted(port: 40000, time: 1_700_000_000))
        world.read {
            #expect($0.log == ["create babel-wg-1:40000", "register babel-wg-1"])
            #expect($0.records[TestKeys.key(1)]?.interface == "babel-wg-1")
            #expect($0.registered == ["babel-wg-1"])
        }
    }

    @Test func repeatedRequestReturnsTheSamePortWithoutTouchingTheTunnel() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        world.advance(10)
        let again = await manager.handle(TestKeys.request(1))
        #expect(again == .accepted(port: 40000, time: 1_700_000_010))
        #expect(world.read { $0.log.count } == 2)
    }

    @Test func concurrentRequestsForOneKeyMakeOneTunnel() async {
        world.with { $0.createDelay = .milliseconds(20) }
        let manager = world.manager()
        let replies = await withTaskGroup(of: BrokerReply.self) { group in
            for _ in 0..<10 { group.addTask { await manager.handle(TestKeys.request(1)) } }
            return await group.reduce(into: [BrokerReply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0 == .accepted(port: 40000, time: 1_700_000_000) })
        #expect(world.read { $0.interfaces.count } == 1)
    }

    @Test func concurrentNewKeysGetDistinctPortsAndNames() async {
        world.with { $0.createDelay = .milliseconds(5) }
        let manager = world.manager()
        let replies = await withTaskGroup(of: BrokerReply.self) { group in
            for index in 0..<50 { group.addTask { await manager.handle(TestKeys.request(index)) } }
            return await group.reduce(into: [BrokerReply]()) { $0.append($1) }
        }
        let ports = replies.compactMap { if case .accepted(let port, _) = $0 { port } else { nil } }
        #expect(Set(ports) == Set(40000..<40050))
        #expect(Set(world.read { $0.interfaces.keys }) == Set((1...50).map(PeerInterfaceNames.name)))
    }

    @Test func maxConnectionsHoldsAlsoForRequestsInFlight() async {
        world.with { $0.createDelay = .milliseconds(20) }
        let manager = world.manager(maxConnections: 3)
        let replies = await withTaskGroup(of: BrokerReply.self) { group in
            for index in 0..<8 { group.addTask { await manager.handle(TestKeys.request(index)) } }
            return await group.reduce(into: [BrokerReply]()) { $0.append($1) }
        }
        #expect(replies.filter { $0 == .refused }.count == 5)
        #expect(await manager.connectionCount == 3)
        // A known key is still served at the limit.
        let known = await manager.records[0].key
        #expect(await manager.handle(BrokerRequest(publicKey: known)) != .refused)
    }

    @Test func exhaustedPortRangeRefuses() async {
        let manager = world.manager(ports: 40000..<40002)
        _ = await manager.handle(TestKeys.request(1))
        _ = await manager.handle(TestKeys.request(2))
        #expect(await manager.handle(TestKeys.request(3)) == .refused)
    }

    @Test func failedCreateLeavesNothingAndFreesThePortAndName() async {
        world.with { $0.failCreate = ["babel-wg-1"] }
        let manager = world.manager()
        #expect(await manager.handle(TestKeys.request(1)) == .refused)
        world.read { #expect($0.interfaces.isEmpty && $0.records.isEmpty && $0.registered.isEmpty) }
        world.with { $0.failCreate = [] }
        #expect(await manager.handle(TestKeys.request(2)) == .accepted(port: 40000, time: 1_700_000_000))
    }

    @Test func failedStoreRemovesTheInterfaceAgain() async {
        world.with { $0.failSave = true }
        #expect(await world.manager().handle(TestKeys.request(1)) == .refused)
        world.read { #expect($0.interfaces.isEmpty && $0.registered.isEmpty) }
    }

    @Test func deniedKeyIsRefusedAndReloadRemovesExistingTunnels() async {
        let manager = world.manager(policy: KeyPolicy(denied: [TestKeys.key(9)]))
        #expect(await manager.handle(TestKeys.request(9)) == .refused)
        _ = await manager.handle(TestKeys.request(1))
        _ = await manager.handle(TestKeys.request(2))
        await manager.apply(KeyPolicy(allowed: [TestKeys.key(2)]))
        #expect(await manager.records.map(\.key) == [TestKeys.key(2)])
        world.read {
            #expect(Array($0.log.suffix(2)) == ["deregister babel-wg-1", "delete babel-wg-1"])
            #expect($0.records.keys.sorted { $0.base64 < $1.base64 } == [TestKeys.key(2)])
        }
    }

    @Test func sweepRemovesNeverHandshookOnTheSecondSweepAndIdleAfterTheTimeout() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        _ = await manager.handle(TestKeys.request(2))
        world.handshake("babel-wg-2")
        world.advance(300)
        #expect(await manager.sweep().removals.isEmpty)
        world.advance(300)
        #expect(await manager.sweep().removedKeys == [TestKeys.key(1)])
        world.read { #expect(Array($0.log.suffix(2)) == ["deregister babel-wg-1", "delete babel-wg-1"]) }
        world.advance(300)  // babel-wg-2's handshake is now 900 s old
        #expect(await manager.sweep().removedKeys == [TestKeys.key(2)])
        world.read { #expect($0.interfaces.isEmpty && $0.records.isEmpty && $0.registered.isEmpty) }
    }

    /// A peer whose interface does not answer is neither idle nor gone: the sweep keeps it
    /// and counts no strike, then judges it normally once it answers again.
    @Test func aPeerThatDoesNotAnswerIsKeptAndGetsNoStrike() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        world.with { $0.unanswering = ["babel-wg-1"] }
        for _ in 0..<3 {
            world.advance(300)
            #expect(await manager.sweep().removals.isEmpty)
        }
        #expect(await manager.records.map(\.key) == [TestKeys.key(1)])
        #expect(await manager.inspect().first?.interface == nil, "status shows no live view rather than a made-up one")
        world.with { $0.unanswering = [] }
        #expect(await manager.sweep().removals.isEmpty, "the first strike, counted only now")
        world.advance(300)
        #expect(await manager.sweep().removedKeys == [TestKeys.key(1)])
    }

    @Test func aFailedListingRemovesNothing() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        world.advance(300)
        _ = await manager.sweep()
        world.advance(300)
        world.with { $0.failList = true }
        let report = await manager.sweep()
        #expect(report.removals.isEmpty && report.failure != nil)
        world.read { #expect($0.interfaces.count == 1 && $0.registered.count == 1) }
    }

    @Test func aDryRunSweepDecidesTheSameButChangesNothing() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        world.advance(300)
        #expect(await manager.sweep(dryRun: true).removals.isEmpty)
        #expect(await manager.sweep().removals.isEmpty)  // the first strike
        world.advance(300)
        let preview = await manager.sweep(dryRun: true)
        #expect(preview.dryRun && preview.examined == 1)
        #expect(preview.removals == [SweepReport.Removal(key: TestKeys.key(1), interface: "babel-wg-1", reason: .neverHandshook)])
        #expect(await manager.records.map(\.key) == [TestKeys.key(1)])
        world.read { #expect($0.interfaces.count == 1 && $0.registered.count == 1) }
        #expect(await manager.lastSweep?.dryRun == false)
        #expect(await manager.sweepTotals.runs == 1)
        // The dry run counted no strike: the real sweep takes the peer now, as it would have.
        #expect(await manager.sweep().removedKeys == [TestKeys.key(1)])
        #expect(await manager.sweepTotals.removedByReason == [.neverHandshook: 1])
        #expect(await manager.lastSweep?.removals.map(\.interface) == ["babel-wg-1"])
    }

    @Test func sweepStoresTheLatestHandshakeAsLastSeen() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        world.advance(100)
        world.handshake("babel-wg-1")
        await manager.sweep()
        #expect(world.read { $0.records[TestKeys.key(1)]?.lastSeen } == world.now())
    }

    /// Re-sending a key once per sweep kept a flood's tunnels forever in the seed: a key
    /// that never handshook is no longer given a new lease by asking again.
    @Test func aRepeatedRequestDoesNotResetTheNeverHandshookCount() async {
        let manager = world.manager()
        _ = await manager.handle(TestKeys.request(1))
        await manager.sweep()
        _ = await manager.handle(TestKeys.request(1))
        #expect(await manager.sweep().removedKeys == [TestKeys.key(1)])
    }

    @Test func restoreAdoptsMatchingRecreatesMissingAndRemovesStrays() async throws {
        let first = world.manager()
        _ = await first.handle(TestKeys.request(1))
        _ = await first.handle(TestKeys.request(2))
        _ = await first.handle(TestKeys.request(3))
        world.with {
            $0.interfaces["babel-wg-2"] = nil                    // lost, e.g. after a host reboot
            $0.interfaces["babel-wg-3"] = ObservedPeerInterface(  // changed behind our back
                name: "babel-wg-3", listenPort: 40999, peers: [TestKeys.key(3)], latestHandshake: nil)
            $0.interfaces["babel-wg-7"] = ObservedPeerInterface(  // not ours any more
                name: "babel-wg-7", listenPort: 40500, peers: [TestKeys.key(7)], latestHandshake: nil)
            $0.log = []
            $0.registered = []
        }

        let second = world.manager()
        try await second.restore()
        #expect(await second.records.map(\.port) == [40000, 40001, 40002])
        #expect(await second.records.map(\.interface) == ["babel-wg-1", "babel-wg-2", "babel-wg-3"])
        world.read {
            #expect(Set($0.interfaces.keys) == ["babel-wg-1", "babel-wg-2", "babel-wg-3"])
            #expect($0.interfaces["babel-wg-3"]?.listenPort == 40002)
            #expect($0.registered == ["babel-wg-1", "babel-wg-2", "babel-wg-3"])
            #expect(!$0.log.contains("create babel-wg-1:40000"))
        }
        // The next new key gets the lowest free port and name, not a restored one.
        #expect(await second.handle(TestKeys.request(4)) == .accepted(port: 40003, time: 1_700_000_000))
    }

    @Test func restoreMovesARecordOutsideANewPortRange() async throws {
        _ = await world.manager().handle(TestKeys.request(1))
        let second = world.manager(ports: 50000..<50010)
        try await second.restore()
        #expect(await second.records.map(\.port) == [50000])
        #expect(world.read { $0.records[TestKeys.key(1)]?.port } == 50000)
    }

    @Test func restoreDropsDeniedRecords() async throws {
        _ = await world.manager().handle(TestKeys.request(1))
        let second = world.manager(policy: KeyPolicy(denied: [TestKeys.key(1)]))
        try await second.restore()
        #expect(await second.records.isEmpty)
        world.read { #expect($0.interfaces.isEmpty && $0.records.isEmpty) }
    }
}
