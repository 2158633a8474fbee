import Foundation
import GatewayControl
import Testing

/// A real Prometheus (Debian's package) scrapes `gatewayd run` in the gateway's namespace
/// and answers over its HTTP API with the same figures `gwctl peers list --json` shows; the
/// shipped alert rules load and evaluate against the real series; promtool accepts the
/// endpoint's text.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason),
       .enabled(if: PrometheusServer.binary != nil, "needs prometheus and promtool (Debian's prometheus package; scripts/setup installs it)"))
final class PrometheusIntegrationTests {
    let gateway: GatewayNamespace
    let node: MeshNode
    var namespace: NetworkNamespace { gateway.namespace }

    init() throws {
        gateway = try GatewayNamespace("gwtest-prom")
        node = try MeshNode(linkedTo: gateway)
        try gateway.writeEnvFile(extra: "WAN=wan1\nWG_BACKEND=userspace\nMETRICS_LISTEN=127.0.0.1:9184")
    }

    /// gatewayd with one node whose tunnel is up (it pinged the gateway across it).
    func startWithALiveNode() async throws -> (BackgroundProcess, nodeKey: String) {
        let run = try BackgroundProcess(gateway.gatewaydCommandAsPid1("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        #expect(await eventually(timeout: .seconds(20)) { run.output.contains("broker open") }, "\(run.output)")
        let logged = try #require(run.output.split(separator: "\n").first { $0.contains("public-key=") })
        let gatewayKey = String(try #require(logged.split(separator: " ").first { $0.hasPrefix("public-key=") }).dropFirst("public-key=".count))
        let (secret, publicKey) = try MeshNode.keyPair()
        let reply = try node.request(publicKey)
        let port = try #require(reply["port"] as? Int, "\(reply)\n\(run.output)")
        try await node.connect(secret: secret, gatewayKey: gatewayKey, port: port, using: .userspace)
        #expect(try await eventually(timeout: .seconds(20)) { try node.pingsGateway() }, "\(run.output)")
        return (run, publicKey)
    }

    func scrape() throws -> String {
        try namespace.exec("curl", "-sf", "--max-time", "5", "http://127.0.0.1:9184/metrics")
    }

    @Test func promtoolAcceptsTheEndpointOfARunningGateway() async throws {
        let (run, _) = try await startWithALiveNode()
        let text = try scrape()
        #expect(text.contains("wireguard_peer_last_handshake_seconds{device=\"babel-wg-1\""), "\(text)")
        let file = gateway.directory.appendingPathComponent("scrape.txt").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try Command.run(["sh", "-c", "promtool check metrics < \(file)"])
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)\n\(text)")
        _ = run
    }

    @Test func prometheusReadsTheHandshakeGwctlShows() async throws {
        let (run, nodeKey) = try await startWithALiveNode()
        let prometheus = try PrometheusServer(in: gateway, scraping: "127.0.0.1:9184")
        let handshake = "wireguard_peer_last_handshake_seconds{device=\"babel-wg-1\",public_key=\"\(nodeKey)\"}"
        let scraped = try await eventually(timeout: .seconds(30)) { try !prometheus.query(handshake).isEmpty }
        let endpoint = (try? scrape()) ?? "no answer"
        try #require(scraped, "\(prometheus.lastFailure)\n\(prometheus.output)\ngatewayd's endpoint:\n\(endpoint)")

        // The exporter's timestamp equals gwctl's to the second (unless a rekey fell in between: ask again).
        var matched = false
        for _ in 0..<3 where !matched {
            let peer = try #require(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first)
            let scraped = try #require(try prometheus.query(handshake).first, "\(prometheus.lastFailure)")
            matched = peer.latestHandshake.map(Double.init) == scraped.value
            if !matched { try await Task.sleep(for: .seconds(2)) }
        }
        let scrapedLast = try prometheus.query(handshake).map(\.value), listed = try gateway.gwctlJSON([PeerStatus].self, "peers", "list")
        #expect(matched, "Prometheus \(scrapedLast) vs gwctl \(listed)")

        // The age, as Prometheus stored it at its scrape, grown by the time since that scrape,
        // is the age gwctl reports now (both in whole seconds).
        let age = "gatewayd_peer_handshake_age_seconds{interface=\"babel-wg-1\",key=\"\(nodeKey)\"}"
        let stored = try #require(try prometheus.query(age).first)
        let scrapedAt = try #require(try prometheus.query("timestamp(\(age))").first).value
        let peer = try #require(try gateway.gwctlJSON([PeerStatus].self, "peers", "list").first)
        let expected = stored.value + (Date().timeIntervalSince1970 - scrapedAt)
        let reported = Double(try #require(peer.handshakeAgeSeconds))
        #expect(abs(expected - reported) <= 2, "Prometheus \(stored.value) s at \(scrapedAt), gwctl \(reported) s")
        #expect(try prometheus.query("gatewayd_peers").first?.value == 1)

        // The info metric names what runs, babeld's version from its greeting.
        let info = try #require(try prometheus.query("gatewayd_info").first)
        #expect(info.labels["backend"] == "userspace" && info.labels["babeld_version"]?.hasPrefix("babeld-") == true, "\(info.labels)")

        // The shipped rules load and evaluate against these series without error.
        let rules = try prometheus.rules()
        #expect(rules.count >= 7 && rules.allSatisfy { $0.health == "ok" }, "\(rules)")
        _ = run
    }

    /// A tunnel that handshakes while babel over it is silent is reported as such (gwctl's
    /// column, health degraded but healthy, the metric the alert reads); once the node runs
    /// babeld, gwctl and Prometheus show the same neighbour reach.
    @Test func babelOverTheTunnelAsGwctlAndPrometheusSeeIt() async throws {
        let (run, _) = try await startWithALiveNode()
        let prometheus = try PrometheusServer(in: gateway, scraping: "127.0.0.1:9184")
        let peer = { try #require(try self.gateway.gwctlJSON([PeerStatus].self, "peers", "list").first) }
        let shown = { (try? self.gateway.gwctl("peers", "list", "--json").stdout) ?? "no answer" }
        #expect(try await eventually(timeout: .seconds(15)) { try peer().babel?.up == true }, "\(shown())")
        #expect(try peer().babel?.hasNeighbour == false)
        #expect(try gateway.gwctl("peers", "list").stdout.contains("no neighbour"))
        let health = try gateway.gwctl("health")
        #expect(health.status == 0 && health.stdout.contains("degraded: 1 of 1 live tunnel(s) without a babel neighbour: babel-wg-1"),
                "\(health.stdout)\(health.stderr)")
        #expect(try gateway.gwctlJSON(GatewayStatus.self, "status").babel?.upWithoutNeighbour == ["babel-wg-1"])
        #expect(try await eventually(timeout: .seconds(30)) { try prometheus.query("gatewayd_babel_tunnels_without_neighbour").first?.value == 1 },
                "\(prometheus.lastFailure)")

        try node.runBabeld(announcing: "2001:db8:0:1::11")
        #expect(try await eventually(timeout: .seconds(30)) { try peer().babel?.hasNeighbour == true }, "\(shown()) \(run.output)")
        // reach shifts with every hello (babeld 1.14: every 4 s on a tunnel); Prometheus scrapes
        // every second, so within a few tries both show the same one.
        let reach = "gatewayd_babel_neighbour_reach{interface=\"babel-wg-1\"}"
        var matched = false
        for _ in 0..<10 where !matched {
            let listed = try peer().babel?.best?.reach
            let scraped = try prometheus.query(reach).first?.value
            matched = listed != nil && listed.map(Double.init) == scraped
            if !matched { try await Task.sleep(for: .milliseconds(700)) }
        }
        let last = (try? prometheus.query(reach).first?.value) ?? -1
        #expect(matched, "gwctl \(shown()) vs Prometheus \(last)")
        let show = try gateway.gwctl("peers", "show", "babel-wg-1")
        #expect(show.stdout.contains("  neighbour:     fe80::") && show.stdout.contains(" reach "), "\(show.stdout)\(show.stderr)")
        #expect(try await eventually(timeout: .seconds(30)) { try prometheus.query("gatewayd_babel_tunnels_without_neighbour").first?.value == 0 })
        let healthy = try gateway.gwctl("health")
        #expect(healthy.status == 0 && !healthy.stdout.contains("degraded"), "\(healthy.stdout)")
    }
}

/// `prometheus` run inside a test's gateway namespace on 127.0.0.1:9090 (the namespace is
/// the test's own, so the port is free), scraping every second and loading the shipped
/// alert rules; its data in the gateway's scratch directory. Stopped with the test.
final class PrometheusServer {
    static let binary = ["/usr/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let rulesFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docker/monitoring/gatewayd-rules.yml").path

    private let process: BackgroundProcess
    private let namespace: NetworkNamespace

    init(in gateway: GatewayNamespace, scraping target: String) throws {
        namespace = gateway.namespace
        let config = gateway.directory.appendingPathComponent("prometheus.yml")
        try """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files: ["\(Self.rulesFile)"]
            scrape_configs:
              - job_name: gatewayd
                static_configs: [ { targets: ["\(target)"] } ]
            """.write(to: config, atomically: true, encoding: .utf8)
        process = try BackgroundProcess(
            ["ip", "netns", "exec", namespace.name, try #require(Self.binary), "--config.file=\(config.path)",
             "--storage.tsdb.path=\(gateway.directory.appendingPathComponent("prometheus").path)",
             "--web.listen-address=127.0.0.1:9090"],
            logFile: gateway.directory.appendingPathComponent("prometheus.log"))
    }

    var output: String { process.output }

    struct Sample {
        var labels: [String: String]
        var value: Double
    }

    /// An instant query over the HTTP API; an empty list while nothing matches (or Prometheus is not up yet).
    func query(_ expression: String) throws -> [Sample] {
        guard let data = try api("query", ["--data-urlencode", "query=\(expression)"]),
              let result = (data["data"] as? [String: Any])?["result"] as? [[String: Any]] else { return [] }
        return result.compactMap { item in
            guard let labels = item["metric"] as? [String: String], let pair = item["value"] as? [Any],
                  let text = pair.last as? String, let value = Double(text) else { return nil }
            return Sample(labels: labels, value: value)
        }
    }

    /// Every loaded rule: its name and health (`ok`, `err`, `unknown`).
    func rules() throws -> [(name: String, health: String)] {
        let groups = ((try api("rules", []))?["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }.map { ($0["name"] as? String ?? "", $0["health"] as? String ?? "") }
    }

    /// nil when Prometheus does not answer (not up yet); a slow answer on a loaded machine is waited for.
    private func api(_ endpoint: String, _ arguments: [String]) throws -> [String: Any]? {
        let output = try namespace.attempt(["curl", "-sf", "--max-time", "10", "--retry", "3", "--retry-all-errors", "--get"] + arguments
                                           + ["http://127.0.0.1:9090/api/v1/\(endpoint)"])
        guard output.status == 0 else {
            lastFailure = "curl exited \(output.status): \(output.stderr)"
            return nil
        }
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
    }

    /// Why the last API call got no answer, for failure messages.
    private(set) var lastFailure = ""
}
