import CSodium
import GatewayCore
import GatewaySystem
import Testing

/// The broker's list of small-order points is libsodium's: X25519 with any of them (top bit
/// set or not) fails, and with an ordinary public key it succeeds.
@Suite struct SmallOrderPointsTests {
    static func scalarmult(with point: [UInt8]) -> Int32 {
        let secret = PrivateKey.generate()
        var shared = [UInt8](repeating: 0, count: 32)
        return secret.withBytes { scalar in
            crypto_scalarmult_curve25519(&shared, scalar.baseAddress!.assumingMemoryBound(to: UInt8.self), point)
        }
    }

    @Test(arguments: KeySanity.smallOrderPoints.indices)
    func libsodiumRefusesEachPoint(index: Int) {
        var high = KeySanity.smallOrderPoints[index]
        high[31] |= 0x80
        #expect(Self.scalarmult(with: KeySanity.smallOrderPoints[index]) == -1)
        #expect(Self.scalarmult(with: high) == -1)
    }

    @Test func anOrdinaryKeyWorks() {
        #expect(Self.scalarmult(with: PrivateKey.generate().publicKey.bytes) == 0)
    }
}
