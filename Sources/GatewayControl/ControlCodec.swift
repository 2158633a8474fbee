import Foundation

/// Encodes and decodes control lines. Every line is one compact JSON object with sorted
/// keys, so replies are stable to compare and a newline can only be the terminator.
public enum ControlCodec {
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every type here encodes; a failure would be a programming error.
        guard let data = try? encoder.encode(value) else { preconditionFailure("control payload did not encode") }
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// Indented JSON with sorted keys, as gwctl --json prints a payload. Throws rather than
    /// returning nothing, so a caller can never report success without output.
    public static func pretty<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from line: some Collection<UInt8>) throws -> Value {
        try JSONDecoder().decode(type, from: Data(line))
    }

    /// A request line, or the error reply it deserves. The command is checked apart from
    /// the rest, so that an unknown command is told from malformed JSON.
    public static func request(from line: some Collection<UInt8>) -> Result<ControlRequest, ControlError> {
        let envelope: Envelope
        do { envelope = try decode(Envelope.self, from: line) } catch {
            return .failure(ControlError(.badRequest, "not a JSON object with a \"command\""))
        }
        if let version = envelope.version, version != ControlProtocol.version {
            return .failure(ControlError(.unsupportedVersion, "protocol version \(version) is not supported; this gatewayd speaks \(ControlProtocol.version)"))
        }
        guard let name = envelope.command else { return .failure(ControlError(.badRequest, "missing \"command\"")) }
        guard ControlCommand(rawValue: name) != nil else {
            let known = ControlCommand.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(ControlError(.unknownCommand, "unknown command \"\(name)\" (known: \(known))"))
        }
        do { return .success(try decode(ControlRequest.self, from: line)) } catch {
            return .failure(ControlError(.badRequest, "a field has the wrong type: \(Self.describe(error))"))
        }
    }

    private struct Envelope: Decodable {
        var version: Int?
        var command: String?
    }

    private static func describe(_ error: any Error) -> String {
        guard case DecodingError.typeMismatch(_, let context) = error else { return "invalid request" }
        return context.codingPath.map(\.stringValue).joined(separator: ".")
    }
}
