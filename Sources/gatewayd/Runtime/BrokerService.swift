import Foundation
import GatewayCore
import GatewaySystem
import Logging

/// The broker half of `run`: the WireGuard backend, the peer store, the peer manager and
/// the wg-broker v1 server, started together after the host plan and stopped together.
final class BrokerService: Sendable {
    let peers: PeerManager
    /// kernel or userspace.
    let backend: String
    private let server: BrokerServer
    private let sweeps: Task<Void, Never>
    private let logger: Logger

    private init(peers: PeerManager, backend: String, server: BrokerServer, sweeps: Task<Void, Never>, logger: Logger) {
        self.peers = peers
        self.backend = backend
        self.server = server
        self.sweeps = sweeps
        self.logger = logger
    }

    /// One inotify instance per wireguard-go: raised before the first peer, and on a
    /// reload that grows MAXCONNECTIONS.
    private static func ensureWireGuardGoCapacity(maxConnections: Int, logger: Logger) {
        let outcome = WireGuardGoCapacity.ensure(maxConnections: maxConnections, sysctls: ProcSysctl())
        switch outcome {
        case .sufficient: logger.debug("\(outcome)")
        case .raised: logger.info("\(outcome)")
        case .tooLow: logger.warning("\(outcome)")
        }
    }

    static func start(config: GatewayConfig, privateKey: PrivateKey, launcher: ChildLauncher,
                      registrar: any MeshInterfaceRegistrar, counters: GatewayCounters, logger: Logger) async throws -> BrokerService {
        let override = config.broker.backend == .auto ? nil : config.broker.backend.rawValue
        let choice = try WireGuardBackendChoice.resolve(override: override)
        let backend = choice.makeBackend(
            privateKey: privateKey, launcher: SupervisedWireGuardGo(launcher: launcher, binary: config.broker.wireguardGo),
            socketDirectory: config.broker.uapiDirectory)
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if choice == .userspace { ensureWireGuardGoCapacity(maxConnections: config.maxConnections, logger: logger) }
        let store = try SQLitePeerStore(path: config.stateDirectory + "/" + SQLitePeerStore.fileName)
        let peers = PeerManager(settings: BrokerSettings(config: config, gatewayKey: privateKey.publicKey), policy: try config.broker.keyLists.load(),
                                backend: backend, store: store, registrar: registrar, logger: logger)
        try await peers.restore()
        let server = try await BrokerServer.start(port: Int(config.brokerPort), logger: logger) { request in
            let started = ContinuousClock.now
            let reply = await peers.handle(request)
            counters.brokerRequest(result: reply.isAccepted ? "accepted" : "refused", seconds: (ContinuousClock.now - started).seconds)
            return reply
        }
        logger.info("broker open", metadata: ["backend": "\(choice.rawValue)", "port": "\(config.brokerPort)"])
        return BrokerService(peers: peers, backend: choice.rawValue, server: server, sweeps: Task { await peers.runIdleSweeps() }, logger: logger)
    }

    /// New limits and key lists; a broken key list keeps the old one.
    func reload(config: GatewayConfig) async {
        if backend == WireGuardBackendChoice.userspace.rawValue {
            Self.ensureWireGuardGoCapacity(maxConnections: config.maxConnections, logger: logger)
        }
        await peers.apply(maxConnections: config.maxConnections)
        do { await peers.apply(try config.broker.keyLists.load()) } catch {
            logger.error("key lists not reloaded: \(error)")
        }
    }

    /// Stops taking requests and sweeping.
    func close() async {
        await server.stop()
        sweeps.cancel()
    }

    /// Removes the peer interfaces (their records stay, for the next start).
    func removePeers() async {
        await peers.shutdown()
    }
}

/// The broker registers peer interfaces with the daemons through the supervisor's registry.
struct SupervisorRegistrar: MeshInterfaceRegistrar {
    let supervisor: Supervisor

    func add(_ name: String) async { await supervisor.addMeshInterface(name) }
    func remove(_ name: String) async { await supervisor.removeMeshInterface(name) }
}
