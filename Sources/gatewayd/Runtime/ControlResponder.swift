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

    func status() async -> GatewayStatus {
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
            mesh: await supervisor.meshStatus(), babeldVersion: babeldVersion?.description)
    }

    func peerStatuses() async -> [PeerStatus] {
        guard let broker else { return [] }
        let views = await broker.peers.inspect()
        let registrations = await supervisor.registrationsByInterface()
        let now = Date()
        return views.map { Self.peerStatus($0, registeredWith: registrations[$0.record.interface] ?? [], now: now) }
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
        return HealthReport(healthy: reasons.isEmpty, check: "readiness", reasons: reasons)
    }
}
