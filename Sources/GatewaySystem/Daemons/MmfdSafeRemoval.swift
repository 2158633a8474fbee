import Foundation
import GatewayControl
import GatewayCore
import Synchronization

/// Holds an interface's `del_meshif` back from mmfd while mmfd has a neighbour on it.
///
/// mmfd sends every multicast packet to each neighbour through the socket of the
/// neighbour's interface, looked up by name (`forward_packet` in mmfd's main.c); it keeps a
/// neighbour for 50 s after its last hello (`5 * HELLO_INTERVAL`, neighbour.c), and
/// `del_meshif` drops the interface but not its neighbours. So the next multicast packet
/// after such a `del_meshif` dereferences a NULL interface and mmfd segfaults — whether or
/// not the link was deleted first. What works: delete the link (PeerManager does right
/// after queuing the removal), so hellos stop and mmfd forgets the neighbour; send
/// `del_meshif` once `get_neighbours` shows none on the interface. Until then the removal is
/// `.deferred` (the supervisor tries again) and mmfd keeps the dead interface: its sends
/// there fail (`Network is unreachable`) and harm nothing.
///
/// An add of an interface whose removal waits (a peer name given out again, a MESHIFS link
/// created again) finds mmfd still listing the name, so `add_meshif` changes nothing there
/// and mmfd's socket stays bound to the old link; a `del_meshif` of no registered name makes
/// mmfd re-read every interface's index, rebind and rejoin its group
/// (`intercom_update_interfaces`, socket.c). The removal queued before that add is then
/// stale: it stays deferred while the link exists.
public final class MmfdSafeRemoval: DaemonControl, Sendable {
    private let inner: any DaemonControl
    private let socket: String
    private let queue = DispatchQueue(label: "gatewayd.mmfd-neighbours")

    private struct State {
        /// Removals deferred because of a neighbour; mmfd still lists these.
        var waiting: Set<String> = []
        /// Added again while a removal waited: registered, so a removal queued before the
        /// add must not reach mmfd while the link exists.
        var kept: Set<String> = []
    }

    private let state = Mutex(State())

    public init(wrapping inner: any DaemonControl, mmfdSocket: String) {
        self.inner = inner
        socket = mmfdSocket
    }

    public func isReady(_ daemon: Daemon) async -> Bool { await inner.isReady(daemon) }

    public func listInterfaces(_ daemon: Daemon) async throws -> Set<String>? { try await inner.listInterfaces(daemon) }

    public func watchBabel(onInterface: @escaping @Sendable (BabelView.InterfaceEvent) -> Void) async throws {
        try await inner.watchBabel(onInterface: onInterface)
    }

    /// A restarted mmfd knows nothing of the old instance's interfaces or neighbours.
    public func reset(_ daemon: Daemon) async {
        if daemon == .mmfd { state.withLock { $0 = State() } }
        await inner.reset(daemon)
    }

    public func perform(_ registration: MeshRegistry.Registration) async throws -> RegistrationOutcome {
        guard registration.daemon == .mmfd else { return try await inner.perform(registration) }
        let name = registration.interface
        switch registration.kind {
        case .add:
            let wasWaiting = state.withLock { state in
                guard state.waiting.remove(name) != nil else { return false }
                state.kept.insert(name)
                return true
            }
            let outcome = try await inner.perform(registration)
            if wasWaiting { _ = try await ask("del_meshif ") }
            return outcome
        case .remove:
            if state.withLock({ $0.kept.contains(name) }) {
                guard if_nametoindex(name) == 0 else { return .deferred("\(name) was registered with mmfd again") }
                state.withLock { _ = $0.kept.remove(name) }
            }
            guard try await hasNeighbour(on: name) else {
                state.withLock { _ = $0.waiting.remove(name) }
                return try await inner.perform(registration)
            }
            state.withLock { _ = $0.waiting.insert(name) }
            return .deferred("mmfd still has a neighbour on \(name) (it keeps one 50 s after its last hello)")
        }
    }

    private func hasNeighbour(on interface: String) async throws -> Bool {
        try Self.neighbourInterfaces(in: try await ask("get_neighbours")).contains(interface)
    }

    /// The interfaces of `{ "mmfd_neighbours": [ { "address": …, "interface": … } ] }`.
    static func neighbourInterfaces(in reply: String) throws -> Set<String> {
        struct Reply: Decodable {
            struct Neighbour: Decodable { let interface: String }
            let mmfd_neighbours: [Neighbour]
        }
        do {
            return Set(try JSONDecoder().decode(Reply.self, from: Data(reply.utf8)).mmfd_neighbours.map(\.interface))
        } catch {
            throw ControlSocket.Failure(description: "mmfd: unexpected get_neighbours reply: \(reply.prefix(200))")
        }
    }

    /// One request per connection, read to the end (mmfd dies of SIGPIPE otherwise).
    private func ask(_ line: String) async throws -> String {
        let socket = self.socket
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let connection = try ControlSocket(.unix(socket))
                    try connection.send(line: line)
                    return try connection.readToEnd()
                })
            }
        }
    }
}
