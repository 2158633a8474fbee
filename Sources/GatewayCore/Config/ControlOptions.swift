/// The control socket and the Prometheus endpoint: CONTROLSOCKET, CONTROLGROUP, METRICS_LISTEN.
public struct ControlOptions: Sendable, Equatable {
    public enum Defaults {
        public static let socketPath = "/run/gatewayd.sock"
    }

    public var socketPath: String
    /// A group name or number; nil leaves root's group.
    public var group: String?
    /// `host:port` or `[v6]:port` of the metrics endpoint; nil: off.
    public var metricsListen: HostPort?

    public init(socketPath: String = Defaults.socketPath, group: String? = nil, metricsListen: HostPort? = nil) {
        self.socketPath = socketPath
        self.group = group
        self.metricsListen = metricsListen
    }
}

/// An address and port as written in the env-file: `[2001:db8::1]:443`, `127.0.0.1:9184`.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// nil unless the text is a literal IPv6 address in brackets or a dotted IPv4 address,
    /// then a port: names would need DNS, which a gateway must not depend on.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        let hostPart = text[..<colon]
        if hostPart.hasPrefix("[") && hostPart.hasSuffix("]") {
            let inner = String(hostPart.dropFirst().dropLast())
            guard IPv6Address(inner) != nil else { return nil }
            host = inner
        } else {
            let octets = hostPart.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return nil }
            host = String(hostPart)
        }
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
