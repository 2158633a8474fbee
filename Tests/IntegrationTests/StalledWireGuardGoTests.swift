import Foundation
import GatewayCore
import GatewaySystem
import Glibc
import Logging
import Synchronization
import Testing

/// A wireguard-go that stops answering (SIGSTOP: as under heavy load) must not cost its
/// live peer: the listing shows its interface as unanswered, and the sweep keeps the peer
/// instead of removing it as vanished.
@Suite(.enabled(if: getuid() == 0, "needs root (TUN, rtnetlink)"), .serialized)
struct StalledWireGuardGoTests {
    let number = 800_000 + Int(getpid() % 90_000)

    /// Records the pid of each wireguard-go it starts.
    final class RecordingLauncher: WireGuardGoLauncher, Sendable {
        let pids = Mutex<[String: Int32]>([:])
        func start(interface: String) throws -> any WireGuardGoProcess {
            let child = try FoundationWireGuardGo().start(interface: interface)
            if let child = child as? FoundationWireGuardGo.Child { pids.withLock { $0[interface] = child.process.processIdentifier } }
            return child
        }
    }

    final class MemoryStore: PeerStore, Sendable {
        let records = Mutex<[PublicKey: PeerRecord]>([:])
        func all() throws -> [PeerRecord] { records.withLock { Array($0.values) } }
        func save(_ record: PeerRecord) throws { records.withLock { $0[record.key] = record } }
        func delete(_ key: PublicKey) throws { _ = records.withLock { $0.removeValue(forKey: key) } }
    }

    struct NoDaemons: MeshInterfaceRegistrar {
        func add(_ name: String) async {}
        func remove(_ name: String) async {}
    }

    @Test func aStoppedWireGuardGoIsUnknownNotVanished() async throws {
        let launcher = RecordingLauncher()
        let backend = UserspaceBackend(privateKey: PrivateKey.generate(), launcher: launcher)
        let port = UInt16(21000 + getpid() % 5000)
        let ports = port..<(port + 1)
        let first = PeerInterfaceNames.name(number)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        // The manager numbers new interfaces from 1, a name other tests' gateways use in this
        // namespace's socket directory: this test makes its own interface and has it adopted.
        let node = PrivateKey.generate().publicKey
        try await backend.create(PeerInterfaceSpec(number: number, listenPort: ports.lowerBound, mtu: 1374, peer: node))
        defer { _ = try? Command.check(["ip", "link", "del", first]) }
        let pid = try #require(launcher.pids.withLock { $0[first] })
        defer { kill(pid, SIGCONT) }

        let store = MemoryStore()
        try store.save(PeerRecord(key: node, interface: first, port: ports.lowerBound, created: Date(), lastSeen: Date()))
        let adopting = PeerManager(settings: BrokerSettings(ports: ports, mtu: 1374, maxConnections: 1), backend: backend,
                                   store: store, registrar: NoDaemons(), logger: quiet)
        try await adopting.restore()
        #expect(await adopting.records.map(\.interface) == [first], "adopted as it is")

        #expect(kill(pid, SIGSTOP) == 0)
        // Bounded: should the sweep wrongly remove the interface, stopping this wireguard-go
        // would wait for it forever; it runs on again after 10 s whatever happens.
        let watchdog = Task.detached {
            try? await Task.sleep(for: .seconds(10))
            kill(pid, SIGCONT)
        }
        defer { watchdog.cancel() }
        let listed = try await backend.list().first { $0.name == first }
        #expect(listed == .unanswered(first), "listed, as not answering: \(String(describing: listed))")
        let report = await adopting.sweep()
        #expect(report.removals.isEmpty, "\(report.removals)")
        #expect(await adopting.records.map(\.interface) == [first])
        #expect(if_nametoindex(first) != 0, "the tunnel is still there")

        #expect(kill(pid, SIGCONT) == 0)
        #expect(try await backend.list().first { $0.name == first }?.answered == true)
        try await backend.remove(first)
    }
}
