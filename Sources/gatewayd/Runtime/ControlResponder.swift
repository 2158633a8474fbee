import Foundation
import GatewayControl
import GatewayCore

/// Answers control requests from what the runtime holds. Everything is read at the time
/// of the request; nothing here changes state except reload, peer removal and restart.
extension GatewayRuntime {
    func respond(to request: ControlRequest) async -> ControlReply {
        switch request.command {
        case .status:
            return ControlReply(status: await status())
        case .peers:
            return ControlReply(peers: await peerStatuses())
        case .peerShow:
            guard let selector = request.peer else { return .failure(ControlError(.badRequest, "peer-show needs \"peer\"")) }
            guard let peer = await peerStatuses().first(where: { $0.publicKey == selector || $0.interface == selector }) else {
                return .failure(ControlError(.notFound, "no peer with key or interface \(selector)"))
            }
            return ControlReply(peer: peer)
        case .peerRemove:
            guard let selector = request.peer else { return .failure(ControlError(.badRequest, "peer-remove needs \"peer\"")) }
            guard let peers = broker?.peers else { return .failure(ControlError(.failed, "the broker is not running")) }
            guard let removed = await peers.remove(matching: selector) else {
                return .failure(ControlError(.notFound, "no peer with key or interface \(selector)"))
            }
            return ControlReply(peer: Self.peerStatus(PeerView(record: removed, interface: nil), registeredWith: [], now: Date()))
        case .reload:
            do {
                switch try await reload() {
                case .success(let report): return ControlReply(reload: report)
                case .failure(let error): return .failure(error)
                }
            } catch {
                return .failure(ControlError(.failed, "reload failed: \(error)"))
            }
        case .serviceRestart:
            guard let name = request.service, let daemon = Daemon(rawValue: name) else {
                let known = Daemon.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(ControlError(.notFound, "no service \(request.service ?? "(none)") (known: \(known))"))
            }
            guard await supervisor.restart(daemon) else {
                return .failure(ControlError(.notFound, "\(daemon) is not enabled in this configuration"))
            }
            return ControlReply(restarted: daemon.rawValue)
        case .health:
            return ControlReply(health: await health(liveness: request.liveness ?? false))
        case .sweep:
            guard let peers = broker?.peers else { return .failure(ControlError(.failed, "the broker is not running")) }
            let report = await peers.sweep(dryRun: request.dryRun ?? false)
            if let failure = report.failure { return .failure(ControlError(.failed, "idle sweep: \(failure)")) }
            return ControlReply(sweep: SweepSummary(report))
        }
    }

    /// `peers`: the listing to summarise babel over, when the caller has one already
    /// (otherwise see `babel(_:)`).
    func status(peers known: [PeerStatus]? = nil) async -> GatewayStatus {
        let brokerStatus: BrokerStatus
        if let broker {
            let refusal = await broker.peers.refusal
            brokerStatus = BrokerStatus(state: refusal == nil ? "open" : "refusing", port: Int(config.brokerPort),
                                        peers: await broker.peers.connectionCount, maxConnections: config.maxConnections,
                                        lastSweep: await broker.peers.lastSweep.map(SweepSummary.init),
                                        provisional: await broker.peers.provisionalCount,
                                        refusals: Dictionary(uniqueKeysWithValues: await broker.peers.refusals.map { ($0.key.rawValue, $0.value) }))
        } else {
            brokerStatus = BrokerStatus(state: "closed", port: Int(config.brokerPort), peers: 0, maxConnections: config.maxConnections)
        }
        return GatewayStatus(
            version: GatewaydVersion.current, uptimeSeconds: Int(Date().timeIntervalSince(startedAt)),
            configuration: loaded.envFilePath ?? "environment", backend: broker?.backend, publicKey: publicKey,
            host: hostPlan.status, children: await supervisor.status(), broker: brokerStatus, uplink: uplinkStatus,
            mesh: await supervisor.meshStatus(), babeldVersion: (daemonClients.babeldVersion ?? babeldVersion)?.description,
            babel: await babel(known))
    }

    func peerStatuses() async -> [PeerStatus] {
        guard let broker else { return [] }
        let views = await broker.peers.inspect()
        let registrations = await supervisor.registrationsByInterface()
        let babel = daemonClients.babelMonitor.view
        let mmfd = await mmfdNeighbours()
        let now = Date()
        let tunnel = BabelTunnel.all(view: babel, mmfd: mmfd)
        let peers = views.map {
            var status = Self.peerStatus($0, registeredWith: registrations[$0.record.interface] ?? [], now: now)
            status.babel = tunnel(status.interface)
            return status
        }
        lastBabel = (BabelSummary(peers: peers, view: babel), .now)
        return peers
    }

    /// Babel over the tunnels for `status` and `health`, from `known` when given. Health
    /// must answer within the container probe's 4 s and a peer listing takes about 1 s per
    /// 1,000 peers (Docs/benchmarks.md): with few peers they are listed; with more, the
    /// summary of the last listing (`peers`, a metrics scrape) is used while at most
    /// 5 minutes old, and nothing is said of babel otherwise.
    static let babelListingLimit = 250
    static let babelSummaryMaximumAge: Duration = .seconds(300)

    private func babel(_ known: [PeerStatus]? = nil) async -> BabelSummary? {
        guard let broker else { return nil }
        if let known { return BabelSummary(peers: known, view: daemonClients.babelMonitor.view) }
        if await broker.peers.connectionCount <= Self.babelListingLimit {
            _ = await peerStatuses()
        } else if let last = lastBabel, ContinuousClock.now - last.at > Self.babelSummaryMaximumAge {
            return nil
        }
        return lastBabel?.summary
    }

    /// nil when mmfd is off or does not answer (it is then reported as such in `status`).
    private func mmfdNeighbours() async -> [String: [String]]? {
        guard config.daemons.binaries[.mmfd] != nil, await supervisor.isReady(.mmfd) else { return nil }
        return try? await daemonClients.mmfdNeighbours()
    }

    static func peerStatus(_ view: PeerView, registeredWith: [Daemon], now: Date) -> PeerStatus {
        let handshake = view.interface?.latestHandshake
        return PeerStatus(
            interface: view.record.interface, port: Int(view.record.port), publicKey: "\(view.record.key)",
            endpoint: view.interface?.endpoint, latestHandshake: handshake.map { Int64($0.timeIntervalSince1970) },
            handshakeAgeSeconds: handshake.map { max(0, Int64(now.timeIntervalSince($0))) },
            rxBytes: view.interface?.rxBytes, txBytes: view.interface?.txBytes,
            registeredWith: registeredWith.map(\.rawValue), created: Int64(view.record.created.timeIntervalSince1970),
            lastSeen: Int64(view.record.lastSeen.timeIntervalSince1970))
    }

    /// Readiness: the host plan applied and verified, every enabled daemon ready, the
    /// broker open. Liveness: the supervisor answers at all.
    func health(liveness: Bool) async -> HealthReport {
        let children = await supervisor.status()
        if liveness { return HealthReport(healthy: true, check: "liveness", reasons: []) }
        var reasons: [String] = []
        if !hostPlan.isHealthy { reasons.append("host plan failed: \(hostPlan.status.failedStep ?? "unknown step")") }
        for child in children where child.state != "ready" { reasons.append("\(child.name) is \(child.state)") }
        for daemon in await supervisor.meshStatus().daemons where !daemon.missing.isEmpty {
            reasons.append("\(daemon.name) does not hold \(daemon.missing.joined(separator: ", ")) (does the link exist?)")
        }
        if broker == nil { reasons.append("the broker is closed") }
        // Degraded, not unhealthy: a node that just connected has no babel neighbour yet.
        let babel = await babel()
        let degraded = babel.map { $0.upWithoutNeighbour.isEmpty ? [] : [Self.withoutNeighbour($0)] } ?? []
        return HealthReport(healthy: reasons.isEmpty, check: "readiness", reasons: reasons, degraded: degraded)
    }

    static func withoutNeighbour(_ babel: BabelSummary) -> String {
        let names = babel.upWithoutNeighbour
        let shown = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : "")
        return "\(names.count) of \(babel.tunnelsUp) live tunnel(s) without a babel neighbour: \(shown)"
    }
}
