import Foundation
import GatewayCore
import Logging
import Synchronization

/// In-memory stand-ins for the broker's world: WireGuard, the store, the mesh daemons and
/// the clock share one event log, so tests can check the order of effects.
final class FakeBrokerWorld: WireGuardBackend, PeerStore, WallClock {
    struct State {
        var interfaces: [String: ObservedPeerInterface] = [:]
        var records: [PublicKey: PeerRecord] = [:]
        var registered: Set<String> = []
        var now = Date(timeIntervalSince1970: 1_700_000_000)
        var failCreate: Set<String> = []
        var failSave = false
        /// Interfaces that exist but do not answer (a stalled wireguard-go).
        var unanswering: Set<String> = []
        /// list() fails as a whole.
        var failList = false
        /// How long `create` suspends, to let concurrent requests interleave.
        var createDelay: Duration = .zero
        var log: [String] = []
    }

    struct Failure: Error {}

    let state = Mutex(State())

    func with<T>(_ body: (inout State) throws -> T) rethrows -> T { try state.withLock { try body(&$0) } }
    func read<T>(_ body: (State) throws -> T) rethrows -> T { try state.withLock { try body($0) } }

    // WireGuardBackend
    func create(_ spec: PeerInterfaceSpec) async throws {
        let delay = with { $0.createDelay }
        if delay > .zero { try await Task.sleep(for: delay) }
        try with {
            $0.log.append("create \(spec.name):\(spec.listenPort)")
            guard !$0.failCreate.contains(spec.name), $0.interfaces[spec.name] == nil else { throw Failure() }
            $0.interfaces[spec.name] = ObservedPeerInterface(
                name: spec.name, listenPort: spec.listenPort, peers: [spec.peer], latestHandshake: nil)
        }
    }

    func remove(_ name: String) async throws {
        with {
            $0.log.append("delete \(name)")
            $0.interfaces[name] = nil
        }
    }

    func list() async throws -> [ObservedPeerInterface] {
        try with { state in
            if state.failList { throw Failure() }
            return state.interfaces.values.map { state.unanswering.contains($0.name) ? .unanswered($0.name) : $0 }
        }
    }

    // PeerStore
    func all() throws -> [PeerRecord] { with { Array($0.records.values) } }

    func save(_ record: PeerRecord) throws {
        try with {
            if $0.failSave { throw Failure() }
            $0.records[record.key] = record
        }
    }

    func delete(_ key: PublicKey) throws { with { $0.records[key] = nil } }

    /// The mesh daemons, logging into the same world.
    struct Registrar: MeshInterfaceRegistrar {
        let world: FakeBrokerWorld

        func add(_ name: String) async {
            world.with {
                $0.log.append("register \(name)")
                $0.registered.insert(name)
            }
        }

        func remove(_ name: String) async {
            world.with {
                $0.log.append("deregister \(name)")
                $0.registered.remove(name)
            }
        }
    }

    // WallClock
    func now() -> Date { with { $0.now } }

    func advance(_ seconds: TimeInterval) { with { $0.now += seconds } }

    func handshake(_ name: String, secondsAgo: TimeInterval = 0) {
        with {
            guard let old = $0.interfaces[name] else { return }
            $0.interfaces[name] = ObservedPeerInterface(name: name, listenPort: old.listenPort, peers: old.peers,
                                                        latestHandshake: $0.now - secondsAgo)
        }
    }

    /// `provisionalGrace` defaults to a day here, so that tests of the idle sweep's own rules
    /// are not cut short by it; the provisional tests set it.
    func manager(maxConnections: Int = 150, ports: Range<UInt16> = 40000..<41000, policy: KeyPolicy = .open,
                 gatewayKey: PublicKey? = nil, provisionalGrace: TimeInterval = 86400, provisionalPerSource: Int = 8) -> PeerManager {
        var settings = BrokerSettings(ports: ports, mtu: 1374, maxConnections: maxConnections, gatewayKey: gatewayKey)
        settings.provisionalGrace = provisionalGrace
        settings.provisionalPerSource = provisionalPerSource
        return PeerManager(settings: settings,
                    policy: policy, backend: self, store: self, registrar: Registrar(world: self), clock: self,
                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

enum TestKeys {
    /// A distinct valid key per index.
    static func key(_ index: Int) -> PublicKey {
        var bytes = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: UInt32(index).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        bytes[31] = 0x42
        return PublicKey(bytes: bytes)!
    }

    static func request(_ index: Int) -> BrokerRequest { BrokerRequest(publicKey: key(index)) }
}
