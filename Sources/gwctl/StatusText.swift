import GatewayControl

/// `gwctl status` and `gwctl reload` for people.
enum StatusText {
    /// `12 (source-quota 10, full 2); 3 provisional`
    static func refusalLine(_ broker: BrokerStatus) -> String {
        let refusals = (broker.refusals ?? [:]).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        let total = refusals.reduce(0) { $0 + $1.value }
        let detail = refusals.isEmpty ? "" : " (" + refusals.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        return "\(total)\(detail); \(broker.provisional ?? 0) peer(s) provisional"
    }

    static func render(_ status: GatewayStatus) -> String {
        var lines = [
            "gatewayd \(status.version), up \(Human.age(Int64(status.uptimeSeconds)))",
            "configuration: \(status.configuration)",
            "public key:    \(status.publicKey)",
            "backend:       \(status.backend ?? "-")",
            "host plan:     \(hostLine(status.host))",
            "broker:        \(status.broker.state) on port \(status.broker.port), \(status.broker.peers)/\(status.broker.maxConnections) peers",
            "idle sweep:    \(status.broker.lastSweep.map(sweepLine) ?? "none yet")",
            "refused:       \(refusalLine(status.broker))",
            "uplink:        \(uplinkLine(status.uplink))",
        ]
        if let mesh = status.mesh {
            let daemons = mesh.daemons.map { daemon in
                "\(daemon.name) \(daemon.confirmed)" + (daemon.missing.isEmpty ? "" : " (missing: \(daemon.missing.joined(separator: " ")))")
            }
            lines.append("mesh:          \(mesh.interfaces) interface(s), held by " + (daemons.isEmpty ? "no ready daemon" : daemons.joined(separator: ", ")))
        }
        if let babeld = status.babeldVersion { lines.append("babeld:        \(babeld)") }
        if let babel = status.babel { lines.append("babel:         \(BabelText.summary(babel))") }
        lines.append("")
        let rows = status.children.map { child in
            [child.name, child.state, child.pid.map(String.init) ?? "-",
             child.readyForSeconds.map { Human.age(Int64($0)) } ?? "-", "\(child.restarts)", child.lastExit ?? "-"]
        }
        lines.append(Human.table(["DAEMON", "STATE", "PID", "READY FOR", "RESTARTS", "LAST EXIT"], rows))
        return lines.joined(separator: "\n")
    }

    private static func hostLine(_ host: HostPlanStatus) -> String {
        var text = host.state.rawValue
        if let step = host.failedStep { text += " at: \(step)" }
        if host.driftRepairs > 0 { text += " (drift repaired \(host.driftRepairs) time(s))" }
        return text
    }

    private static func uplinkLine(_ uplink: UplinkStatus) -> String {
        var text = uplink.state
        if let check = uplink.check { text += " (\(check))" }
        if let failure = uplink.lastFailure, uplink.state != "up" { text += ": \(failure)" }
        if uplink.announcementWithdrawn { text += "; default route announcement withdrawn" }
        return text
    }

    private static func sweepLine(_ sweep: SweepSummary) -> String {
        let took = String(format: "%.1f ms", sweep.durationSeconds * 1000)
        return "\(sweep.examined) peers examined in \(took), \(sweep.removed.count) \(sweep.dryRun ? "would go" : "removed")"
    }

    /// `gwctl peers sweep`: the summary line, then one line per peer removed (or that would be).
    static func render(_ sweep: SweepSummary) -> String {
        ([sweepLine(sweep)] + sweep.removed.map { "  \($0.interface)  \($0.publicKey)  \($0.reason)" }).joined(separator: "\n")
    }

    static func render(_ report: ReloadReport) -> String {
        var lines = ["reloaded"]
        lines.append("changed variables: " + (report.changedVariables.isEmpty ? "none" : report.changedVariables.joined(separator: ", ")))
        lines.append("host changes: " + (report.hostChanges.isEmpty ? "none" : ""))
        lines += report.hostChanges.map { "  \($0)" }
        lines.append("restarted: " + (report.restarted.isEmpty ? "none" : report.restarted.joined(separator: ", ")))
        lines += report.deferred.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
