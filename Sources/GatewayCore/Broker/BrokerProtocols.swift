import Foundation

/// What the broker needs of the world, implemented for Linux in GatewaySystem and by
/// in-memory fakes in tests.

/// One per-peer interface to create: `babel-wg-N`, fe80::N/64, one WireGuard peer.
public struct PeerInterfaceSpec: Sendable, Equatable {
    public let number: Int
    public let listenPort: UInt16
    public let mtu: Int
    public let peer: PublicKey

    public init(number: Int, listenPort: UInt16, mtu: Int, peer: PublicKey) {
        self.number = number
        self.listenPort = listenPort
        self.mtu = mtu
        self.peer = peer
    }

    public var name: String { PeerInterfaceNames.name(number) }

    /// The seed runs `ip a a fe80::$N/64`: N's decimal digits read as hex (babel-wg-10 has
    /// fe80::10). Kept, so an interface looks the same whichever broker made it.
    public var linkLocalAddress: IPv6Address {
        IPv6Address(high: 0xfe80_0000_0000_0000, low: UInt64(String(number), radix: 16) ?? 0)
    }

    public static let linkLocalPrefixLength = 64
}

/// A per-peer interface as the kernel (or wireguard-go) reports it.
public struct ObservedPeerInterface: Sendable, Equatable {
    public let name: String
    public let listenPort: UInt16
    public let peers: [PublicKey]
    /// nil when the peer never completed a handshake.
    public let latestHandshake: Date?
    /// Where the node's packets last came from, e.g. `[2001:db8::2]:51820`.
    public var endpoint: String?
    public var rxBytes: UInt64?
    public var txBytes: UInt64?
    /// false: the interface is there but did not say what it holds (a wireguard-go that
    /// does not answer in time). Its peer's state is unknown — neither idle nor gone.
    public var answered: Bool

    public init(name: String, listenPort: UInt16, peers: [PublicKey], latestHandshake: Date?,
                endpoint: String? = nil, rxBytes: UInt64? = nil, txBytes: UInt64? = nil) {
        self.name = name
        self.listenPort = listenPort
        self.peers = peers
        self.latestHandshake = latestHandshake
        self.endpoint = endpoint
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        answered = true
    }

    /// An interface that exists but did not answer.
    public static func unanswered(_ name: String) -> ObservedPeerInterface {
        var interface = ObservedPeerInterface(name: name, listenPort: 0, peers: [], latestHandshake: nil)
        interface.answered = false
        return interface
    }
}

/// Creates, lists and removes `babel-wg-*` WireGuard interfaces. The gateway's private
/// key is the backend's: core logic never holds it.
public protocol WireGuardBackend: Sendable {
    /// Creates, configures and brings up the interface. On failure nothing is left behind.
    func create(_ spec: PeerInterfaceSpec) async throws
    /// Deletes the interface; an interface that is already gone is not an error.
    func remove(_ name: String) async throws
    /// Every `babel-wg-*` interface present now; one that exists but cannot be read is
    /// listed as `unanswered`, and a listing that cannot be made throws (never a shorter list).
    func list() async throws -> [ObservedPeerInterface]
}

/// Registers mesh interfaces with babeld, mmfd and l3roamd (the supervisor's MeshRegistry).
public protocol MeshInterfaceRegistrar: Sendable {
    func add(_ name: String) async
    func remove(_ name: String) async
}

/// A provisioned peer as it is persisted.
public struct PeerRecord: Sendable, Equatable {
    public var key: PublicKey
    public var interface: String
    public var port: UInt16
    public var created: Date
    /// The last broker request or observed handshake.
    public var lastSeen: Date

    public init(key: PublicKey, interface: String, port: UInt16, created: Date, lastSeen: Date) {
        self.key = key
        self.interface = interface
        self.port = port
        self.created = created
        self.lastSeen = lastSeen
    }
}

/// Durable peer records, one per node key.
public protocol PeerStore: Sendable {
    func all() throws -> [PeerRecord]
    /// Inserts, or replaces the record with the same key.
    func save(_ record: PeerRecord) throws
    func delete(_ key: PublicKey) throws
}

/// Wall-clock time, injectable so idle sweeps are testable.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
