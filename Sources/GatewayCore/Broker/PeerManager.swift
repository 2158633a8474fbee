import Foundation
import Logging

/// The one owner of the per-peer tunnels: answers broker requests, restores peers after a
/// restart, sweeps idle ones and applies a new key policy. All mutable state lives in this
/// actor; the world is reached only through the protocols it was given.
///
/// Invariants: a key has at most one interface; a port or interface number is taken by at
/// most one peer (provisioned or in flight); a peer is in `peers` only once its interface
/// is up, stored and handed to the registrar, and its deregistration is queued before its
/// interface goes. The registrar sends both to the daemons afterwards, in order, retrying
/// until each daemon confirms: the broker's reply does not wait for babeld.
public actor PeerManager {
    private let backend: any WireGuardBackend
    private let store: any PeerStore
    private let registrar: any MeshInterfaceRegistrar
    private let clock: any WallClock
    private let logger: Logger
    private var settings: BrokerSettings
    private var policy: KeyPolicy

    private struct Peer {
        var record: PeerRecord
        let number: Int
        var sweepsWithoutHandshake = 0
        /// Until a handshake is seen: governed by the provisional grace, not the idle sweep.
        var provisional = false
        var source: RequestSource?
    }

    private var peers: [PublicKey: Peer] = [:]
    /// Set while every request is to be refused (the uplink is down), with the reason.
    public private(set) var refusal: String?
    /// The last real sweep (dry runs are not kept) and every real sweep's sums.
    public private(set) var lastSweep: SweepReport?
    public private(set) var sweepTotals = SweepTotals()
    /// Provisioning under way; a second request for the same key awaits the first.
    private var inFlight: [PublicKey: Task<BrokerReply, Never>] = [:]
    private var inFlightSources: [PublicKey: RequestSource] = [:]
    /// Refused requests by reason, since start.
    public private(set) var refusals: [BrokerRefusal: UInt64] = [:]
    private var ports: PortAllocator
    private var names = PeerInterfaceNames()

    public init(
        settings: BrokerSettings, policy: KeyPolicy = .open, backend: any WireGuardBackend,
        store: any PeerStore, registrar: any MeshInterfaceRegistrar, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "gatewayd.broker")
    ) {
        self.settings = settings
        self.policy = policy
        self.backend = backend
        self.store = store
        self.registrar = registrar
        self.clock = clock
        self.logger = logger
        ports = PortAllocator(range: settings.ports)
    }

    // MARK: Requests

    /// The answer to one broker request; provisions the tunnel when the key is new.
    public func handle(_ request: BrokerRequest) async -> BrokerReply {
        let key = request.publicKey
        if let problem = KeySanity.problem(with: key, gatewayKey: settings.gatewayKey) {
            return refuse(key, problem == .gatewaysOwnKey ? .ownKey : .lowOrderKey, problem.rawValue)
        }
        guard policy.permits(key) else { return refuse(key, .keyLists, "not permitted by the key lists") }
        if let refusal { return refuse(key, .uplinkDown, refusal) }
        if var peer = peers[key] {
            // Known key: same port, tunnel untouched. A provisional peer's grace runs on:
            // re-sending a key must not keep a tunnel that never handshakes.
            if !peer.provisional {
                peer.record.lastSeen = clock.now()
                peer.sweepsWithoutHandshake = 0
                peers[key] = peer
            }
            return accepted(peer.record.port)
        }
        if let provisioning = inFlight[key] { return await provisioning.value }
        if let source = request.source, provisionalCount(from: source) >= settings.provisionalPerSource {
            return refuse(key, .sourceQuota, "\(source) holds \(settings.provisionalPerSource) peers that never handshook (PROVISIONALPERSOURCE)")
        }
        if peers.count + inFlight.count >= settings.maxConnections, let oldest = oldestProvisional() {
            // Full: a peer that never proved its key gives way before any node is refused.
            await remove(oldest, .provisionalEvicted)
        }
        guard peers.count + inFlight.count < settings.maxConnections else {
            return refuse(key, .full, "\(settings.maxConnections) connections (MAXCONNECTIONS) reached")
        }
        guard let port = ports.allocate() else { return refuse(key, .noPort, "no free port in \(settings.ports)") }
        guard let number = names.allocate() else {
            ports.release(port)
            return refuse(key, .noInterface, "no free interface name")
        }
        let spec = PeerInterfaceSpec(number: number, listenPort: port, mtu: settings.mtu, peer: key)
        let provisioning = Task { await self.provision(spec, source: request.source) }
        inFlight[key] = provisioning
        inFlightSources[key] = request.source
        return await provisioning.value
    }

    private func refuse(_ key: PublicKey, _ reason: BrokerRefusal, _ detail: String) -> BrokerReply {
        refusals[reason, default: 0] += 1
        // A flood must not flood the log too: the first few of each reason, then every 1,000th.
        let count = refusals[reason] ?? 0
        if count <= 10 || count % 1000 == 0 {
            logger.info("refused \(key): \(detail)", metadata: ["reason": "\(reason.rawValue)", "count": "\(count)"])
        }
        return .refused
    }

    private func provisionalCount(from source: RequestSource) -> Int {
        peers.values.count { $0.provisional && $0.source == source } + inFlightSources.values.count { $0 == source }
    }

    private func oldestProvisional() -> PublicKey? {
        peers.filter { $0.value.provisional && !policy.pinned.contains($0.key) }
            .min { $0.value.record.created < $1.value.record.created }?.key
    }

    private func provision(_ spec: PeerInterfaceSpec, source: RequestSource?) async -> BrokerReply {
        defer {
            inFlight[spec.peer] = nil
            inFlightSources[spec.peer] = nil
        }
        let now = clock.now()
        let record = PeerRecord(key: spec.peer, interface: spec.name, port: spec.listenPort, created: now, lastSeen: now)
        guard await bringUp(spec, record: record) else {
            release(number: spec.number, port: spec.listenPort)
            refusals[.provisioningFailed, default: 0] += 1
            return .refused
        }
        await registrar.add(spec.name)
        peers[spec.peer] = Peer(record: record, number: spec.number, provisional: true, source: source)
        logger.info("provisioned \(spec.name) port \(spec.listenPort) for \(spec.peer)")
        return accepted(spec.listenPort)
    }

    /// Creates the interface and stores the record; on any failure undoes both.
    private func bringUp(_ spec: PeerInterfaceSpec, record: PeerRecord) async -> Bool {
        do {
            try await backend.create(spec)
        } catch {
            logger.error("creating \(spec.name) for \(spec.peer): \(error)")
            try? await backend.remove(spec.name)
            return false
        }
        do {
            try store.save(record)
            return true
        } catch {
            logger.error("storing \(spec.name) for \(spec.peer): \(error)")
            try? await backend.remove(spec.name)
            return false
        }
    }

    private func accepted(_ port: UInt16) -> BrokerReply {
        .accepted(port: port, time: Int64(clock.now().timeIntervalSince1970.rounded(.down)))
    }

    // MARK: Removal

    public enum RemovalReason: String, Sendable {
        case idle = "idle", neverHandshook = "never handshook", denied = "denied by key lists"
        case vanished = "interface vanished", stray = "not in the store"
        case operatorRequest = "removed by the operator"
        case provisionalExpired = "no handshake within the provisional grace"
        case provisionalEvicted = "gave way to a new request (full, never handshook)"

        /// The reasons an idle sweep removes a peer for.
        public static let swept: [RemovalReason] = [.idle, .neverHandshook, .vanished, .provisionalExpired]
    }

    /// Removes the peer with this node key or interface name (`gwctl peers remove`);
    /// nil when there is none.
    public func remove(matching selector: String) async -> PeerRecord? {
        guard let peer = peers.values.first(where: { $0.record.interface == selector || $0.record.key.description == selector })
        else { return nil }
        await remove(peer.record.key, .operatorRequest)
        return peer.record
    }

    /// Queues the deregistration, deletes the interface, forgets the record. A daemon may
    /// see the interface vanish before its `del_meshif`/`flush interface` arrives; the
    /// request is still sent, retried until confirmed, so its list ends up without it.
    private func remove(_ key: PublicKey, _ reason: RemovalReason) async {
        guard let peer = peers.removeValue(forKey: key) else { return }
        let name = peer.record.interface
        await registrar.remove(name)
        do { try await backend.remove(name) } catch { logger.error("removing \(name): \(error)") }
        do { try store.delete(key) } catch { logger.error("forgetting \(name) in the store: \(error)") }
        release(number: peer.number, port: peer.record.port)
        logger.info("removed \(name) of \(key): \(reason.rawValue)")
    }

    private func release(number: Int, port: UInt16) {
        names.release(number)
        ports.release(port)
    }

    // MARK: Restore

    /// Makes the kernel and the store agree after a (re)start: adopts interfaces that match
    /// their record, recreates missing ones with their old port, removes strays, and
    /// registers every peer with the mesh daemons. Call once, before serving requests.
    public func restore() async throws {
        let records = try store.all()
        let observed = try await backend.list()
        let plan = RestorePlan(records: records, observed: observed, policy: policy)
        for name in plan.removeInterfaces {
            await registrar.remove(name)
            do { try await backend.remove(name) } catch { logger.error("removing \(name): \(error)") }
            logger.info("removed \(name): \(RemovalReason.stray.rawValue) or not matching its record")
        }
        for record in plan.forget {
            do { try store.delete(record.key) } catch { logger.error("forgetting \(record.interface): \(error)") }
        }
        var recreate = plan.recreate
        for record in plan.adopt {
            if let number = PeerInterfaceNames.number(of: record.interface), names.reserve(number) {
                if ports.reserve(record.port) {
                    peers[record.key] = Peer(record: record, number: number)
                    continue
                }
                names.release(number)
            }
            // Two records claimed one name or port: rebuild this one elsewhere.
            await registrar.remove(record.interface)
            try? await backend.remove(record.interface)
            recreate.append(record)
        }
        for record in recreate { await recreatePeer(record) }
        for peer in peers.values.sorted(by: { $0.number < $1.number }) { await registrar.add(peer.record.interface) }
        logger.info("restored \(peers.count) peers (\(plan.adopt.count) adopted, \(recreate.count) recreated, \(plan.removeInterfaces.count) interfaces removed)")
    }

    /// Rebuilds a stored peer, on its old name and port when they are still free.
    private func recreatePeer(_ old: PeerRecord) async {
        let oldNumber = PeerInterfaceNames.number(of: old.interface)
        guard let number = oldNumber.flatMap({ names.reserve($0) ? $0 : nil }) ?? names.allocate() else { return forget(old) }
        guard let port = ports.reserve(old.port) ? old.port : ports.allocate() else {
            names.release(number)
            return forget(old)
        }
        let spec = PeerInterfaceSpec(number: number, listenPort: port, mtu: settings.mtu, peer: old.key)
        var record = old
        record.interface = spec.name
        record.port = port
        guard await bringUp(spec, record: record) else {
            release(number: number, port: port)
            return forget(old)
        }
        peers[old.key] = Peer(record: record, number: number)
    }

    private func forget(_ record: PeerRecord) {
        logger.warning("could not restore \(record.interface) for \(record.key); the node will ask again")
        do { try store.delete(record.key) } catch { logger.error("forgetting \(record.interface): \(error)") }
    }

    // MARK: Shutdown

    /// Deregisters and removes every peer interface but keeps the store: the next start
    /// recreates each tunnel on its old port, so nodes need no new broker request.
    public func shutdown() async {
        for peer in peers.values.sorted(by: { $0.number < $1.number }) {
            await registrar.remove(peer.record.interface)
            do { try await backend.remove(peer.record.interface) } catch {
                logger.error("removing \(peer.record.interface): \(error)")
            }
        }
        logger.info("removed \(peers.count) peer interfaces; their records stay for the next start")
        peers.removeAll()
    }

    // MARK: Sweep

    /// One idle sweep: lists the interfaces once, decides per peer, then removes the idle
    /// ones. A dry run decides the same but changes nothing (no strike counted, nothing
    /// stored or removed), so an operator can see what the next sweep would take.
    @discardableResult
    public func sweep(dryRun: Bool = false, provisionalOnly: Bool = false) async -> SweepReport {
        let started = ContinuousClock.now
        let now = clock.now()
        let observed: [String: ObservedPeerInterface]
        do {
            observed = Dictionary(try await backend.list().map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        } catch {
            logger.error("idle sweep: listing interfaces: \(error)")
            return SweepReport(dryRun: dryRun, at: now, duration: ContinuousClock.now - started, failure: "listing interfaces: \(error)")
        }
        var removals: [SweepReport.Removal] = []
        var unknown: [String] = []
        let examined = provisionalOnly ? peers.filter { $0.value.provisional } : peers
        for (key, peer) in examined {
            let removal = { (reason: RemovalReason) in
                removals.append(SweepReport.Removal(key: key, interface: peer.record.interface, reason: reason))
            }
            guard let interface = observed[peer.record.interface] else {
                removal(.vanished)
                continue
            }
            // Not seen idle, not seen gone: kept, and no strike counted against it.
            guard interface.answered else {
                unknown.append(peer.record.interface)
                continue
            }
            // PINNEDKEYS: infrastructure nodes keep their tunnel, idle or not.
            if policy.pinned.contains(key) { continue }
            if peer.provisional {
                if interface.latestHandshake != nil {
                    // The node proved its key: an ordinary peer from now on.
                    if !dryRun { peers[key]?.provisional = false }
                } else if now.timeIntervalSince(peer.record.created) >= settings.provisionalGrace {
                    removal(.provisionalExpired)
                    continue
                } else if provisionalOnly {
                    continue  // strikes are counted by the idle sweeps only
                }
            }
            let verdict = settings.sweep.verdict(latestHandshake: interface.latestHandshake, lastRequest: peer.record.lastSeen,
                                                 sweepsWithoutHandshake: peer.sweepsWithoutHandshake, now: now)
            switch verdict {
            case .keep(let strikes):
                guard !dryRun else { continue }
                peers[key]?.sweepsWithoutHandshake = strikes
                if let handshake = interface.latestHandshake, handshake > peer.record.lastSeen {
                    peers[key]?.record.lastSeen = handshake
                }
                if let record = peers[key]?.record, record != peer.record { persist(record) }
            case .removeIdle: removal(.idle)
            case .removeNeverHandshook: removal(.neverHandshook)
            }
        }
        removals.sort { $0.interface < $1.interface }
        if !unknown.isEmpty {
            logger.warning("idle sweep: \(unknown.count) interface(s) did not answer, kept as they are: \(unknown.sorted().joined(separator: " "))")
        }
        if !dryRun {
            for removal in removals { await remove(removal.key, removal.reason) }
        }
        let report = SweepReport(dryRun: dryRun, at: now, duration: ContinuousClock.now - started,
                                 examined: examined.count, removals: removals)
        if !dryRun && !provisionalOnly {
            lastSweep = report
        }
        if !dryRun && (!provisionalOnly || !removals.isEmpty) { sweepTotals.record(report) }
        return report
    }

    /// Sweeps every `settings.sweep.interval` until the task is cancelled.
    /// Between them, every `provisionalCheckInterval`, only the provisional peers are judged.
    public func runIdleSweeps() async {
        var nextSweep = ContinuousClock.now + settings.sweep.interval
        while !Task.isCancelled {
            let tick = min(nextSweep, ContinuousClock.now + settings.provisionalCheckInterval)
            do { try await Task.sleep(until: tick) } catch { return }
            if ContinuousClock.now >= nextSweep {
                await sweep()
                nextSweep = ContinuousClock.now + settings.sweep.interval
            } else {
                await sweep(provisionalOnly: true)
            }
        }
    }

    /// Peers that have not handshaken yet.
    public var provisionalCount: Int { peers.values.count { $0.provisional } }

    private func persist(_ record: PeerRecord) {
        do { try store.save(record) } catch { logger.error("storing \(record.interface): \(error)") }
    }

    // MARK: Reload

    /// A new key policy: refuses denied keys from now on and removes their tunnels.
    public func apply(_ newPolicy: KeyPolicy) async {
        policy = newPolicy
        for key in peers.keys where !newPolicy.permits(key) { await remove(key, .denied) }
    }

    /// New limits from a reloaded config. The port range and MTU apply to new peers only;
    /// a lowered MAXCONNECTIONS refuses new peers until enough have gone.
    public func apply(maxConnections: Int) {
        settings.maxConnections = maxConnections
    }

    /// Refuses every request (error code 1, so nodes pick another gateway) while a reason
    /// is set; existing tunnels stay. nil accepts requests again.
    public func refuseRequests(because reason: String?) {
        refusal = reason
    }

    // MARK: Status

    public var records: [PeerRecord] {
        peers.values.sorted { $0.number < $1.number }.map(\.record)
    }

    public var connectionCount: Int { peers.count }

    public var maxConnections: Int { settings.maxConnections }

    /// Every peer with what its interface reports now (handshake, endpoint, traffic); the
    /// interface part is nil when it could not be read.
    public func inspect() async -> [PeerView] {
        let observed: [String: ObservedPeerInterface]
        do {
            observed = Dictionary(try await backend.list().map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        } catch {
            logger.warning("listing peer interfaces: \(error)")
            observed = [:]
        }
        return records.map { PeerView(record: $0, interface: observed[$0.interface].flatMap { $0.answered ? $0 : nil }) }
    }
}

/// One peer as status reports show it: the stored record and the interface's live view.
public struct PeerView: Sendable, Equatable {
    public var record: PeerRecord
    public var interface: ObservedPeerInterface?

    public init(record: PeerRecord, interface: ObservedPeerInterface?) {
        self.record = record
        self.interface = interface
    }
}
