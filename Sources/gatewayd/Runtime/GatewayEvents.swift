import Foundation
import GatewaySystem
import Synchronization

/// Everything `run` reacts to, merged into one stream: netlink changes (a burst of
/// messages, our own changes among them, becomes one event), a periodic recheck,
/// signals, and a supervisor that gives up.
final class GatewayEvents {
    enum Event: Equatable, Sendable {
        case kernelChanged, recheck, reload
        case terminate(String)
        case giveUp(status: Int32, reason: String)
    }

    let stream: AsyncStream<Event>
    let sender: EventSender
    let kernelChanges: KernelChanges
    private let signalSources: [any DispatchSourceSignal]
    private let timer: any DispatchSourceTimer

    init(recheckInterval: Duration) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(16))
        self.stream = stream
        sender = EventSender(continuation: continuation)
        kernelChanges = KernelChanges(sender)
        let queue = DispatchQueue(label: "gatewayd.events")
        signalSources = [(SIGTERM, Event.terminate("SIGTERM")), (SIGINT, .terminate("SIGINT")), (SIGHUP, .reload)]
            .map { signalNumber, event in
                // Read from the queue instead of interrupting; children get the default back (gw_spawn).
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { continuation.yield(event) }
                source.resume()
                return source
            }
        timer = DispatchSource.makeTimerSource(queue: queue)
        let seconds = Double(recheckInterval.components.seconds)
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler { continuation.yield(.recheck) }
        timer.resume()
    }
}

/// Puts events into the stream from any thread.
struct EventSender: Sendable {
    let continuation: AsyncStream<GatewayEvents.Event>.Continuation

    func send(_ event: GatewayEvents.Event) { continuation.yield(event) }
}

/// Gathers a burst of netlink changes into one `.kernelChanged` and what it covers;
/// safe to call from the monitor's thread.
final class KernelChanges: Sendable {
    /// What the next look must cover: everything, or just these peer interfaces.
    struct Batch: Equatable, Sendable {
        var everything = false
        var peerLinks: Set<String> = []
        /// Other links by name: the index each was last seen with, nil once deleted.
        var links: [String: Int32?] = [:]
    }

    private let sender: EventSender
    /// The batch, and whether its `.kernelChanged` is already queued.
    private let pending = Mutex<(batch: Batch, queued: Bool)>((Batch(), false))

    init(_ sender: EventSender) {
        self.sender = sender
    }

    /// Adds to the batch; queues one `.kernelChanged` unless one is already waiting.
    func changed(_ changes: [KernelChange]) {
        let queue = pending.withLock { pending in
            for change in changes {
                switch change {
                case .everything: pending.batch.everything = true
                case .peerLink(let name): pending.batch.peerLinks.insert(name)
                case .link(let name, let index):
                    pending.batch.everything = true
                    pending.batch.links[name] = .some(index)
                }
            }
            // Once everything is looked at, the names add nothing.
            if pending.batch.everything { pending.batch.peerLinks = [] }
            defer { pending.queued = true }
            return !pending.queued
        }
        if queue { sender.send(.kernelChanged) }
    }

    /// Takes the batch before looking at the kernel, so changes from then on queue a new look.
    func take() -> Batch {
        pending.withLock { pending in
            defer { pending = (Batch(), false) }
            return pending.batch
        }
    }
}
