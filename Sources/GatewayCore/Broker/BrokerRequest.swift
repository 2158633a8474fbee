import Foundation

/// One wg-broker v1 request: `{"version":1,"pubkey":"<base64 of 32 bytes>"}`.
///
/// Matches what real nodes send (gluon's mesh-vpn-wireguard client writes
/// `{"version":1, "pubkey":"…", "localport":N }`): whitespace and unknown members are
/// accepted. A missing `version` is taken as 1 because older clients omit it and the seed
/// (christf/wg-broker, src/wg-broker-server) never read it; any other version is refused.
public struct BrokerRequest: Sendable, Equatable {
    public static let version = 1
    /// Longest request line accepted; a real one is ~90 bytes.
    public static let maximumLength = 1024

    public let publicKey: PublicKey
    /// The connection's source (not part of the line): set by the server, for per-source limits.
    public var source: RequestSource?

    public init(publicKey: PublicKey, source: RequestSource? = nil) {
        self.publicKey = publicKey
        self.source = source
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case tooLong(Int)
        case notJSON
        case unsupportedVersion(Int)
        case invalidKey

        public var description: String {
            switch self {
            case .tooLong(let length): "request of \(length) bytes exceeds \(BrokerRequest.maximumLength)"
            case .notJSON: "not a JSON object with a string \"pubkey\" and an integer \"version\""
            case .unsupportedVersion(let version): "unsupported protocol version \(version)"
            case .invalidKey: "\"pubkey\" is not the base64 of 32 bytes"
            }
        }
    }

    /// Parses one request line (a trailing newline is allowed).
    public static func parse(_ line: some Collection<UInt8>) -> Result<BrokerRequest, ParseError> {
        guard line.count <= maximumLength else { return .failure(.tooLong(line.count)) }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(line)) else { return .failure(.notJSON) }
        let version = wire.version ?? Self.version
        guard version == Self.version else { return .failure(.unsupportedVersion(version)) }
        guard let key = PublicKey(base64: wire.pubkey) else { return .failure(.invalidKey) }
        return .success(BrokerRequest(publicKey: key))
    }

    private struct Wire: Decodable {
        let version: Int?
        let pubkey: String
    }
}
