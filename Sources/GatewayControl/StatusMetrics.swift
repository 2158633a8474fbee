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
    /// clock on the reader's side), and the names of mdlayher/wireguard_exporter (labels
    /// `device`, `public_key`), which WireGuard dashboards such as Grafana's 12177 read.
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
        add("wireguard_peer_receive_bytes_total", .counter, help: "Number of bytes received from a given peer.",
            samples: zip(present, device).map { peer, labels in Sample(labels, Double(peer.rxBytes ?? 0)) })
        add("wireguard_peer_transmit_bytes_total", .counter, help: "Number of bytes transmitted to a given peer.",
            samples: zip(present, device).map { peer, labels in Sample(labels, Double(peer.txBytes ?? 0)) })
        // 0 for a peer that never handshook, as wireguard_exporter writes it.
        add("wireguard_peer_last_handshake_seconds", .gauge, help: "UNIX timestamp for the last handshake with a given peer.",
            samples: zip(present, device).map { peer, labels in Sample(labels, Double(peer.latestHandshake ?? 0)) })
    }
}
