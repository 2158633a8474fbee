import Foundation
import GatewayControl
import GatewaySystem
import Logging
import Testing

/// The control socket's protocol robustness: a real server on a temporary unix socket,
/// behind it a handler that answers `status` with a fixed restart name and sleeps on
/// `reload` (a slow request), so order and isolation can be seen.
@Suite struct ControlServerTests {
    static let quiet: Logger = {
        var logger = Logger(label: "test.control")
        logger.logLevel = .critical
        return logger
    }()

    static func handle(_ request: ControlRequest) async -> ControlReply {
        switch request.command {
        case .reload:
            try? await Task.sleep(for: .milliseconds(300))
            return ControlReply(restarted: "slow")
        case .sweep:
            try? await Task.sleep(for: .milliseconds(1500))
            return ControlReply(restarted: "slower")
        case .peerShow:
            return .failure(ControlError(.notFound, "no peer \(request.peer ?? "")"))
        default:
            return ControlReply(restarted: request.command.rawValue)
        }
    }

    func withServer(limits: ControlServerLimits = ControlServerLimits(), _ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gwctl-test-\(UUID().uuidString.prefix(8)).sock").path
        let server = try await ControlServer.start(path: path, greeting: ControlGreeting(gatewayd: "test"), limits: limits,
                                                   logger: Self.quiet, handle: Self.handle)
        do { try await body(path) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed on stop")
    }

    /// Sends `lines` (joined by newlines, as one write) and reads up to `replies` lines after
    /// the greeting, on a thread of its own: blocking reads must not starve the server's tasks.
    static func exchange(_ path: String, _ lines: [String], replies: Int) async throws -> (greeting: String, replies: [String]) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let socket = try ControlSocket(.unix(path), timeout: .seconds(5))
                    let greeting = try socket.readLine() ?? ""
                    try socket.send(line: lines.joined(separator: "\n"))
                    var answers: [String] = []
                    while answers.count < replies, let line = try socket.readLine() { answers.append(line) }
                    return (greeting, answers)
                })
            }
        }
    }

    static func error(_ line: String) throws -> ControlError.Code? {
        try ControlCodec.decode(ControlReply.self, from: Array(line.utf8)).error?.code
    }

    @Test func greetsWithVersionAndProtocol() async throws {
        try await withServer { path in
            let (greeting, replies) = try await Self.exchange(path, [#"{"command":"status"}"#], replies: 1)
            #expect(try ControlCodec.decode(ControlGreeting.self, from: Array(greeting.utf8)) == ControlGreeting(gatewayd: "test", protocol: 1))
            #expect(replies == [#"{"ok":true,"restarted":"status"}"#])
        }
    }

    @Test(arguments: [
        ("", ControlError.Code.badRequest),
        ("not json", .badRequest),
        ("[1,2]", .badRequest),
        (#"{}"#, .badRequest),
        (#"{"command":"selfdestruct"}"#, .unknownCommand),
        (#"{"command":42}"#, .badRequest),
        (#"{"version":2,"command":"status"}"#, .unsupportedVersion),
        (#"{"version":"1","command":"status"}"#, .badRequest),
        (#"{"command":"peer-show","peer":5}"#, .badRequest),
        (#"{"command":"health","liveness":"yes"}"#, .badRequest),
        (#"{"command":"peer-show","peer":"babel-wg-1"}"#, .notFound),
    ])
    func aBadRequestGetsAnErrorAndTheConnectionStaysUsable(line: String, expected: ControlError.Code) async throws {
        try await withServer { path in
            let (_, replies) = try await Self.exchange(path, [line, #"{"command":"health"}"#], replies: 2)
            #expect(replies.count == 2)
            #expect(try Self.error(replies[0]) == expected, "\(replies)")
            #expect(replies.last == #"{"ok":true,"restarted":"health"}"#)
        }
    }

    @Test func anOversizedLineIsRefusedAndClosed() async throws {
        try await withServer { path in
            let huge = String(repeating: "x", count: ControlProtocol.maximumRequestBytes + 1)
            let (_, replies) = try await Self.exchange(path, [huge, #"{"command":"status"}"#], replies: 2)
            #expect(replies.count == 1, "closed after the error: \(replies)")
            #expect(try Self.error(replies[0]) == .lineTooLong)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderBehindASlowOne() async throws {
        try await withServer { path in
            let lines = [#"{"command":"reload"}"#, #"{"command":"status"}"#, #"{"command":"peers"}"#]
            let (_, replies) = try await Self.exchange(path, lines, replies: 3)
            #expect(replies == [#"{"ok":true,"restarted":"slow"}"#, #"{"ok":true,"restarted":"status"}"#, #"{"ok":true,"restarted":"peers"}"#])
        }
    }

    @Test func manyClientsAtOnceAllGetTheirAnswer() async throws {
        try await withServer(limits: ControlServerLimits(maximumClients: 200)) { path in
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<100 {
                    group.addTask { try await Self.exchange(path, [#"{"command":"status"}"#, #"{"command":"peers"}"#], replies: 2).replies }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 100)
            #expect(answers.allSatisfy { $0 == [#"{"ok":true,"restarted":"status"}"#, #"{"ok":true,"restarted":"peers"}"#] })
        }
    }

    @Test func clientsBeyondTheLimitAreToldAndClosedWhileOthersKeepWorking() async throws {
        try await withServer(limits: ControlServerLimits(maximumClients: 1)) { path in
            let holder = try ControlSocket(.unix(path), timeout: .seconds(5))
            _ = try holder.readLine()
            let refused = try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result { try ControlSocket(.unix(path), timeout: .seconds(5)).readLine() })
                }
            }
            #expect(try Self.error(try #require(refused)) == .failed)
            try holder.send(line: #"{"command":"status"}"#)
            #expect(try holder.readLine() == #"{"ok":true,"restarted":"status"}"#)
        }
    }

    /// `sweep` takes 1.5 s here, longer than the idle timeout: a client waiting for its
    /// reply is not idle, and is idle again (and closed) only after the reply.
    @Test func aRequestLongerThanTheIdleTimeoutStillGetsItsReply() async throws {
        try await withServer(limits: ControlServerLimits(idleTimeout: .seconds(1))) { path in
            let (_, replies) = try await Self.exchange(path, [#"{"command":"sweep"}"#, #"{"command":"status"}"#], replies: 3)
            #expect(replies.count == 2, "\(replies)")
            #expect(replies.first.map { $0.contains(#""restarted":"slower""#) } == true, "\(replies)")
        }
    }

    @Test func anIdleClientIsClosed() async throws {
        try await withServer(limits: ControlServerLimits(idleTimeout: .milliseconds(200))) { path in
            let closed = try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result {
                        let socket = try ControlSocket(.unix(path), timeout: .seconds(5))
                        _ = try socket.readLine()
                        return try socket.readLine() == nil
                    })
                }
            }
            #expect(closed)
        }
    }

    @Test func aSecondServerOnALiveSocketIsRefusedAndAStaleOneReplaced() async throws {
        try await withServer { path in
            await #expect(throws: ControlServer.AlreadyRunning.self) {
                _ = try await ControlServer.start(path: path, greeting: ControlGreeting(gatewayd: "second"), logger: Self.quiet, handle: Self.handle)
            }
        }
        let stale = FileManager.default.temporaryDirectory.appendingPathComponent("gwctl-stale-\(getpid()).sock").path
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stale.utf8)) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(descriptor)  // a socket file nobody listens on, as a killed gatewayd leaves it
        let server = try await ControlServer.start(path: stale, greeting: ControlGreeting(gatewayd: "new"), logger: Self.quiet, handle: Self.handle)
        let mode = try FileManager.default.attributesOfItem(atPath: stale)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        await server.stop()
    }
}
