import Foundation
import GatewayControl
import GatewayCore
import Logging

/// Holds an interface's `del_meshif` back from mmfd until mmfd has no neighbour on it.
///
/// mmfd sends every multicast packet to each neighbour through the socket of the
/// neighbour's interface, looked up by name (`forward_packet` in mmfd's main.c); it keeps a
/// neighbour for 50 s after its last hello (`5 * HELLO_INTERVAL`, neighbour.c), and
/// `del_meshif` drops the interface but not its neighbours. So the next multicast packet
/// after such a `del_meshif` dereferences a NULL interface and mmfd segfaults — whether or
/// not the link was deleted first. What works: delete the link (PeerManager does right
/// after queuing the removal), so hellos stop and mmfd forgets the neighbour; send
/// `del_meshif` once `get_neighbours` shows none on the interface. Until then mmfd keeps the
/// dead interface; its sends there fail (`Network is unreachable`) and harm nothing.
///
/// A name given out again (`babel-wg-N` are reused) before that takes its removal back:
/// mmfd still lists the name, so `add_meshif` changes nothing there, and its socket is
/// bound to the old link; a `del_meshif` of no registered name makes mmfd re-read every
/// interface's index, rebind and rejoin its group (`intercom_update_interfaces`, socket.c).
public final class MmfdSafeRemoval: DaemonControl, Sendable {
    private let inner: any DaemonControl
    private let socket: String
    private let logger: Logger
    private let pending = DeferredRemovals()
    private let pollInterval: Duration
    /// A neighbour that outlives this is being refreshed (its link was not deleted, e.g. a
    /// static MESHIFS dropped by a reload): mmfd keeps the interface rather than crash.
    private let patience: Duration
    private let queue = DispatchQueue(label: "gatewayd.mmfd-neighbours")

    public init(wrapping inner: any DaemonControl, mmfdSocket: String, logger: Logger,
                pollInterval: Duration = .seconds(2), patience: Duration = .seconds(180)) {
        self.inner = inner
        socket = mmfdSocket
        self.logger = logger
        self.pollInterval = pollInterval
        self.patience = patience
    }

    public func isReady(_ daemon: Daemon) async -> Bool { await inner.isReady(daemon) }

    public func reset(_ daemon: Daemon) async {
        if daemon == .mmfd { await pending.cancelAll() }
        await inner.reset(daemon)
    }

    public func perform(_ registration: MeshRegistry.Registration) async throws {
        guard registration.daemon == .mmfd else { return try await inner.perform(registration) }
        let name = registration.interface
        switch registration.kind {
        case .add:
            switch await pending.takeBack(name) {
            case nil:
                try await inner.perform(registration)
            case .sending(let removal)?:
                await removal.value
                try await inner.perform(registration)
            case .withdrawn?:
                try await inner.perform(registration)
                _ = try await ask("del_meshif ")
                logger.info("\(name) is back before mmfd forgot its neighbour: kept it registered, rebound")
            }
        case .remove:
            guard try await hasNeighbour(on: name) else { return try await inner.perform(registration) }
            let removal = Task { await self.removeOnceNeighbourless(registration) }
            guard await pending.insert(name, removal) else { return removal.cancel() }
            logger.info("\(name): mmfd still has a neighbour on it; del_meshif waits until mmfd forgets it (up to 50 s)")
        }
    }

    private func removeOnceNeighbourless(_ registration: MeshRegistry.Registration) async {
        let name = registration.interface
        let deadline = ContinuousClock.now + patience
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            guard !Task.isCancelled else { return }
            let neighbour: Bool
            do { neighbour = try await hasNeighbour(on: name) } catch {
                // mmfd is gone: a new instance knows nothing of the interface.
                return await pending.finished(name)
            }
            if !neighbour {
                guard await pending.beginSending(name) else { return }
                do { try await inner.perform(registration) } catch { logger.warning("\(registration) failed: \(error)") }
                return await pending.finished(name)
            }
            if ContinuousClock.now > deadline {
                logger.warning("\(name): mmfd's neighbour on it stays; left registered with mmfd (del_meshif now would crash it)")
                return await pending.finished(name)
            }
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
            throw ControlSocket.Failure(description: "mmfd: unexpected get_neighbours reply: \(reply)")
        }
    }

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

/// The removals mmfd has not been sent yet, by interface.
private actor DeferredRemovals {
    enum TakeBack {
        /// Not yet sent: cancelled, mmfd still lists the interface.
        case withdrawn
        /// Being sent: wait for it, then register anew.
        case sending(Task<Void, Never>)
    }

    private var removals: [String: Task<Void, Never>] = [:]
    private var sending: Set<String> = []

    /// False when one is already waiting (a retried removal).
    func insert(_ name: String, _ removal: Task<Void, Never>) -> Bool {
        guard removals[name] == nil else { return false }
        removals[name] = removal
        return true
    }

    func takeBack(_ name: String) -> TakeBack? {
        guard let removal = removals[name] else { return nil }
        if sending.contains(name) { return .sending(removal) }
        removals[name] = nil
        removal.cancel()
        return .withdrawn
    }

    /// True unless the removal was taken back.
    func beginSending(_ name: String) -> Bool {
        guard removals[name] != nil else { return false }
        sending.insert(name)
        return true
    }

    func finished(_ name: String) {
        removals[name] = nil
        sending.remove(name)
    }

    func cancelAll() {
        removals.values.forEach { $0.cancel() }
        removals.removeAll()
        sending.removeAll()
    }
}
