import Foundation
import GatewayCore

/// The text of WireGuard's cross-platform userspace API (wireguard.com/xplatform): `set=1`
/// and `get=1` requests of `key=value` lines ending in a blank line, keys in hex, answered
/// with `errno=N`. Pure, so requests and answers are testable without wireguard-go.
enum UAPIMessages {
    /// Sets the private key and listen port and makes `peer` the only peer, allowed `::/0`.
    /// Returned as bytes so the caller can wipe the private key after sending.
    static func configure(privateKey: PrivateKey, listenPort: UInt16, peer: PublicKey) -> [UInt8] {
        var request = Array("set=1\nprivate_key=".utf8)
        privateKey.withBytes { key in
            for byte in key {
                request.append(hexDigits[Int(byte >> 4)])
                request.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        request += Array("""

            listen_port=\(listenPort)
            replace_peers=true
            public_key=\(peer.hex)
            replace_allowed_ips=true
            allowed_ip=\(PeerInterfaceSpec.allowedIPs)


            """.utf8)
        return request
    }

    static let get = Array("get=1\n\n".utf8)

    private static let hexDigits = Array("0123456789abcdef".utf8)

    struct Device: Equatable {
        var listenPort: UInt16 = 0
        var peers: [Peer] = []
    }

    struct Peer: Equatable {
        var key: PublicKey
        /// nil when the peer never completed a handshake (the time is 0).
        var latestHandshake: Date?
        var endpoint: String?
        var rxBytes: UInt64 = 0
        var txBytes: UInt64 = 0
    }

    struct Failure: Error, Equatable, CustomStringConvertible {
        let errno: Int32
        var description: String { "wireguard-go answered errno=\(errno)" }
    }

    /// The errno of an answer, or nil when it has none (truncated).
    static func errno(of answer: String) -> Int32? {
        answer.split(separator: "\n").last { $0.hasPrefix("errno=") }.flatMap { Int32($0.dropFirst("errno=".count)) }
    }

    /// Parses a `get=1` answer; throws when errno is not 0.
    static func device(from answer: String) throws(Failure) -> Device {
        guard let code = errno(of: answer) else { throw Failure(errno: EPROTO) }
        guard code == 0 else { throw Failure(errno: code) }
        var device = Device()
        for line in answer.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals]
            let value = line[line.index(after: equals)...]
            switch key {
            case "listen_port": device.listenPort = UInt16(value) ?? 0
            case "public_key": if let peer = PublicKey(hex: value) { device.peers.append(Peer(key: peer)) }
            case "last_handshake_time_sec":
                if let seconds = Int64(value), seconds > 0, !device.peers.isEmpty {
                    device.peers[device.peers.count - 1].latestHandshake = Date(timeIntervalSince1970: TimeInterval(seconds))
                }
            case "endpoint" where !device.peers.isEmpty: device.peers[device.peers.count - 1].endpoint = String(value)
            case "rx_bytes" where !device.peers.isEmpty: device.peers[device.peers.count - 1].rxBytes = UInt64(value) ?? 0
            case "tx_bytes" where !device.peers.isEmpty: device.peers[device.peers.count - 1].txBytes = UInt64(value) ?? 0
            default: continue
            }
        }
        return device
    }
}
