import Foundation
import GatewayCore
import Logging
import Synchronization

/// A broker world that provisions nothing but remembers what it was asked: enough to run
/// the real PeerManager behind the real server.
final class NullBrokerWorld: WireGuardBackend, PeerStore {
    private let records = Mutex<[PublicKey: PeerRecord]>([:])

    func create(_ spec: PeerInterfaceSpec) async throws {}
    func remove(_ name: String) async throws {}
    func list() async throws -> [ObservedPeerInterface] { [] }

    func all() throws -> [PeerRecord] { records.withLock { Array($0.values) } }
    func save(_ record: PeerRecord) throws { records.withLock { $0[record.key] = record } }
    func delete(_ key: PublicKey) throws { _ = records.withLock { $0.removeValue(forKey: key) } }

    struct Registrar: MeshInterfaceRegistrar {
        func add(_ name: String) async {}
        func remove(_ name: String) async {}
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Every test client comes from loopback, one source: its quota is lifted unless a test sets it.
    func manager(maxConnections: Int = 1000, ports: Range<UInt16> = 40000..<41000, provisionalPerSource: Int = 100_000) -> PeerManager {
        var settings = BrokerSettings(ports: ports, mtu: 1374, maxConnections: maxConnections)
        settings.provisionalPerSource = provisionalPerSource
        return PeerManager(settings: settings, backend: self, store: self, registrar: Registrar(), logger: Self.quiet)
    }
}
