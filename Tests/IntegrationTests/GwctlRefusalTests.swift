import Foundation
import GatewayControl
import GatewaySystem
import Logging
import Testing

/// gwctl against a real control server that is full: the server's reason, exit 1 — not a
/// decoding error and "unreachable" (2).
@Suite struct GwctlRefusalTests {
    @Test func aFullControlSocketIsReportedWithTheServersReason() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gwctl-full-\(UUID().uuidString.prefix(8)).sock").path
        var quiet = Logger(label: "test.control")
        quiet.logLevel = .critical
        let server = try await ControlServer.start(path: path, greeting: ControlGreeting(gatewayd: "test"),
                                                   limits: ControlServerLimits(maximumClients: 1), logger: quiet) { _ in
            ControlReply(health: HealthReport(healthy: true, check: "readiness", reasons: []))
        }
        let holder = try ControlSocket(.unix(path))
        _ = try holder.readLine()  // the one client slot is taken
        for arguments in [["health"], ["health", "--json"], ["status", "--json"]] {
            let output = try Command.run([BuiltProduct.path("gwctl")] + arguments + ["--socket", path])
            #expect(output.status == 1, "\(arguments): \(output.stderr)")
            #expect(output.stderr.contains("too many control clients (1)"), "\(output.stderr)")
            #expect(!output.stderr.contains("DecodingError"), "\(output.stderr)")
        }
        await server.stop()
    }
}
