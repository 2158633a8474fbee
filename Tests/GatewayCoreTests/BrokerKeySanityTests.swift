import GatewayCore
import Testing

/// Keys that can never handshake are refused before anything is created.
@Suite struct BrokerKeySanityTests {
    let world = FakeBrokerWorld()

    /// Each small-order point as libsodium lists it, and with the top bit set.
    static let smallOrderKeys: [PublicKey] = KeySanity.smallOrderPoints.flatMap { point in
        var high = point
        high[31] |= 0x80
        return [PublicKey(bytes: point)!, PublicKey(bytes: high)!]
    }

    @Test(arguments: smallOrderKeys)
    func aSmallOrderPointIsRefused(key: PublicKey) async {
        #expect(KeySanity.problem(with: key, gatewayKey: nil) == .lowOrder)
        #expect(await world.manager().handle(BrokerRequest(publicKey: key)) == .refused)
        world.read { #expect($0.log.isEmpty, "nothing was created for \(key)") }
    }

    @Test func theGatewaysOwnKeyIsRefused() async {
        let own = TestKeys.key(7)
        let manager = world.manager(gatewayKey: own)
        #expect(await manager.handle(BrokerRequest(publicKey: own)) == .refused)
        #expect(await manager.handle(TestKeys.request(8)).isAccepted)
        world.read { #expect($0.log == ["create babel-wg-1:40000", "register babel-wg-1"]) }
    }

    @Test func sevenPointsFourteenEncodings() {
        #expect(Set(Self.smallOrderKeys).count == 14)
        #expect(!KeySanity.isSmallOrder(TestKeys.key(1)))
    }
}
