/// Keys the broker must never provision, whatever the key lists say: the gateway's own
/// public key (wireguard-go silently drops a peer equal to the device's key, leaving a
/// tunnel with no peer) and the Curve25519 points of small order, with which no
/// handshake can ever complete (the shared secret is all zeros, which WireGuard rejects).
public enum KeySanity {
    public enum Problem: String, Sendable, Equatable {
        case gatewaysOwnKey = "the gateway's own public key"
        case lowOrder = "a Curve25519 point of small order"
    }

    /// The u-coordinates of small order, as libsodium lists them
    /// (crypto_scalarmult/curve25519/ref10/x25519_ref10.c, `has_small_order`): 0, 1, two
    /// points of order 8, p-1, p and p+1. X25519 ignores the top bit, so each also counts
    /// with bit 255 set (libsodium compares `k[31] & 0x7f`).
    public static let smallOrderPoints: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        [0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
         0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00],
        [0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
         0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57],
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
    ]

    public static func isSmallOrder(_ key: PublicKey) -> Bool {
        var masked = key.bytes
        masked[31] &= 0x7f
        return smallOrderPoints.contains(masked)
    }

    /// Why `key` must be refused, or nil.
    public static func problem(with key: PublicKey, gatewayKey: PublicKey?) -> Problem? {
        if key == gatewayKey { return .gatewaysOwnKey }
        if isSmallOrder(key) { return .lowOrder }
        return nil
    }
}
