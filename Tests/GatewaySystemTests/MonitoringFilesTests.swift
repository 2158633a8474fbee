import Foundation
import Testing

/// docker/monitoring/: the alert rules pass promtool's check and their unit tests (one test
/// per rule), and the rules and the dashboard only read metrics gatewayd writes.
@Suite struct MonitoringFilesTests {
    static let directory = Repository.root.appendingPathComponent("docker/monitoring")
    static func file(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func promtoolAcceptsTheRulesAndTheConfiguration() throws {
        let rules = try Promtool.run(["check", "rules", "gatewayd-rules.yml"], in: Self.directory)
        #expect(rules.status == 0 && rules.output.contains("SUCCESS"), "\(rules.output)")
        let config = try Promtool.run(["check", "config", "prometheus.yml"], in: Self.directory)
        #expect(config.status == 0, "\(config.output)")
    }

    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func theRulesUnitTestsPass() throws {
        let result = try Promtool.run(["test", "rules", "gatewayd-rules.test.yml"], in: Self.directory)
        #expect(result.status == 0 && result.output.contains("SUCCESS"), "\(result.output)")
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
    }

    @Test func everyRuleHasAUnitTest() throws {
        let alerts = Self.matches(#"- alert: (\w+)"#, in: try Self.file("gatewayd-rules.yml"))
        let tested = Set(Self.matches(#"alertname: (\w+)"#, in: try Self.file("gatewayd-rules.test.yml")))
        #expect(alerts.count >= 7)
        for alert in alerts { #expect(tested.contains(alert), "\(alert) has no test in gatewayd-rules.test.yml") }
        // A test per rule that also fires it (an expected alert with labels), not only silence.
        let firing = try Self.file("gatewayd-rules.test.yml").components(separatedBy: "alertname: ").dropFirst()
            .filter { $0.contains("exp_labels") }.map { String($0.prefix { $0.isLetter }) }
        #expect(Set(firing) == Set(alerts))
    }

    /// Every metric the rules and the dashboard read is one gatewayd writes (a name in its sources).
    @Test func rulesAndDashboardReadOnlyMetricsGatewaydWrites() throws {
        let sources = try FileManager.default.subpathsOfDirectory(atPath: Repository.root.appendingPathComponent("Sources").path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: Repository.root.appendingPathComponent("Sources").appendingPathComponent($0), encoding: .utf8) }
            .joined()
        for name in ["gatewayd-rules.yml", "gatewayd-dashboard.json"] {
            let used = Set(Self.matches(#"\b((?:gatewayd|wireguard)_[a-z_]+)"#, in: try Self.file(name)))
            #expect(!used.isEmpty)
            let unwritten = used.filter { metric in
                let family = metric.replacingOccurrences(of: #"_(bucket|sum|count)$"#, with: "", options: .regularExpression)
                return !sources.contains("\"\(family)\"")
            }
            #expect(unwritten.isEmpty, "\(name) reads metrics gatewayd does not write: \(unwritten.sorted())")
        }
    }

    /// Every metric family gatewayd writes is documented in Docs/control-protocol.md#metrics.
    @Test func everyMetricIsDocumented() throws {
        let sources = try ["Sources/gatewayd/Runtime/MetricsExport.swift", "Sources/GatewayControl/StatusMetrics.swift"]
            .map { try String(contentsOf: Repository.root.appendingPathComponent($0), encoding: .utf8) }.joined()
        let written = Set(Self.matches(#""((?:gatewayd|wireguard)_[a-z_]+)""#, in: sources))
        let document = try String(contentsOf: Repository.root.appendingPathComponent("Docs/control-protocol.md"), encoding: .utf8)
        let start = try #require(document.range(of: "## Metrics")).lowerBound
        let metrics = String(document[start...])
        #expect(written.count >= 40)
        let undocumented = written.filter { !metrics.contains("`\($0)") }
        #expect(undocumented.isEmpty, "not in Docs/control-protocol.md#metrics: \(undocumented.sorted())")
    }

    @Test func theDashboardIsGrafanaJSON() throws {
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(Self.file("gatewayd-dashboard.json").utf8)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(dashboard["title"] as? String != nil && panels.count >= 6)
        for panel in panels where panel["type"] as? String != "row" {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty && targets.allSatisfy { ($0["expr"] as? String)?.isEmpty == false }, "\(panel["title"] ?? "")")
        }
    }
}
