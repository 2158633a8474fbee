import CSodium
import Foundation
import GatewayCore

/// A Curve25519 private key held in memory that libsodium locks against swapping where
/// it can and wipes when the key is dropped. Never printed: `description` is redacted.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    public static let length = 32
    /// Immutable after init; `@unchecked Sendable` is sound because nothing writes it again.
    private let storage: UnsafeMutableRawBufferPointer

    /// Takes 32 bytes (a WireGuard private key; clamping is the kernel's and libsodium's job).
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.length, Sodium.ready else { return nil }
        storage = .allocate(byteCount: Self.length, alignment: 16)
        storage.copyBytes(from: bytes)
        _ = sodium_mlock(storage.baseAddress!, Self.length)
    }

    /// A new random key, clamped as `wg genkey` does.
    public static func generate() -> PrivateKey {
        precondition(Sodium.ready, "libsodium failed to initialise")
        var bytes = [UInt8](repeating: 0, count: length)
        randombytes_buf(&bytes, length)
        bytes[0] &= 248
        bytes[31] = (bytes[31] & 127) | 64
        defer { sodium_memzero(&bytes, length) }
        return PrivateKey(bytes: bytes)!
    }

    deinit {
        sodium_munlock(storage.baseAddress!, Self.length)
        storage.deallocate()
    }

    /// The matching public key (crypto_scalarmult_curve25519_base: `wg pubkey`).
    public var publicKey: PublicKey {
        var bytes = [UInt8](repeating: 0, count: Self.length)
        _ = crypto_scalarmult_curve25519_base(&bytes, storage.baseAddress!.assumingMemoryBound(to: UInt8.self))
        return PublicKey(bytes: bytes)!
    }

    /// Lends the raw bytes, e.g. to a netlink encoder; do not keep them.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// The base64 form, for the key file only.
    func base64() -> String { withBytes { Data($0).base64EncodedString() } }

    public var description: String { "(private key, redacted)" }
}

/// libsodium must be initialised once before use; `ready` does it on first access.
enum Sodium {
    static let ready: Bool = sodium_init() >= 0
}
