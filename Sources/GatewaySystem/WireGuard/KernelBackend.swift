import CMnl
import GatewayCore
import Glibc

/// Per-peer interfaces on kernel WireGuard: `wireguard` links made through rtnetlink and
/// configured through the WireGuard genetlink family. Untestable on machines without the
/// module (see FACTS.md: run it in a virtme-ng VM); the messages are byte-tested.
public struct KernelBackend: WireGuardBackend {
    public static let linkKind = "wireguard"

    private let privateKey: PrivateKey
    private let links = LinkControl()

    public init(privateKey: PrivateKey) {
        self.privateKey = privateKey
    }

    private func genetlink() throws -> (socket: NetlinkSocket, family: UInt16) {
        let socket = try NetlinkSocket(bus: NETLINK_GENERIC)
        let answer = try socket.dump(WireGuardGenetlink.familyRequest(), "resolving the wireguard genetlink family")
        guard let family = WireGuardGenetlink.familyID(from: answer) else {
            throw NetlinkError(operation: "resolving the wireguard genetlink family", errno: ENOENT)
        }
        return (socket, family)
    }

    public func create(_ spec: PeerInterfaceSpec) async throws {
        try links.create(name: spec.name, kind: Self.linkKind, mtu: spec.mtu)
        do {
            let (socket, family) = try genetlink()
            try socket.perform(WireGuardGenetlink.setDevice(family: family, name: spec.name, privateKey: privateKey,
                                                            listenPort: spec.listenPort, peer: spec.peer),
                               "configuring \(spec.name) (listen-port \(spec.listenPort), peer \(spec.peer))")
            try links.configure(name: spec.name, mtu: spec.mtu)
            try links.addAddress(spec.linkLocalAddress, prefixLength: PeerInterfaceSpec.linkLocalPrefixLength, to: spec.name)
        } catch {
            try? links.delete(name: spec.name)
            throw error
        }
    }

    public func remove(_ name: String) async throws {
        try links.delete(name: name)
    }

    public func list() async throws -> [ObservedPeerInterface] {
        let names = try links.names(ofKind: Self.linkKind).filter { PeerInterfaceNames.number(of: $0) != nil }
        guard !names.isEmpty else { return [] }
        let (socket, family) = try genetlink()
        return try names.map { name in
            WireGuardGenetlink.device(
                name: name, from: try socket.dump(WireGuardGenetlink.getDevice(family: family, name: name), "reading \(name)"))
        }
    }
}
