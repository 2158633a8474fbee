import Foundation
import GatewayCore
import Testing

@Suite struct BrokerIdleSweepTests {
    let sweep = IdleSweep()
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func recentHandshakeKeepsAndClearsStrikes() {
        #expect(sweep.verdict(latestHandshake: now - 599, lastRequest: now - 5000, sweepsWithoutHandshake: 1, now: now)
            == .keep(sweepsWithoutHandshake: 0))
    }

    @Test func handshakeOlderThanTheTimeoutRemoves() {
        #expect(sweep.verdict(latestHandshake: now - 601, lastRequest: now - 5000, sweepsWithoutHandshake: 0, now: now)
            == .removeIdle)
    }

    @Test func aRecentBrokerRequestCountsAsLife() {
        #expect(sweep.verdict(latestHandshake: now - 5000, lastRequest: now - 10, sweepsWithoutHandshake: 0, now: now)
            == .keep(sweepsWithoutHandshake: 0))
    }

    @Test func neverHandshookGetsTwoSweeps() {
        #expect(sweep.verdict(latestHandshake: nil, lastRequest: now, sweepsWithoutHandshake: 0, now: now)
            == .keep(sweepsWithoutHandshake: 1))
        #expect(sweep.verdict(latestHandshake: nil, lastRequest: now, sweepsWithoutHandshake: 1, now: now)
            == .removeNeverHandshook)
    }
}
