import Foundation
import GatewayCore
import Testing

/// A peer is provisional until its first handshake: it has its own short grace, which
/// repeated requests do not extend; when the gateway is full the oldest provisional peer
/// gives way; one source may hold only so many; every refusal is counted by reason.
@Suite struct BrokerProvisionalPeerTests {
    let world = FakeBrokerWorld()
    let attacker = RequestSource(address: "2001:db8:bad:1::7")!

    func request(_ index: Int, from source: RequestSource? = nil) -> BrokerRequest {
        BrokerRequest(publicKey: TestKeys.key(index), source: source)
    }

    @Test func aPeerWithoutAHandshakeGoesAfterTheGraceWhateverItRepeats() async {
        let manager = world.manager(provisionalGrace: 120)
        _ = await manager.handle(request(1))
        for _ in 0..<3 {
            world.advance(40)
            #expect(await manager.handle(request(1)).isAccepted)
            if await manager.records.isEmpty { break }
            _ = await manager.sweep(provisionalOnly: true)
        }
        #expect(await manager.records.isEmpty, "120 s after its creation, repeats notwithstanding")
        #expect(await manager.sweepTotals.removedByReason == [.provisionalExpired: 1])
    }

    @Test func aHandshakeEndsTheProvisionalStateAndTheGraceNoLongerApplies() async {
        let manager = world.manager(provisionalGrace: 120)
        _ = await manager.handle(request(1))
        world.advance(30)
        world.handshake("babel-wg-1")
        _ = await manager.sweep(provisionalOnly: true)
        #expect(await manager.provisionalCount == 0)
        world.advance(200)
        #expect(await manager.sweep(provisionalOnly: true).removals.isEmpty)
        #expect(await manager.sweep().removals.isEmpty, "idle only after IDLETIMEOUT")
    }

    @Test func whenFullTheOldestProvisionalPeerGivesWayNotAHandshakenOne() async {
        let manager = world.manager(maxConnections: 3)
        _ = await manager.handle(request(1))
        world.handshake("babel-wg-1")
        _ = await manager.sweep(provisionalOnly: true)  // key 1 has proved itself
        world.advance(1)
        _ = await manager.handle(request(2))
        world.advance(1)
        _ = await manager.handle(request(3))
        world.advance(1)
        #expect(await manager.handle(request(4)).isAccepted, "a new node is served although the gateway was full")
        #expect(Set(await manager.records.map(\.key)) == [TestKeys.key(1), TestKeys.key(3), TestKeys.key(4)], "key 2 was the oldest provisional")
    }

    /// PINNEDKEYS: an infrastructure node's tunnel outlives the grace and every sweep, and
    /// never gives way to a newcomer, handshake or not.
    @Test func aPinnedPeerIsNeverSweptAndNeverGivesWay() async {
        let manager = world.manager(maxConnections: 2, policy: KeyPolicy(pinned: [TestKeys.key(1)]), provisionalGrace: 120)
        _ = await manager.handle(request(1))
        world.advance(1)
        _ = await manager.handle(request(2))
        world.advance(1)
        #expect(await manager.handle(request(3)).isAccepted, "key 2, not the older pinned key 1, gave way")
        #expect(Set(await manager.records.map(\.key)) == [TestKeys.key(1), TestKeys.key(3)])
        world.advance(3600)
        _ = await manager.sweep(provisionalOnly: true)
        _ = await manager.sweep()
        _ = await manager.sweep()
        #expect(await manager.records.map(\.key) == [TestKeys.key(1)], "the unpinned newcomer went; the pinned one stays")
    }

    @Test func fullOfHandshakenPeersRefusesAndCountsIt() async {
        let manager = world.manager(maxConnections: 1)
        _ = await manager.handle(request(1))
        world.handshake("babel-wg-1")
        _ = await manager.sweep(provisionalOnly: true)
        #expect(await manager.handle(request(2)) == .refused)
        #expect(await manager.refusals == [.full: 1])
    }

    @Test func oneSourceHoldsAtMostItsQuotaAndOthersAreStillServed() async {
        let manager = world.manager(maxConnections: 150, provisionalPerSource: 4)
        var accepted = 0
        for index in 0..<50 where await manager.handle(request(index, from: attacker)).isAccepted { accepted += 1 }
        #expect(accepted == 4)
        #expect(await manager.refusals == [.sourceQuota: 46])
        let neighbour = RequestSource(address: "2001:db8:bad:1::8")!
        #expect(await manager.handle(request(100, from: neighbour)) == .refused, "the same /64")
        #expect(await manager.handle(request(101, from: RequestSource(address: "2001:db8:600d::1")!)).isAccepted)
        #expect(await manager.handle(request(102, from: RequestSource(address: "192.0.2.1")!)).isAccepted)
        #expect(await manager.handle(request(0, from: attacker)).isAccepted, "a key it already holds is answered as before")
    }

    @Test func aHandshakenPeerNoLongerCountsAgainstItsSource() async {
        let manager = world.manager(provisionalPerSource: 1)
        _ = await manager.handle(request(1, from: attacker))
        #expect(await manager.handle(request(2, from: attacker)) == .refused)
        world.handshake("babel-wg-1")
        _ = await manager.sweep(provisionalOnly: true)
        #expect(await manager.handle(request(2, from: attacker)).isAccepted)
    }

    @Test(arguments: [("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), ("::ffff:192.0.2.7", "192.0.2.7/32"),
                      ("192.0.2.7", "192.0.2.7/32"), ("fe80::1", "fe80::/64")])
    func sourcesAreSlash64AndSlash32(address: String, source: String) {
        #expect(RequestSource(address: address)?.description == source)
    }
}
