import Foundation
import GatewayControl
import GatewayCore
import Synchronization

/// A `monitor` connection to babeld's local interface, read on a thread of its own: babeld
/// gives a monitoring client 100 ms to take each line before it shuts the connection
/// (local.c, write_timeout), so the reader never waits on anyone. It keeps `BabelView`
/// current and reports every interface line to the supervisor. A connection babeld drops
/// is made again (its first dump reports everything anew) until `stop()`.
public final class BabelMonitor: Sendable {
    private struct State {
        var view = BabelView()
        /// Bumped by start and stop: a reader of an older generation ends.
        var generation = 0
        var onInterface: (@Sendable (BabelView.InterfaceEvent) -> Void)?
    }

    private let endpoint: ControlSocket.Endpoint
    private let state = Mutex(State())
    /// How often a waiting reader looks whether it is still wanted.
    static let pollInterval: Duration = .seconds(1)

    public init(endpoint: ControlSocket.Endpoint) {
        self.endpoint = endpoint
    }

    /// babeld's view as of the last line read.
    public var view: BabelView { state.withLock { $0.view } }

    /// Connects, takes babeld's dump of everything (reported before this returns), then
    /// follows changes on a thread until `stop()`.
    public func start(onInterface: @escaping @Sendable (BabelView.InterfaceEvent) -> Void) throws {
        let generation = state.withLock { state in
            state.generation += 1
            state.onInterface = onInterface
            return state.generation
        }
        let socket = try subscribe(generation)
        let thread = Thread { [self] in follow(socket, generation) }
        thread.name = "babeld-monitor"
        thread.start()
    }

    public func stop() {
        state.withLock { state in
            state.generation += 1
            state.onInterface = nil
            state.view = BabelView()
        }
    }

    /// Passes an event to the supervisor as if babeld had sent it.
    func report(_ event: BabelView.InterfaceEvent) {
        state.withLock { $0.onInterface }?(event)
    }

    /// A connection whose initial dump is applied, with babeld's view starting afresh.
    private func subscribe(_ generation: Int) throws -> SocketOwner {
        let (socket, _) = try Self.connect(endpoint, timeout: Self.pollInterval)
        try socket.send(line: "monitor")
        var fresh = BabelView()
        var events: [BabelView.InterfaceEvent] = []
        while true {
            let line = try Self.readLine(socket) { self.isCurrent(generation) }
            if line == "ok" { break }
            if let parsed = BabelMonitorLine(line), let event = fresh.apply(parsed) { events.append(event) }
        }
        let (handler, forgotten) = state.withLock { state -> ((@Sendable (BabelView.InterfaceEvent) -> Void)?, [String]) in
            let gone = state.view.interfaces.keys.filter { fresh.interfaces[$0] == nil }
            state.view = fresh
            return (state.generation == generation ? state.onInterface : nil, gone)
        }
        for event in events + forgotten.map(BabelView.InterfaceEvent.forgotten) { handler?(event) }
        return SocketOwner(socket)
    }

    private func follow(_ owner: SocketOwner, _ generation: Int) {
        var socket = owner.socket
        while isCurrent(generation) {
            do {
                let line = try Self.readLine(socket) { self.isCurrent(generation) }
                guard let parsed = BabelMonitorLine(line) else { continue }
                let (event, handler) = state.withLock { state in
                    (state.view.apply(parsed), state.generation == generation ? state.onInterface : nil)
                }
                if let event { handler?(event) }
            } catch {
                // babeld dropped us (or exited): connect again while still wanted.
                while isCurrent(generation) {
                    Thread.sleep(forTimeInterval: 1)
                    if let again = try? subscribe(generation) {
                        socket = again.socket
                        break
                    }
                }
            }
        }
    }

    private func isCurrent(_ generation: Int) -> Bool { state.withLock { $0.generation == generation } }

    /// The next line; waits across receive timeouts while the generation is current.
    private static func readLine(_ socket: ControlSocket, whileWanted wanted: () -> Bool) throws -> String {
        while true {
            do {
                guard let line = try socket.readLine() else { throw ControlSocket.Failure(description: "babeld closed the monitor") }
                return line
            } catch let failure as ControlSocket.Failure where failure.timedOut {
                guard wanted() else { throw failure }
            }
        }
    }

    // MARK: The local interface's framing, shared with the request connection

    /// Connects and reads the greeting up to its `ok`; returns the version babeld named.
    static func connect(_ endpoint: ControlSocket.Endpoint, timeout: Duration = .seconds(2)) throws -> (ControlSocket, BabeldVersion?) {
        let socket = try ControlSocket(endpoint, timeout: timeout)
        guard try socket.readLine()?.hasPrefix("BABEL") == true else {
            throw ControlSocket.Failure(description: "\(endpoint) did not greet with BABEL")
        }
        var version: BabeldVersion?
        while let line = try socket.readLine() {
            if line.hasPrefix("version ") { version = BabeldVersion(greeting: String(line.dropFirst("version ".count))) }
            if line == "ok" { return (socket, version) }
        }
        throw ControlSocket.Failure(description: "babeld closed the connection during its greeting")
    }

    /// Skips informational lines up to the terminating `ok`, `no …` or `bad`.
    static func answer(_ socket: ControlSocket) throws -> String {
        while let line = try socket.readLine() {
            if line == "ok" || line == "bad" || line == "no" || line.hasPrefix("no ") { return line }
        }
        throw ControlSocket.Failure(description: "babeld closed the connection")
    }
}

/// Hands a connection from the thread that made it to the one that reads it; only one
/// thread uses it at a time.
private final class SocketOwner: @unchecked Sendable {
    let socket: ControlSocket
    init(_ socket: ControlSocket) { self.socket = socket }
}
