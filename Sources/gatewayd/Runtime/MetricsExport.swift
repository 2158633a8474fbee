import Foundation
import GatewayControl
import GatewayCore

/// The Prometheus view of the runtime, rendered at each scrape from the same data the
/// control socket reports, so the two cannot disagree.
extension GatewayRuntime {
    func metricsText() async -> String {
        let peers = await peerStatuses()
        let status = await status(peers: peers)
        let counters = counters.snapshot
        var text = PrometheusText()
        text.add("gatewayd_build_info", .gauge, help: "gatewayd's version.", labels: [("version", status.version)], value: 1)
        text.addInfo(status)
        text.add("gatewayd_uptime_seconds", .gauge, help: "Seconds since gatewayd started.", value: Double(status.uptimeSeconds))
        text.add("gatewayd_host_plan_applied", .gauge, help: "1 when the last check applied and verified the host plan.",
                 value: hostPlan.isHealthy ? 1 : 0)
        text.add("gatewayd_host_plan_drift_repairs_total", .counter, help: "Checks that repaired drift.",
                 value: Double(status.host.driftRepairs))
        text.add("gatewayd_reconcile_runs_total", .counter, help: "Reconciliations run.", value: Double(counters.reconcileRuns))
        text.add("gatewayd_reconcile_failures_total", .counter, help: "Reconciliations that failed.", value: Double(counters.reconcileFailures))
        text.add("gatewayd_reconcile_duration_seconds_total", .counter, help: "Time spent reconciling.", value: counters.reconcileSeconds)
        text.add("gatewayd_child_up", .gauge, help: "1 while the daemon is ready.",
                 samples: status.children.map { .init([("daemon", $0.name)], $0.state == "ready" ? 1 : 0) })
        text.add("gatewayd_child_restarts_total", .counter, help: "Restarts of the daemon.",
                 samples: status.children.map { .init([("daemon", $0.name)], Double($0.restarts)) })
        text.add("gatewayd_child_state", .gauge, help: "The daemon's state (1 for the current one).",
                 samples: status.children.map { child in
                     .init([("daemon", child.name), ("state", child.state.split(separator: ":").first.map(String.init) ?? child.state)], 1)
                 })
        text.add("gatewayd_broker_open", .gauge, help: "1 while the broker provisions new peers.",
                 value: status.broker.state == "open" ? 1 : 0)
        text.add("gatewayd_broker_max_connections", .gauge, help: "MAXCONNECTIONS.", value: Double(status.broker.maxConnections))
        for result in ["accepted", "refused"] {
            text.add("gatewayd_broker_requests_total", .counter, help: "Broker requests answered, by result.",
                     labels: [("result", result)], value: Double(counters.brokerRequests[result] ?? 0))
        }
        text.add("gatewayd_broker_request_duration_seconds", help: "Time from a request to its reply (provisioning included).",
                 histogram: counters.brokerLatency)
        if let refusals = await broker?.peers.refusals {
            for reason in BrokerRefusal.allCases {
                text.add("gatewayd_broker_refusals_total", .counter, help: "Broker requests refused, by reason.",
                         labels: [("reason", reason.rawValue)], value: Double(refusals[reason] ?? 0))
            }
            text.add("gatewayd_peers_provisional", .gauge, help: "Peers without a handshake yet (PROVISIONALGRACE).",
                     value: Double(await broker?.peers.provisionalCount ?? 0))
        }
        if let sweeps = await broker?.peers.sweepTotals {
            text.add("gatewayd_idle_sweeps_total", .counter, help: "Idle sweeps run.", value: Double(sweeps.runs))
            for reason in PeerManager.RemovalReason.swept {
                text.add("gatewayd_idle_sweep_removed_total", .counter, help: "Peers the idle sweeps removed, by reason.",
                         labels: [("reason", reason.rawValue)], value: Double(sweeps.removedByReason[reason] ?? 0))
            }
        }
        if let sweep = status.broker.lastSweep {
            text.add("gatewayd_idle_sweep_duration_seconds", .gauge, help: "How long the last idle sweep took.",
                     value: sweep.durationSeconds)
        }
        if status.uplink.state != "unchecked" {
            text.add("gatewayd_uplink_up", .gauge, help: "1 while the uplink check passes.", value: status.uplink.state == "up" ? 1 : 0)
            text.add("gatewayd_uplink_announcement_withdrawn", .gauge, help: "1 while the announced route is withdrawn.",
                     value: status.uplink.announcementWithdrawn ? 1 : 0)
        }
        text.add("gatewayd_peers", .gauge, help: "Provisioned peers.", value: Double(peers.count))
        text.add("gatewayd_peers_recent_handshake", .gauge, help: "Peers with a handshake in the last 3 minutes.",
                 value: Double(peers.filter(\.isLive).count))
        text.addPeers(peers, gatewayKey: status.publicKey)
        let view = daemonClients.babelMonitor.view
        let staticTunnel = BabelTunnel.all(view: view, mmfd: nil)
        let tunnels = config.meshInterfaces.map { ($0, staticTunnel($0)) }
            + peers.compactMap { peer in peer.babel.map { (peer.interface, $0) } }
        text.addBabel(tunnels, summary: status.babel)
        return text.text
    }
}
