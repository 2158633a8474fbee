import Foundation
import GatewayControl
import GatewayCore
import Synchronization

/// The daemons' control protocols:
/// - babeld: greets `BABEL 1.0` … `ok`, then one request per line, each answered by `ok`,
///   `no [message]` or `bad`. It serves at most 4 local clients, so gatewayd keeps one
///   long-lived connection and reconnects after a restart.
/// - mmfd and l3roamd: one line per connection, then the daemon closes; `add_meshif IF`
///   and `del_meshif IF` get no reply, `get_meshifs` answers `{ "mesh_interfaces": [ … ] }`.
public final class DaemonClients: DaemonControl, Sendable {
    private let babelEndpoint: ControlSocket.Endpoint
    private let meshSockets: [Daemon: String]
    /// The long-lived babeld connection; nil until connected or after a failure.
    private let babel = Mutex<ControlSocket?>(nil)
    private let babelGreeting = Mutex(BabelGreeting())
    /// Blocking socket work happens here, never on the supervisor's executor.
    private let queue = DispatchQueue(label: "gatewayd.daemon-control")

    public init(config: GatewayConfig, babelControl: BabelControlEndpoint) {
        switch babelControl {
        case .unix(let path): babelEndpoint = .unix(path)
        case .tcp(let port): babelEndpoint = .loopback(port)
        }
        meshSockets = [.mmfd: config.mmfdSocket, .l3roamd: config.l3roamdSocket]
    }

    public func isReady(_ daemon: Daemon) async -> Bool {
        (try? await run { try self.checkReady(daemon) }) != nil
    }

    public func perform(_ registration: MeshRegistry.Registration) async throws {
        try await run { try self.send(registration) }
    }

    /// What the running babeld said of itself when gatewayd last connected (its version).
    public var babeldGreeting: BabelGreeting { babelGreeting.withLock { $0 } }

    public func reset(_ daemon: Daemon) async {
        if daemon == .babeld { babel.withLock { $0 = nil } }
    }

    // MARK: Blocking work, on `queue`

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func checkReady(_ daemon: Daemon) throws {
        switch daemon {
        case .babeld:
            try babelRequest(nil)
        case .mmfd, .l3roamd:
            let reply = try meshRequest(daemon, "get_meshifs")
            guard reply.contains("\"mesh_interfaces\"") else {
                throw ControlSocket.Failure(description: "\(daemon): unexpected get_meshifs reply: \(reply)")
            }
        }
    }

    private func send(_ registration: MeshRegistry.Registration) throws {
        switch (registration.daemon, registration.kind) {
        case (.babeld, .add):
            try babelRequest(DaemonCommandLine.babelInterface(registration.interface))
        case (.babeld, .remove):
            try babelRequest("flush interface \(registration.interface)", acceptingNo: true)
        case (let daemon, .add):
            _ = try meshRequest(daemon, "add_meshif \(registration.interface)")
        case (let daemon, .remove):
            _ = try meshRequest(daemon, "del_meshif \(registration.interface)")
        }
    }

    /// Sends `request` (nil: only connect) over the long-lived connection. `no` answers
    /// are errors unless `acceptingNo` (flushing an interface babeld already forgot).
    private func babelRequest(_ request: String?, acceptingNo: Bool = false) throws {
        try babel.withLock { connection in
            do {
                if connection == nil {
                    let (socket, greeting) = try Self.connectToBabel(babelEndpoint)
                    connection = socket
                    babelGreeting.withLock { $0 = greeting }
                }
                guard let request else { return }
                try connection!.send(line: request)
                let answer = try Self.babelAnswer(connection!)
                if answer == "ok" || (acceptingNo && answer.hasPrefix("no")) { return }
                throw ControlSocket.Failure(description: "babeld answered `\(answer)` to `\(request)`")
            } catch {
                connection = nil
                throw error
            }
        }
    }

    static func connectToBabel(_ endpoint: ControlSocket.Endpoint) throws -> (ControlSocket, BabelGreeting) {
        let socket = try ControlSocket(endpoint)
        guard try socket.readLine()?.hasPrefix("BABEL") == true else {
            throw ControlSocket.Failure(description: "\(endpoint) did not greet with BABEL")
        }
        var greeting = BabelGreeting()
        while let line = try socket.readLine() {
            if line == "ok" { return (socket, greeting) }
            greeting.read(line)
        }
        throw ControlSocket.Failure(description: "babeld closed the connection during its greeting")
    }

    /// Skips informational lines up to the terminating `ok`, `no …` or `bad`.
    static func babelAnswer(_ socket: ControlSocket) throws -> String {
        while let line = try socket.readLine() {
            if line == "ok" || line == "bad" || line == "no" || line.hasPrefix("no ") { return line }
        }
        throw ControlSocket.Failure(description: "babeld closed the connection")
    }

    /// One request per connection; the daemon closes once it has handled the line, so
    /// reading to the end also confirms that a reply-less command was processed.
    private func meshRequest(_ daemon: Daemon, _ line: String) throws -> String {
        guard let path = meshSockets[daemon] else { throw ControlSocket.Failure(description: "no socket for \(daemon)") }
        let socket = try ControlSocket(.unix(path))
        try socket.send(line: line)
        return try socket.readToEnd()
    }
}
