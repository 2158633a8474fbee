import Foundation
import GatewayCore
import GatewaySystem
import NIOCore
import Testing

/// The broker server on loopback only (127.0.0.1 and ::1), with the real PeerManager
/// behind it and a backend that provisions nothing.
@Suite struct BrokerServerTests {
    static func key(_ index: Int) -> PublicKey {
        PublicKey(bytes: withUnsafeBytes(of: UInt32(index).littleEndian, Array.init) + [UInt8](repeating: 7, count: 28))!
    }

    static func request(_ key: PublicKey) -> [UInt8] { Array("{\"version\":1, \"pubkey\":\"\(key.base64)\", \"localport\":51820 }\n".utf8) }

    func withServer(limits: BrokerServerLimits = BrokerServerLimits(), maxConnections: Int = 1000, provisionalPerSource: Int = 100_000,
                    _ body: (BrokerServer) async throws -> Void) async throws {
        let manager = NullBrokerWorld().manager(maxConnections: maxConnections, provisionalPerSource: provisionalPerSource)
        let server = try await BrokerServer.start(hosts: ["127.0.0.1", "::1"], port: 0, limits: limits,
                                                  logger: NullBrokerWorld.quiet) { await manager.handle($0) }
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// The product's default: every IPv4 and every IPv6 address, on one port.
    @Test func theWildcardAddressesOfBothFamiliesBindTogether() async throws {
        let manager = NullBrokerWorld().manager(maxConnections: 10)
        let probe = try await BrokerServer.start(hosts: ["127.0.0.1"], port: 0, logger: NullBrokerWorld.quiet) { await manager.handle($0) }
        let port = try #require(probe.localAddresses.first?.port)
        await probe.stop()
        let server = try await BrokerServer.start(port: port, logger: NullBrokerWorld.quiet) { await manager.handle($0) }
        #expect(server.localAddresses.count == 2)
        let answer = try await LoopbackClient.exchange(port: port, request: Self.request(Self.key(1)))
        #expect(try decode(answer).port == 40000)
        await server.stop()
    }

    func port(_ server: BrokerServer, v6: Bool = false) -> Int {
        server.localAddresses.first { ($0.protocol == .inet6) == v6 }!.port!
    }

    func decode(_ answer: [UInt8]) throws -> (port: Int, time: Int) {
        let object = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]
        return (object?["port"] as? Int ?? -1, object?["time"] as? Int ?? -1)
    }

    @Test func answersOnIPv4AndIPv6WithTheSameTunnelForTheSameKey() async throws {
        try await withServer { server in
            let first = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(1)))
            let second = try await LoopbackClient.exchange(host: "::1", port: port(server, v6: true), request: Self.request(Self.key(1)))
            let (firstPort, time) = try decode(first)
            #expect(firstPort == 40000)
            #expect(abs(time - Int(Date().timeIntervalSince1970)) < 5)
            #expect(try decode(second).port == 40000)
            #expect(String(decoding: first, as: UTF8.self).hasPrefix("{\"version\":1, \"port\": 40000, \"time\": "))
        }
    }

    static let refused = BrokerReply.refused.bytes

    @Test(arguments: [
        ("empty", [UInt8](), [UInt8]()),
        ("blank line", Array("\n".utf8), refused),
        ("not JSON", Array("GET / HTTP/1.0\r\n\r\n".utf8), refused),
        ("JSON array", Array("[1]\n".utf8), refused),
        ("wrong types", Array("{\"version\":\"1\",\"pubkey\":1}\n".utf8), refused),
        ("bad base64", Array("{\"version\":1,\"pubkey\":\"%%%\"}\n".utf8), refused),
        ("31-byte key", Array("{\"version\":1,\"pubkey\":\"\(Data(count: 31).base64EncodedString())\"}\n".utf8), refused),
        ("33-byte key", Array("{\"version\":1,\"pubkey\":\"\(Data(count: 33).base64EncodedString())\"}\n".utf8), refused),
        ("version 2", Array("{\"version\":2,\"pubkey\":\"\(key(1).base64)\"}\n".utf8), refused),
        ("huge without newline", [UInt8](repeating: UInt8(ascii: "{"), count: 64 * 1024), []),
        ("huge line", Array("{\"pubkey\":\"\(String(repeating: "A", count: 2000))\"}\n".utf8), []),
        ("binary", (0..<255).map { UInt8($0) }, refused),
    ] as [(String, [UInt8], [UInt8])])
    func badRequestsAreRefusedOrClosedAndTheServerGoesOn(name: String, request: [UInt8], expected: [UInt8]) async throws {
        try await withServer { server in
            let answer = try await LoopbackClient.exchange(port: port(server), request: request)
            #expect(answer == expected, "\(name)")
            let good = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(1)))
            #expect(try decode(good).port == 40000)
        }
    }

    @Test func aLineWithoutNewlineIsAnsweredOnHalfClose() async throws {
        try await withServer { server in
            let answer = try await LoopbackClient.exchange(port: port(server), request: Array(Self.request(Self.key(3)).dropLast()))
            #expect(try decode(answer).port == 40000)
        }
    }

    @Test func slowLorisIsCutOffAtTheDeadlineEvenWhileTrickling() async throws {
        try await withServer(limits: BrokerServerLimits(requestTimeout: .milliseconds(300))) { server in
            let answer = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(1)),
                                                     halfClose: false, chunks: 40, pause: 0.05)
            #expect(answer.isEmpty)
            // Served to the end, the trickled line (newline last) would be answered with a port:
            // an empty answer is the cut-off. No wall-clock bound: loaded CI machines stretch it.
            let silent = try await LoopbackClient.exchange(port: port(server), request: [], halfClose: false)
            #expect(silent.isEmpty)
        }
    }

    /// Under load, provisioning (a wireguard-go start) can outlast the read deadline; the
    /// node must still get its answer, or it asks again and queues behind itself.
    @Test func provisioningSlowerThanTheReadDeadlineIsStillAnswered() async throws {
        let server = try await BrokerServer.start(hosts: ["127.0.0.1"], port: 0, limits: BrokerServerLimits(requestTimeout: .milliseconds(200)),
                                                  logger: NullBrokerWorld.quiet) { _ in
            try? await Task.sleep(for: .milliseconds(700))
            return .refused
        }
        let answer = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(1)))
        await server.stop()
        #expect(answer == Self.refused)
    }

    /// The server hands the connection's source to the manager: loopback's quota of one
    /// peer without a handshake refuses the second key with error code 1.
    @Test func theSourceQuotaAnswersWithTheRefusal() async throws {
        try await withServer(provisionalPerSource: 1) { server in
            _ = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(1)))
            let answer = try await LoopbackClient.exchange(port: port(server), request: Self.request(Self.key(2)))
            #expect(answer == Self.refused)
        }
    }

    @Test func twoHundredConcurrentClientsEachGetAUniquePort() async throws {
        try await withServer { server in
            let serverPort = port(server)
            let started = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        (index, try await LoopbackClient.exchange(port: serverPort, request: Self.request(Self.key(index))))
                    }
                }
                return try await group.reduce(into: [Int: [UInt8]]()) { $0[$1.0] = $1.1 }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("broker: 200 concurrent new-key requests in \(elapsed) (\(Int(200 / seconds)) requests/s)")
            let ports = try answers.values.map { try decode($0).port }
            #expect(answers.count == 200)
            #expect(Set(ports) == Set(40000..<40200))
        }
    }
}
