import GatewayCore

/// Parts of the Prometheus view rendered from control payloads, so the endpoint and the
/// control socket report the same figures. Every family here has one series per peer at
/// most: labels are the interface and keys, never anything that grows per request.
extension PrometheusText {
    /// `gatewayd_info`: what is running, one series.
    public mutating func addInfo(_ status: GatewayStatus) {
        add("gatewayd_info", .gauge, help: "What runs: gatewayd's version, the gateway's public key, the WireGuard backend, babeld's version.",
            labels: [("version", status.version), ("public_key", status.publicKey), ("backend", status.backend ?? ""),
                     ("babeld_version", status.babeldVersion ?? "")],
            value: 1)
    }

    /// Per peer: gatewayd's own names (labels `interface`, `key`; the age, which needs no
    /// clock on the reader's side), and the names of the two common WireGuard exporters,
    /// mdlayher/wireguard_exporter (labels `device`, `public_key`; Grafana's dashboard
    /// 12177 reads them) and MindFlavor/prometheus_wireguard_exporter, so their dashboards work.
    public mutating func addPeers(_ peers: [PeerStatus], gatewayKey: String) {
        let own = peers.map { [("interface", $0.interface), ("key", $0.publicKey)] }
        add("gatewayd_peer_handshake_age_seconds", .gauge, help: "Seconds since the peer's last handshake.",
            samples: zip(peers, own).compactMap { peer, labels in peer.handshakeAgeSeconds.map { Sample(labels, Double($0)) } })
        add("gatewayd_peer_receive_bytes_total", .counter, help: "Bytes received from the peer.",
            samples: zip(peers, own).compactMap { peer, labels in peer.rxBytes.map { Sample(labels, Double($0)) } })
        add("gatewayd_peer_transmit_bytes_total", .counter, help: "Bytes sent to the peer.",
            samples: zip(peers, own).compactMap { peer, labels in peer.txBytes.map { Sample(labels, Double($0)) } })

        // wireguard_exporter lists what the device reports: only peers whose interface exists.
        let present = peers.filter { $0.rxBytes != nil }
        let device = present.map { [("device", $0.interface), ("public_key", $0.publicKey)] }
        add("wireguard_device_info", .gauge, help: "Metadata about a device.",
            samples: present.map { Sample([("device", $0.interface), ("public_key", gatewayKey)], 1) })
        add("wireguard_peer_info", .gauge,
            help: "Metadata about a peer. The public_key label on peer metrics refers to the peer's public key; not the device's public key.",
            samples: zip(present, device).map { peer, labels in
                Sample(labels + [("allowed_ips", PeerInterfaceSpec.allowedIPs), ("endpoint", peer.endpoint ?? ""), ("name", peer.interface)], 1)
            })
        // 0 for a peer that never handshook, as both exporters write it.
        addExporterFamilies(present, labels: device, received: ("wireguard_peer_receive_bytes_total", "Number of bytes received from a given peer."),
                            sent: ("wireguard_peer_transmit_bytes_total", "Number of bytes transmitted to a given peer."),
                            handshake: ("wireguard_peer_last_handshake_seconds", "UNIX timestamp for the last handshake with a given peer."))
        // And MindFlavor/prometheus_wireguard_exporter's (labels `interface`, `public_key`,
        // `allowed_ips`), read by its dashboards.
        addExporterFamilies(present, labels: present.map { [("interface", $0.interface), ("public_key", $0.publicKey), ("allowed_ips", PeerInterfaceSpec.allowedIPs)] },
                            received: ("wireguard_received_bytes_total", "Bytes received from the peer"),
                            sent: ("wireguard_sent_bytes_total", "Bytes sent to the peer"),
                            handshake: ("wireguard_latest_handshake_seconds", "Seconds from the last handshake"))
    }

    /// An exporter's three per-peer families (received, sent, last handshake as Unix time)
    /// under its names, help texts and labels.
    private mutating func addExporterFamilies(_ peers: [PeerStatus], labels: [[(String, String)]], received: (String, String),
                                              sent: (String, String), handshake: (String, String)) {
        add(received.0, .counter, help: received.1, samples: zip(peers, labels).map { Sample($1, Double($0.rxBytes ?? 0)) })
        add(sent.0, .counter, help: sent.1, samples: zip(peers, labels).map { Sample($1, Double($0.txBytes ?? 0)) })
        add(handshake.0, .gauge, help: handshake.1, samples: zip(peers, labels).map { Sample($1, Double($0.latestHandshake ?? 0)) })
    }
}

extension PrometheusText {
    /// Babel per mesh interface (label `interface`, the same as the peer metrics'): whether
    /// babeld has it up, how many neighbours it hears there and the best one's reach, costs
    /// and rtt, the routes learned through it; mmfd's neighbours. Only the best neighbour
    /// gets series, so a node that sends hellos from many addresses adds none.
    public mutating func addBabel(_ tunnels: [(interface: String, babel: BabelTunnel)], summary: BabelSummary?) {
        let labels = tunnels.map { [("interface", $0.interface)] }
        let best = zip(tunnels, labels).compactMap { tunnel, labels in tunnel.babel.best.map { (labels, $0) } }
        add("gatewayd_babel_interface_up", .gauge, help: "1 while babeld has the interface up.",
            samples: zip(tunnels, labels).map { Sample($1, $0.babel.up == true ? 1 : 0) })
        add("gatewayd_babel_neighbours", .gauge, help: "Babel neighbours babeld hears on the interface (reach not 0).",
            samples: zip(tunnels, labels).map { Sample($1, Double($0.babel.neighbours.filter { $0.reach != 0 }.count)) })
        add("gatewayd_babel_neighbour_reach", .gauge,
            help: "The best neighbour's reach: the last 16 hellos as a bit field (65535: none missed).",
            samples: best.map { Sample($0.0, Double($0.1.reach)) })
        add("gatewayd_babel_neighbour_rxcost", .gauge, help: "The best neighbour's rxcost.",
            samples: best.map { Sample($0.0, Double($0.1.rxcost)) })
        add("gatewayd_babel_neighbour_txcost", .gauge, help: "The best neighbour's txcost.",
            samples: best.map { Sample($0.0, Double($0.1.txcost)) })
        add("gatewayd_babel_neighbour_cost", .gauge, help: "The best neighbour's link cost.",
            samples: best.map { Sample($0.0, Double($0.1.cost)) })
        add("gatewayd_babel_neighbour_rtt_seconds", .gauge, help: "The best neighbour's round-trip time (babel timestamps).",
            samples: best.compactMap { labels, neighbour in neighbour.rttSeconds.map { Sample(labels, $0) } })
        add("gatewayd_babel_routes", .gauge, help: "Routes babeld learned through the interface.",
            samples: zip(tunnels, labels).map { Sample($1, Double($0.babel.routes)) })
        add("gatewayd_mmfd_neighbours", .gauge, help: "mmfd's neighbours on the interface.",
            samples: zip(tunnels, labels).compactMap { tunnel, labels in tunnel.babel.mmfdNeighbours.map { Sample(labels, Double($0.count)) } })
        if let summary {
            add("gatewayd_babel_tunnels_up", .gauge, help: "Tunnels with a handshake in the last 3 minutes.", value: Double(summary.tunnelsUp))
            add("gatewayd_babel_tunnels_without_neighbour", .gauge,
                help: "Tunnels with a handshake in the last 3 minutes but no babel neighbour on them.",
                value: Double(summary.upWithoutNeighbour.count))
        }
    }
}
