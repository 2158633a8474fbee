import Foundation
import GatewayCore
import Testing

@testable import GatewaySystem

@Suite struct UAPIMessagesTests {
    let peer = PublicKey(bytes: (0..<32).map { UInt8($0) })!

    @Test func configureSetsKeyPortAndOnlyPeerWithDefaultRoute() {
        let key = PrivateKey(bytes: [UInt8](repeating: 0xab, count: 32))!
        let text = String(decoding: UAPIMessages.configure(privateKey: key, listenPort: 40001, peer: peer), as: UTF8.self)
        #expect(text == """
            set=1
            private_key=\(String(repeating: "ab", count: 32))
            listen_port=40001
            replace_peers=true
            public_key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
            replace_allowed_ips=true
            allowed_ip=::/0


            """)
    }

    @Test func getAnswerGivesPortPeersAndHandshake() throws {
        let answer = """
            private_key=\(String(repeating: "ab", count: 32))
            listen_port=40001
            public_key=\(peer.hex)
            endpoint=[2001:db8::1]:51820
            rx_bytes=1234
            tx_bytes=5678
            last_handshake_time_sec=1700000000
            last_handshake_time_nsec=5
            allowed_ip=::/0
            public_key=\(String(repeating: "01", count: 32))
            last_handshake_time_sec=0
            errno=0


            """
        let device = try UAPIMessages.device(from: answer)
        #expect(device.listenPort == 40001)
        #expect(device.peers == [
            .init(key: peer, latestHandshake: Date(timeIntervalSince1970: 1_700_000_000), endpoint: "[2001:db8::1]:51820",
                  rxBytes: 1234, txBytes: 5678),
            .init(key: PublicKey(bytes: [UInt8](repeating: 1, count: 32))!, latestHandshake: nil),
        ])
    }

    @Test func errorAnswersAndTruncationThrow() {
        #expect(throws: UAPIMessages.Failure(errno: 22)) { try UAPIMessages.device(from: "errno=22\n\n") }
        #expect(throws: UAPIMessages.Failure(errno: EPROTO)) { try UAPIMessages.device(from: "listen_port=1\n") }
    }
}
