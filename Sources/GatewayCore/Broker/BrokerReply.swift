/// The broker's answer, encoded byte for byte as the seed wrote it.
///
/// The seed (christf/wg-broker, src/wg-broker-server, `handle_connection`) builds its
/// replies with `echo` from these templates, spaces included, newline-terminated:
///   {"version":1, "port": $port, "time": $(date +%s) }
///   {"version":1, "error": { "code":1, "reason":  "Remote peer is not accepting additional connections"} }
/// Clients parse them with a JSON filter, so the spacing is cosmetic, but keeping the exact
/// bytes means nothing a node or a monitoring script compares against can differ.
public enum BrokerReply: Sendable, Equatable {
    /// The node's WireGuard peer listens on `port`; `time` is the gateway's Unix time.
    case accepted(port: UInt16, time: Int64)
    /// The only error v1 has: no tunnel for this request (limit, policy, bad request).
    case refused

    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    public static let refusalCode = 1
    public static let refusalReason = "Remote peer is not accepting additional connections"

    public var line: String {
        switch self {
        case .accepted(let port, let time):
            "{\"version\":1, \"port\": \(port), \"time\": \(time) }\n"
        case .refused:
            "{\"version\":1, \"error\": { \"code\":\(Self.refusalCode), \"reason\":  \"\(Self.refusalReason)\"} }\n"
        }
    }

    public var bytes: [UInt8] { Array(line.utf8) }
}
