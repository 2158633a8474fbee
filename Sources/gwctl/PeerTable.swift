import GatewayControl

/// `gwctl peers list` and `peers show` for people.
enum PeerTable {
    static func sorted(_ peers: [PeerStatus], by key: Peers.List.SortKey) -> [PeerStatus] {
        switch key {
        case .interface: return peers.sorted { interfaceNumber($0) < interfaceNumber($1) }
        case .port: return peers.sorted { $0.port < $1.port }
        case .key: return peers.sorted { $0.publicKey < $1.publicKey }
        // Most recent handshake first, never-handshaked last.
        case .handshake: return peers.sorted { ($0.handshakeAgeSeconds ?? .max) < ($1.handshakeAgeSeconds ?? .max) }
        case .rx: return peers.sorted { ($0.rxBytes ?? 0) > ($1.rxBytes ?? 0) }
        case .tx: return peers.sorted { ($0.txBytes ?? 0) > ($1.txBytes ?? 0) }
        }
    }

    private static func interfaceNumber(_ peer: PeerStatus) -> Int {
        Int(peer.interface.split(separator: "-").last ?? "") ?? .max
    }

    static func render(_ peers: [PeerStatus]) -> String {
        guard !peers.isEmpty else { return "no peers" }
        let rows = peers.map { peer in
            [peer.interface, "\(peer.port)", peer.publicKey, peer.endpoint ?? "-", Human.age(peer.handshakeAgeSeconds),
             Human.bytes(peer.rxBytes), Human.bytes(peer.txBytes), BabelText.column(peer.babel), registrations(peer)]
        }
        return Human.table(["INTERFACE", "PORT", "NODE KEY", "ENDPOINT", "HANDSHAKE", "RX", "TX", "BABEL", "REGISTERED"], rows)
            + "\n\(peers.count) peer(s)"
    }

    static func details(_ peer: PeerStatus) -> String {
        let handshake = Human.age(peer.handshakeAgeSeconds) + (peer.handshakeAgeSeconds == nil ? "" : " ago")
        var rows: [(String, String)] = [
            ("interface", peer.interface), ("port", "\(peer.port)"), ("node key", peer.publicKey),
            ("endpoint", peer.endpoint ?? "-"), ("last handshake", handshake),
            ("received", Human.bytes(peer.rxBytes)), ("sent", Human.bytes(peer.txBytes)),
            ("registered with", registrations(peer)),
        ]
        rows += BabelText.details(peer.babel)
        rows += [("created", "\(peer.created) (unix)"), ("last seen", "\(peer.lastSeen) (unix)")]
        return rows.map { "\($0.0):".padding(toLength: 17, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    private static func registrations(_ peer: PeerStatus) -> String {
        peer.registeredWith.isEmpty ? "-" : peer.registeredWith.joined(separator: ",")
    }
}
