import Foundation
import GatewayControl
import Testing

/// `gatewayd run` with the real babeld 1.14, mmfd and l3roamd: mmfd creates mmfd0 after the
/// host plan was applied (gatewayd then routes respondd's group into it) and l3roamd adds
/// its own routes to l3roam0. Neither is drift: a clean start reports none, while the same
/// route deleted by hand afterwards is.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class CleanStartDriftTests {
    let gateway: GatewayNamespace

    init() throws {
        gateway = try GatewayNamespace("gwtest-drift")  // runs the real daemons
    }

    func status() throws -> GatewayStatus { try gateway.gwctlJSON(GatewayStatus.self, "status") }

    func responddRoute() throws -> Bool {
        try gateway.namespace.exec("ip", "-6", "route", "show", "table", "local", "dev", "mmfd0").contains("ff05::2:1001")
    }

    @Test func aCleanStartReportsNoDriftAndAHandDeletedRouteDoes() async throws {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        let up = await eventually(timeout: .seconds(20)) {
            let ready = (try? self.status().children.allSatisfy { $0.state == "ready" }) ?? false
            return ready && ((try? self.responddRoute()) ?? false)
        }
        try #require(up, "daemons ready and the mmfd0 route in place: \(run.output)")
        // l3roamd's routes to l3roam0 and a periodic look have had their moment.
        try await Task.sleep(for: .seconds(2))
        let clean = try status().host
        #expect(clean.driftRepairs == 0 && clean.state == .applied, "\(clean): \(run.output)")

        try gateway.namespace.exec("ip", "-6", "route", "del", "ff05::2:1001/128", "dev", "mmfd0", "table", "local")
        let repaired = await eventually(timeout: .seconds(10)) { ((try? self.status().host.driftRepairs) ?? 0) == 1 }
        let host = try status().host
        #expect(repaired, "\(host): \(run.output)")
        #expect(try responddRoute())
    }
}
