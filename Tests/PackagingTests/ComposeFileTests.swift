import Foundation
import TestCommand
import Testing

/// docker/compose.yaml as Compose reads it: scripts/compose-check validates it against the
/// Compose specification's schema and hands back the parsed file.
@Suite struct ComposeFileTests {
    static func check(_ path: String) throws -> Command.Output {
        try Command.run([RepositoryFiles.root.appendingPathComponent("scripts/compose-check").path, path])
    }

    static func service() throws -> [String: Any] {
        let result = try check(RepositoryFiles.root.appendingPathComponent("docker/compose.yaml").path)
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        return try #require(services["gatewayd"] as? [String: Any])
    }

    @Test func composeRunsUnprivilegedOnTheHostNetwork() throws {
        let service = try Self.service()
        #expect(service["network_mode"] as? String == "host")
        #expect(service["cap_add"] as? [String] == ["NET_ADMIN"])
        #expect((service["devices"] as? [String])?.contains("/dev/net/tun:/dev/net/tun") == true)
        #expect(service["privileged"] == nil)
        #expect(service["sysctls"] == nil, "Docker refuses net.* sysctls with network_mode host")
        #expect(service["stop_grace_period"] as? String == "30s", "stopping the daemons outlasts Docker's 10 s")
        #expect(service["restart"] as? String == "unless-stopped")
    }

    /// gatewayd reads the env-file itself (mounted, named by GATEWAYD_ENV_FILE), and its key
    /// and peers live in the named volume.
    @Test func composeMountsTheEnvFileAndTheStateVolume() throws {
        let service = try Self.service()
        let environment = try #require(service["environment"] as? [String: String])
        let envFile = try #require(environment["GATEWAYD_ENV_FILE"])
        let volumes = try #require(service["volumes"] as? [String])
        #expect(volumes.contains { $0.hasSuffix(":\(envFile):ro") })
        #expect(volumes.contains("gatewayd-state:/var/lib/gatewayd"))
        let build = try #require(service["build"] as? [String: String])
        #expect(build["dockerfile"] == "docker/Dockerfile")
    }

    /// The check itself rejects what Compose rejects: an unknown key, a wrong type.
    @Test(arguments: [("stop_grace_period: 30s", "stop_grace_periode: 30s", "stop_grace_periode"),
                      ("      - NET_ADMIN", "      NET_ADMIN: true", "cap_add")])
    func aBrokenComposeFileIsRejected(original: String, broken: String, named: String) throws {
        let compose = try RepositoryFiles.read("docker/compose.yaml")
        #expect(compose.contains(original))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(UUID().uuidString).yaml")
        try compose.replacingOccurrences(of: original, with: broken).write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let result = try Self.check(path.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
