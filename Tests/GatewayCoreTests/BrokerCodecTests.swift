import Foundation
import GatewayCore
import Testing

/// wg-broker v1 on the wire: what nodes send, and the seed's reply bytes.
@Suite struct BrokerCodecTests {
    static let key = "kZc0N3vSdRuJQlSHyB+UZ3oj8sJZ1wbbQwMzkc7bwXw="

    func parse(_ text: String) -> Result<BrokerRequest, BrokerRequest.ParseError> { BrokerRequest.parse(Array(text.utf8)) }

    @Test func parsesTheCanonicalRequest() throws {
        let request = try parse("{\"version\":1,\"pubkey\":\"\(Self.key)\"}").get()
        #expect(request.publicKey.base64 == Self.key)
    }

    @Test func parsesWhatGluonSendsWithSpacesNewlineAndLocalport() throws {
        let request = try parse("{\"version\":1, \"pubkey\":\"\(Self.key)\", \"localport\":51820 }\n").get()
        #expect(request.publicKey.base64 == Self.key)
    }

    @Test func takesAMissingVersionAsOneLikeTheSeed() throws {
        #expect(try parse("{\"pubkey\":\"\(Self.key)\", \"localport\":51820 }").get().publicKey.base64 == Self.key)
    }

    @Test(arguments: [
        ("", BrokerRequest.ParseError.notJSON),
        ("hello\n", .notJSON),
        ("[1,2]", .notJSON),
        ("{\"version\":1}", .notJSON),
        ("{\"version\":\"1\",\"pubkey\":\"\(key)\"}", .notJSON),
        ("{\"version\":1,\"pubkey\":42}", .notJSON),
        ("{\"version\":1.5,\"pubkey\":\"\(key)\"}", .notJSON),
        ("{\"version\":2,\"pubkey\":\"\(key)\"}", .unsupportedVersion(2)),
        ("{\"version\":0,\"pubkey\":\"\(key)\"}", .unsupportedVersion(0)),
        ("{\"version\":1,\"pubkey\":\"not base64!\"}", .invalidKey),
        ("{\"version\":1,\"pubkey\":\"\"}", .invalidKey),
        // 31 and 33 bytes.
        ("{\"version\":1,\"pubkey\":\"\(Data(count: 31).base64EncodedString())\"}", .invalidKey),
        ("{\"version\":1,\"pubkey\":\"\(Data(count: 33).base64EncodedString())\"}", .invalidKey),
    ])
    func refusesMalformedRequests(text: String, error: BrokerRequest.ParseError) {
        #expect(parse(text) == .failure(error))
    }

    @Test func refusesOversizedRequestsBeforeParsing() {
        let huge = "{\"version\":1,\"pubkey\":\"\(Self.key)\",\"pad\":\"\(String(repeating: "x", count: 2000))\"}"
        #expect(parse(huge) == .failure(.tooLong(huge.utf8.count)))
    }

    @Test func successReplyIsTheSeedsBytes() {
        #expect(BrokerReply.accepted(port: 40001, time: 1_700_000_000).line
            == "{\"version\":1, \"port\": 40001, \"time\": 1700000000 }\n")
    }

    @Test func refusalIsTheSeedsBytes() {
        #expect(BrokerReply.refused.line
            == "{\"version\":1, \"error\": { \"code\":1, \"reason\":  \"Remote peer is not accepting additional connections\"} }\n")
    }

    @Test func repliesAreValidJSONWithTheDocumentedMembers() throws {
        let accepted = try JSONSerialization.jsonObject(with: Data(BrokerReply.accepted(port: 40001, time: 5).bytes)) as? [String: Any]
        #expect(accepted?["version"] as? Int == 1 && accepted?["port"] as? Int == 40001 && accepted?["time"] as? Int == 5)
        let refused = try JSONSerialization.jsonObject(with: Data(BrokerReply.refused.bytes)) as? [String: Any]
        let error = refused?["error"] as? [String: Any]
        #expect(error?["code"] as? Int == 1)
        #expect(error?["reason"] as? String == BrokerReply.refusalReason)
    }

    @Test func publicKeyHexRoundTripsAndRejectsSignsAndOddLengths() {
        let key = PublicKey(base64: Self.key)!
        #expect(PublicKey(hex: key.hex) == key)
        #expect(PublicKey(hex: key.hex.uppercased()) == key)
        #expect(PublicKey(hex: "+" + key.hex.dropFirst()) == nil)
        #expect(PublicKey(hex: key.hex.dropLast()) == nil)
    }
}
