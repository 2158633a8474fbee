/// The mesh interfaces (static MESHIFS plus every broker peer) and what each daemon has
/// shown it holds. Each daemon keeps its list only in memory, so whenever one becomes
/// ready it is told everything again. A registration counts only once the daemon itself
/// lists the interface (mmfd's and l3roamd's `get_meshifs`, babeld's monitor reporting it
/// up): the real daemons silently drop an interface that does not exist.
public struct MeshRegistry: Sendable, Equatable {
    public struct Registration: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable { case add, remove }
        public var daemon: Daemon
        public var kind: Kind
        public var interface: String

        public init(_ kind: Kind, _ interface: String, with daemon: Daemon) {
            self.kind = kind
            self.interface = interface
            self.daemon = daemon
        }

        public var description: String { "\(kind == .add ? "register" : "deregister") \(interface) with \(daemon)" }
    }

    /// Where an interface stands with one ready daemon.
    public enum Standing: Sendable, Equatable {
        /// Sent (or handed over at start); the daemon has not shown it yet.
        case sent
        /// The daemon lists it (babeld: has it up).
        case confirmed
        /// The daemon answered without it: it dropped the name (no such link, or it failed).
        /// Sent again when the link appears and at each recheck.
        case missing
    }

    /// In the order they were added (static ones first).
    public private(set) var interfaces: [String] = []
    /// The same names, for a membership test that stays O(1) at 10,000 peers.
    private var known: Set<String> = []
    /// Per ready daemon, every interface it was sent and what became of it.
    public private(set) var standing: [Daemon: [String: Standing]] = [:]
    /// To send, in order.
    public private(set) var pending: [Registration] = []
    private var ready: Set<Daemon> = []

    public init(staticInterfaces: [String] = []) {
        interfaces = staticInterfaces
        known = Set(staticInterfaces)
    }

    /// A daemon (re)became ready. `handedOver` are the interfaces it was given on its
    /// command line at spawn: they only need confirming; everything else is sent.
    public mutating func daemonReady(_ daemon: Daemon, handedOver: Set<String> = []) -> [Registration] {
        ready.insert(daemon)
        pending.removeAll { $0.daemon == daemon }
        var standing: [String: Standing] = [:]
        var registrations: [Registration] = []
        for interface in interfaces {
            if handedOver.contains(interface) {
                standing[interface] = .sent
            } else {
                registrations.append(Registration(.add, interface, with: daemon))
            }
        }
        self.standing[daemon] = standing
        pending += registrations
        return registrations
    }

    /// A daemon went away: it remembers nothing.
    public mutating func daemonDown(_ daemon: Daemon) {
        ready.remove(daemon)
        standing[daemon] = nil
        pending.removeAll { $0.daemon == daemon }
    }

    public mutating func add(_ interface: String) -> [Registration] {
        guard known.insert(interface).inserted else { return [] }
        interfaces.append(interface)
        return enqueue(.add, interface)
    }

    public mutating func remove(_ interface: String) -> [Registration] {
        guard known.remove(interface) != nil else { return [] }
        interfaces.removeAll { $0 == interface }
        return enqueue(.remove, interface)
    }

    private mutating func enqueue(_ kind: Registration.Kind, _ interface: String) -> [Registration] {
        pending.removeAll { $0.interface == interface }
        let registrations = ready.sorted().map { Registration(kind, interface, with: $0) }
        pending += registrations
        return registrations
    }

    /// The daemon took the request (it answered, or closed the connection after it).
    public mutating func sent(_ registration: Registration) {
        guard let index = pending.firstIndex(of: registration) else { return }
        pending.remove(at: index)
        guard ready.contains(registration.daemon) else { return }
        switch registration.kind {
        case .add:
            // babeld's monitor may have reported it up before the answer to the request came.
            if standing[registration.daemon]?[registration.interface] != .confirmed {
                standing[registration.daemon, default: [:]][registration.interface] = .sent
            }
        case .remove: standing[registration.daemon]?[registration.interface] = nil
        }
    }

    /// A daemon's own list of its interfaces: each interface sent to it is confirmed or missing.
    public mutating func listed(_ daemon: Daemon, _ names: Set<String>) {
        guard var current = standing[daemon] else { return }
        for interface in current.keys {
            current[interface] = names.contains(interface) ? .confirmed : .missing
        }
        standing[daemon] = current
    }

    /// babeld's monitor reported an interface: up is confirmed; down is configured but not
    /// running (babeld brings it up by itself once the link is there).
    public mutating func babelReported(_ interface: String, up: Bool) {
        guard known.contains(interface), standing[.babeld] != nil else { return }
        standing[.babeld]?[interface] = up ? .confirmed : .sent
    }

    /// babeld forgot an interface (`flush interface`, by anyone): one still current is sent again.
    public mutating func babelForgot(_ interface: String) -> [Registration] {
        guard standing[.babeld]?.removeValue(forKey: interface) != nil, known.contains(interface),
              !isPending(.add, interface, with: .babeld) else { return [] }
        let registration = Registration(.add, interface, with: .babeld)
        pending.append(registration)
        return [registration]
    }

    /// A mesh interface's link appeared (created, or deleted and created again): mmfd keeps
    /// the old link's index and sockets, so both socket daemons get it removed and added
    /// again; babeld and l3roamd follow links themselves but get it if they dropped it.
    public mutating func linkAppeared(_ interface: String) -> [Registration] {
        guard known.contains(interface) else { return [] }
        var registrations: [Registration] = []
        for daemon in ready.sorted() where !isPending(.add, interface, with: daemon) {
            let current = standing[daemon]?[interface]
            switch daemon {
            case .mmfd:
                registrations += [Registration(.remove, interface, with: daemon), Registration(.add, interface, with: daemon)]
            case .l3roamd, .babeld:
                if current == nil || current == .missing { registrations.append(Registration(.add, interface, with: daemon)) }
            }
        }
        pending += registrations
        return registrations
    }

    /// Every missing registration, queued again (a recheck: a link may have come back
    /// while gatewayd missed its event).
    public mutating func retryMissing() -> [Registration] {
        var registrations: [Registration] = []
        for (daemon, interfaces) in standing.sorted(by: { $0.key < $1.key }) {
            for (interface, standing) in interfaces.sorted(by: { $0.key < $1.key })
            where standing == .missing && !isPending(.add, interface, with: daemon) {
                registrations.append(Registration(.add, interface, with: daemon))
            }
        }
        pending += registrations
        return registrations
    }

    private func isPending(_ kind: Registration.Kind, _ interface: String, with daemon: Daemon) -> Bool {
        pending.contains(Registration(kind, interface, with: daemon))
    }

    /// Sent adds the daemon has not confirmed yet (a listing would settle them).
    public func awaitsListing(_ daemon: Daemon) -> Bool {
        standing[daemon]?.values.contains(.sent) == true
    }

    /// Which daemons hold an interface, by their own account (for status).
    public func daemons(registering interface: String) -> [Daemon] {
        standing.filter { $0.value[interface] == .confirmed }.keys.sorted()
    }

    /// Interfaces a ready daemon answered without, by daemon.
    public func missing() -> [Daemon: [String]] {
        standing.compactMapValues { interfaces in
            let names = interfaces.filter { $0.value == .missing }.keys.sorted()
            return names.isEmpty ? nil : names
        }
    }

    /// How many interfaces each ready daemon has confirmed.
    public func confirmedCounts() -> [Daemon: Int] {
        standing.mapValues { $0.values.filter { $0 == .confirmed }.count }
    }
}
