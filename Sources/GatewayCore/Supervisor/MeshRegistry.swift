/// The mesh interfaces (static MESHIFS plus every broker peer) and what each daemon has
/// been told of them. Each daemon keeps its list only in memory, so whenever one becomes
/// ready it is told everything again; a failed registration stays pending until it works.
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

    /// In the order they were added (static ones first).
    public private(set) var interfaces: [String] = []
    /// The same names, for a membership test that stays O(1) at 10,000 peers.
    private var known: Set<String> = []
    /// What each ready daemon has confirmed.
    public private(set) var registered: [Daemon: Set<String>] = [:]
    /// Sent or to send, not yet confirmed.
    public private(set) var pending: [Registration] = []
    private var ready: Set<Daemon> = []

    public init(staticInterfaces: [String] = []) {
        interfaces = staticInterfaces
        known = Set(staticInterfaces)
    }

    /// A daemon (re)became ready: everything must be registered with it again.
    public mutating func daemonReady(_ daemon: Daemon) -> [Registration] {
        ready.insert(daemon)
        registered[daemon] = []
        pending.removeAll { $0.daemon == daemon }
        let registrations = interfaces.map { Registration(.add, $0, with: daemon) }
        pending += registrations
        return registrations
    }

    /// A daemon went away: it remembers nothing.
    public mutating func daemonDown(_ daemon: Daemon) {
        ready.remove(daemon)
        registered[daemon] = nil
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

    /// The daemon accepted it.
    public mutating func confirmed(_ registration: Registration) {
        guard let index = pending.firstIndex(of: registration) else { return }
        pending.remove(at: index)
        switch registration.kind {
        case .add: registered[registration.daemon, default: []].insert(registration.interface)
        case .remove: registered[registration.daemon]?.remove(registration.interface)
        }
    }

    /// Which daemons an interface is registered with (for status).
    public func daemons(registering interface: String) -> [Daemon] {
        registered.filter { $0.value.contains(interface) }.keys.sorted()
    }
}
