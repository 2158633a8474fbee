import Foundation
import GatewayControl
import GatewayCore
import Testing

/// The per-peer and info parts of the Prometheus endpoint: gatewayd's names and
/// wireguard_exporter's, one series set per peer, and text that promtool accepts.
@Suite struct StatusMetricsTests {
    static let gatewayKey = "TM7UyJLMf7nPvWC4fb5xoEQedgQ9RwyyEaWGk1Zrow4="
    static let live = PeerStatus(
        interface: "babel-wg-1", port: 40000, publicKey: "2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o=",
        endpoint: "[2001:db8::2]:51820", latestHandshake: 1_700_000_000, handshakeAgeSeconds: 42, rxBytes: 1234, txBytes: 5678,
        registeredWith: ["babeld"], created: 1_699_999_000, lastSeen: 1_700_000_000)
    static let silent = PeerStatus(
        interface: "babel-wg-2", port: 40001, publicKey: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
        endpoint: nil, latestHandshake: nil, handshakeAgeSeconds: nil, rxBytes: 0, txBytes: 0,
        registeredWith: [], created: 1_699_999_000, lastSeen: 1_699_999_000)
    /// A record whose interface the backend did not list (vanished).
    static let vanished = PeerStatus(
        interface: "babel-wg-3", port: 40002, publicKey: "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",
        endpoint: nil, latestHandshake: nil, handshakeAgeSeconds: nil, rxBytes: nil, txBytes: nil,
        registeredWith: [], created: 1_699_999_000, lastSeen: 1_699_999_000)

    static func rendered(_ peers: [PeerStatus]) -> String {
        var text = PrometheusText()
        text.addPeers(peers, gatewayKey: gatewayKey)
        return text.text
    }

    @Test func aPeerHasGatewaydsAndWireGuardExportersNames() {
        let text = Self.rendered([Self.live])
        let own = #"{interface="babel-wg-1",key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o="}"#
        let exporter = #"{device="babel-wg-1",public_key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o="}"#
        for line in [
            "gatewayd_peer_handshake_age_seconds\(own) 42", "gatewayd_peer_receive_bytes_total\(own) 1234",
            "gatewayd_peer_transmit_bytes_total\(own) 5678",
            #"wireguard_device_info{device="babel-wg-1",public_key="TM7UyJLMf7nPvWC4fb5xoEQedgQ9RwyyEaWGk1Zrow4="} 1"#,
            #"wireguard_peer_info{device="babel-wg-1",public_key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o=",allowed_ips="::/0",endpoint="[2001:db8::2]:51820",name="babel-wg-1"} 1"#,
            "wireguard_peer_receive_bytes_total\(exporter) 1234", "wireguard_peer_transmit_bytes_total\(exporter) 5678",
            "wireguard_peer_last_handshake_seconds\(exporter) 1700000000",
            "# TYPE wireguard_peer_receive_bytes_total counter", "# TYPE wireguard_peer_last_handshake_seconds gauge",
            // MindFlavor/prometheus_wireguard_exporter's names and labels.
            #"wireguard_sent_bytes_total{interface="babel-wg-1",public_key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o=",allowed_ips="::/0"} 5678"#,
            #"wireguard_received_bytes_total{interface="babel-wg-1",public_key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o=",allowed_ips="::/0"} 1234"#,
            #"wireguard_latest_handshake_seconds{interface="babel-wg-1",public_key="2RTeXgsWP9siIqULJukjlfA3SRYA3R6YsVnJ5GUzu3o=",allowed_ips="::/0"} 1700000000"#,
            "# TYPE wireguard_latest_handshake_seconds gauge",
        ] {
            #expect(text.contains(line + "\n"), "\(line) in\n\(text)")
        }
    }

    @Test func aPeerThatNeverHandshookHasNoAgeAndTheExportersZero() {
        let text = Self.rendered([Self.silent])
        #expect(!text.contains("gatewayd_peer_handshake_age_seconds"))
        #expect(text.contains(#"wireguard_peer_last_handshake_seconds{device="babel-wg-2",public_key="xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="} 0"#))
        #expect(text.contains(#"endpoint="""#), "no endpoint is an empty label, as wireguard_exporter writes it")
    }

    @Test func aVanishedInterfaceIsNoWireGuardDevice() {
        #expect(!Self.rendered([Self.vanished]).contains("wireguard_"))
    }

    /// Bounded cardinality: every peer adds the same fixed number of series, whatever else happens.
    @Test func eachPeerAddsAFixedSetOfSeries() {
        func series(_ text: String) -> Int { text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count }
        let one = series(Self.rendered([Self.live]))
        let many = (1...50).map { number in
            var peer = Self.live
            peer.interface = "babel-wg-\(number)"
            return peer
        }
        #expect(one == 11)
        #expect(series(Self.rendered(many)) == 50 * one)
    }

    /// Each family once, its samples together, even with peers in between.
    @Test func familiesAreContiguous() {
        let text = Self.rendered([Self.live, Self.silent, Self.vanished])
        var seen: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            if seen.last != name {
                #expect(!seen.contains(name), "\(name) interrupted by \(seen.last ?? "")")
                seen.append(name)
            }
        }
        #expect(text.components(separatedBy: "# TYPE wireguard_peer_info ").count == 2)
    }

    @Test func theInfoMetricNamesVersionKeyBackendAndBabeld() {
        let status = GatewayStatus(version: "0.3.0", uptimeSeconds: 5, configuration: "environment", backend: "userspace",
                                   publicKey: Self.gatewayKey, host: HostPlanStatus(state: .applied, lastCheck: nil, lastChanges: 0, driftRepairs: 0),
                                   children: [], broker: BrokerStatus(state: "open", port: 40000, peers: 0, maxConnections: 150),
                                   uplink: UplinkStatus(state: "unchecked"), babeldVersion: "babeld-1.14")
        var text = PrometheusText()
        text.addInfo(status)
        #expect(text.text.contains(#"gatewayd_info{version="0.3.0",public_key="TM7UyJLMf7nPvWC4fb5xoEQedgQ9RwyyEaWGk1Zrow4=",backend="userspace",babeld_version="babeld-1.14"} 1"#))
    }

    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func promtoolAcceptsThePeerMetrics() throws {
        let result = try Promtool.run(["check", "metrics"], input: Self.rendered([Self.live, Self.silent, Self.vanished]))
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    }

    /// The check above can fail: promtool's lint rejects what a broken renderer would write.
    @Test(.enabled(if: Promtool.path != nil, Promtool.missing))
    func promtoolRejectsACounterWithoutTotal() throws {
        var text = PrometheusText()
        text.add("gatewayd_peer_receive_bytes", .counter, help: "Bytes.", value: 1)
        let result = try Promtool.run(["check", "metrics"], input: text.text)
        #expect(result.status != 0 && result.output.contains("_total"), "\(result.output)")
    }
}
