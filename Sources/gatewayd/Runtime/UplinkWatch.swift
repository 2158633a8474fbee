import Foundation
import GatewayControl
import GatewayCore
import GatewaySystem

/// The uplink check's effects. While the uplink is down the gateway stops attracting
/// traffic it cannot forward: the announced route (ANNOUNCEROUTE in table 12, which
/// babeld imports) is withdrawn, and the broker refuses nodes with error code 1 so they
/// pick another gateway. Both return once the uplink has been up for UPLINKRECOVERIES
/// checks. Withdrawn routes are kept in RUNDIR, so a restarted gatewayd puts them back.
extension GatewayRuntime {
    static let announcementTable: UInt32 = RoutingConstants.staticTable

    var withdrawnRoutesFile: WithdrawnRoutesFile { WithdrawnRoutesFile(directory: config.runDirectory) }

    /// Checks every UPLINKINTERVAL until cancelled; idles while no check is configured.
    func watchUplink() async {
        while !Task.isCancelled {
            let options = config.uplink
            if options.isEnabled {
                let check = UplinkCheck(options: options)
                let failure = await Self.offCooperativePool { check.run() }
                await uplinkChecked(failure: failure, options: options)
            } else if uplink.state != .unknown {
                await uplinkRecovered()
                uplink = UplinkHysteresis(failuresToDown: options.failuresToDown, successesToUp: options.successesToUp)
                uplinkStatus = UplinkStatus(state: "unchecked")
            }
            try? await Task.sleep(for: options.interval)
        }
    }

    private func uplinkChecked(failure: String?, options: UplinkOptions) async {
        let transition = uplink.record(success: failure == nil)
        uplinkStatus.check = options.summary
        if let failure { uplinkStatus.lastFailure = failure }
        switch transition {
        case .wentDown:
            logger.warning("uplink down (\(failure ?? "")): withdrawing \(options.announcedRoute) from table \(Self.announcementTable), refusing new nodes")
            await broker?.peers.refuseRequests(because: "uplink down: \(failure ?? "")")
            uplinkStatus.state = "down"
            uplinkStatus.since = Int64(Date().timeIntervalSince1970)
        case .wentUp:
            await uplinkRecovered()
            uplinkStatus.state = "up"
            uplinkStatus.since = Int64(Date().timeIntervalSince1970)
        case nil:
            break
        }
        // Again at every check while down: a routing daemon may have put the route back.
        if uplink.state == .down { withdrawAnnouncement(options.announcedRoute) }
        uplinkStatus.announcementWithdrawn = !withdrawnRoutes.isEmpty
    }

    private func uplinkRecovered() async {
        if uplink.state == .up { logger.info("uplink up: announcing again and accepting nodes") }
        await broker?.peers.refuseRequests(because: nil)
        restoreWithdrawnRoutes()
    }

    private func withdrawAnnouncement(_ prefix: IPv6Prefix) {
        do {
            let taken = try RouteAnnouncements().withdraw(prefix, table: Self.announcementTable)
            guard !taken.isEmpty else { return }
            withdrawnRoutes += taken
            saveWithdrawnRoutes()
        } catch {
            logger.error("withdrawing \(prefix) from table \(Self.announcementTable): \(error)")
        }
    }

    /// Puts back what was withdrawn (also what a killed gatewayd left in RUNDIR).
    func restoreWithdrawnRoutes() {
        switch withdrawnRoutesFile.read() {
        case .none: break
        case .routes(let saved): withdrawnRoutes = saved + withdrawnRoutes.filter { !saved.contains($0) }
        case .corrupt(let reason, let aside):
            logger.error("\(withdrawnRoutesFile.path) is not a record of withdrawn routes (\(reason)); the routes it held are not restored: check table \(Self.announcementTable)",
                         metadata: ["kept-as": "\(aside ?? "(could not be moved)")"])
        }
        guard !withdrawnRoutes.isEmpty else { return }
        do {
            try RouteAnnouncements().restore(withdrawnRoutes)
            logger.info("restored \(withdrawnRoutes.count) withdrawn route(s) in table \(Self.announcementTable)")
            withdrawnRoutes = []
            withdrawnRoutesFile.remove()
        } catch {
            logger.error("restoring withdrawn routes: \(error)")
        }
        uplinkStatus.announcementWithdrawn = !withdrawnRoutes.isEmpty
    }

    private func saveWithdrawnRoutes() {
        do {
            try withdrawnRoutesFile.save(withdrawnRoutes)
        } catch {
            logger.error("recording withdrawn routes in \(withdrawnRoutesFile.path): \(error)")
        }
    }

    /// Blocking work (netlink, connect) on a dispatch thread: the cooperative pool has two.
    static func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
