import Foundation
import GatewayControl
import GatewayCore
import Synchronization

/// The daemons' control protocols:
/// - babeld: greets `BABEL 1.0`, `version …` … `ok`, then one request per line, each
///   answered by `ok`, `no [message]` or `bad`. It serves at most 4 local clients; gatewayd
///   keeps two long-lived ones: requests, and `monitor`, which reports every interface,
///   neighbour and route change (`BabelMonitor`).
/// - mmfd and l3roamd: one line per connection, then the daemon closes; `add_meshif IF`
///   and `del_meshif IF` get no reply, `get_meshifs` answers `{ "mesh_interfaces": [ … ] }`.
///   Both silently drop an interface that does not exist, so only `get_meshifs` shows
///   whether a registration took.
public final class DaemonClients: DaemonControl, Sendable {
    private let babelEndpoint: ControlSocket.Endpoint
    private let meshSockets: [Daemon: String]
    /// babeld's interface options, and MESHIFS (registered with the mesh options; anything
    /// else is a peer tunnel). Replaced on reload.
    private let babelLines: Mutex<(lines: BabelInterfaceLines, statics: Set<String>)>
    /// The long-lived request connection; nil until connected or after a failure.
    private let babel = Mutex<ControlSocket?>(nil)
    /// The version babeld greeted with on the last connection.
    private let babelVersion = Mutex<BabeldVersion?>(nil)
    public let babelMonitor: BabelMonitor
    /// Blocking socket work happens here, never on the supervisor's executor.
    private let queue = DispatchQueue(label: "gatewayd.daemon-control")

    public init(config: GatewayConfig, babelControl: BabelControlEndpoint) {
        switch babelControl {
        case .unix(let path): babelEndpoint = .unix(path)
        case .tcp(let port): babelEndpoint = .loopback(port)
        }
        meshSockets = [.mmfd: config.mmfdSocket, .l3roamd: config.l3roamdSocket]
        babelLines = Mutex((config.daemons.babelInterfaces, Set(config.meshInterfaces)))
        babelMonitor = BabelMonitor(endpoint: babelEndpoint)
    }

    /// The configuration after a reload.
    public func update(babelInterfaces lines: BabelInterfaceLines, staticInterfaces names: [String]) {
        babelLines.withLock { $0 = (lines, Set(names)) }
    }

    /// What babeld reported on the last connection (status, the removal policy).
    public var babeldVersion: BabeldVersion? { babelVersion.withLock { $0 } }

    public func isReady(_ daemon: Daemon) async -> Bool {
        (try? await run { try self.checkReady(daemon) }) != nil
    }

    public func perform(_ registration: MeshRegistry.Registration) async throws -> RegistrationOutcome {
        try await run { try self.send(registration) }
    }

    public func listInterfaces(_ daemon: Daemon) async throws -> Set<String>? {
        guard daemon != .babeld else { return nil }
        return try await run { try self.meshInterfaces(of: daemon) }
    }

    public func watchBabel(onInterface: @escaping @Sendable (BabelView.InterfaceEvent) -> Void) async throws {
        try await run { try self.babelMonitor.start(onInterface: onInterface) }
    }

    public func reset(_ daemon: Daemon) async {
        guard daemon == .babeld else { return }
        babel.withLock { $0 = nil }
        babelMonitor.stop()
    }

    // MARK: Blocking work, on `queue`

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func checkReady(_ daemon: Daemon) throws {
        switch daemon {
        case .babeld: try babelRequest(nil)
        case .mmfd, .l3roamd: _ = try meshInterfaces(of: daemon)
        }
    }

    private func send(_ registration: MeshRegistry.Registration) throws -> RegistrationOutcome {
        let name = registration.interface
        switch (registration.daemon, registration.kind) {
        case (.babeld, .add):
            try babelRequest(babelLines.withLock { $0.lines.line(for: name, isStatic: $0.statics.contains(name)) })
            // Already up (a name babeld kept): the monitor reported it before this request.
            if babelMonitor.view.interfaces[name]?.up == true { babelMonitor.report(.reported(name, up: true)) }
        case (.babeld, .remove):
            if babeldVersion?.flushKeepsNeighbours == true {
                let neighbours = babelMonitor.view.neighbours(on: name).count
                if neighbours > 0 {
                    return .deferred("\(babeldVersion!) still has \(neighbours) neighbour(s) on \(name); flushing now would free it under them")
                }
            }
            try babelRequest("flush interface \(name)", acceptingNo: true)
        case (let daemon, .add):
            try meshCommand(daemon, "add_meshif \(name)")
        case (let daemon, .remove):
            try meshCommand(daemon, "del_meshif \(name)")
        }
        return .sent
    }

    /// Sends `request` (nil: only connect) over the long-lived connection. `no` answers
    /// are errors unless `acceptingNo` (flushing an interface babeld already forgot).
    private func babelRequest(_ request: String?, acceptingNo: Bool = false) throws {
        try babel.withLock { connection in
            do {
                if connection == nil {
                    let (socket, version) = try BabelMonitor.connect(babelEndpoint)
                    connection = socket
                    babelVersion.withLock { $0 = version }
                }
                guard let request else { return }
                try connection!.send(line: request)
                let answer = try BabelMonitor.answer(connection!)
                if answer == "ok" || (acceptingNo && answer.hasPrefix("no")) { return }
                throw ControlSocket.Failure(description: "babeld answered `\(answer)` to `\(request)`")
            } catch {
                connection = nil
                throw error
            }
        }
    }

    /// A command without a reply; the daemon closes once it has handled the line, so
    /// reading to the end confirms it was processed.
    private func meshCommand(_ daemon: Daemon, _ line: String) throws {
        _ = try meshRequest(daemon, line)
    }

    /// `get_meshifs`, parsed. Real mmfd answers without a trailing newline.
    private func meshInterfaces(of daemon: Daemon) throws -> Set<String> {
        let reply = try meshRequest(daemon, "get_meshifs")
        guard let data = reply.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let names = object["mesh_interfaces"] as? [String] else {
            throw ControlSocket.Failure(description: "\(daemon): unexpected get_meshifs reply: \(reply.prefix(200))")
        }
        return Set(names)
    }

    /// One request per connection, read to its end before closing: real mmfd dies of
    /// SIGPIPE when a client leaves before its reply is written.
    private func meshRequest(_ daemon: Daemon, _ line: String) throws -> String {
        guard let path = meshSockets[daemon] else { throw ControlSocket.Failure(description: "no socket for \(daemon)") }
        let socket = try ControlSocket(.unix(path), timeout: .seconds(5))
        try socket.send(line: line)
        return try socket.readToEnd(limit: 16 * 1024 * 1024)
    }
}
