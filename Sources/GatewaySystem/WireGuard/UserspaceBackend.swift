import Foundation
import GatewayCore
import Glibc

/// Per-peer interfaces on wireguard-go: one child per interface, configured through its
/// UAPI socket (`socketDirectory/IF.sock`), then MTU, multicast, up and fe80::N/64 through
/// rtnetlink like any link.
public actor UserspaceBackend: WireGuardBackend {
    /// wireguard-go's compiled-in socket directory.
    public static let defaultSocketDirectory = "/var/run/wireguard"

    private let privateKey: PrivateKey
    private let launcher: any WireGuardGoLauncher
    private let socketDirectory: String
    private let readyTimeout: Duration
    private let links = LinkControl()
    private var processes: [String: any WireGuardGoProcess] = [:]

    public init(privateKey: PrivateKey, launcher: any WireGuardGoLauncher,
                socketDirectory: String = defaultSocketDirectory, readyTimeout: Duration = .seconds(5)) {
        self.privateKey = privateKey
        self.launcher = launcher
        self.socketDirectory = socketDirectory
        self.readyTimeout = readyTimeout
    }

    private func client(_ name: String) -> UAPIClient { UAPIClient(socketPath: "\(socketDirectory)/\(name).sock") }

    public func create(_ spec: PeerInterfaceSpec) async throws {
        let name = spec.name
        guard !links.exists(name) else { throw NetlinkError(operation: "creating \(name)", errno: EEXIST) }
        let process = try launcher.start(interface: name)
        processes[name] = process
        do {
            let device = try await waitUntilServing(name, process)
            try device.configure(privateKey: privateKey, listenPort: spec.listenPort, peer: spec.peer)
            try links.configure(name: name, mtu: spec.mtu)
            try links.addAddress(spec.linkLocalAddress, prefixLength: PeerInterfaceSpec.linkLocalPrefixLength, to: name)
        } catch {
            try? await remove(name)
            throw error
        }
    }

    /// Polls until the UAPI socket answers `get`: wireguard-go creates the TUN, then the socket.
    /// A wireguard-go that exited fails at once (its reason is in its log lines).
    private func waitUntilServing(_ name: String, _ process: any WireGuardGoProcess) async throws -> UAPIClient {
        let device = client(name)
        let deadline = ContinuousClock.now + readyTimeout
        while true {
            do {
                _ = try device.device()
                return device
            } catch {
                if process.hasExited {
                    throw UAPIClient.Error(operation: "starting wireguard-go for \(name)",
                                           reason: "it exited before opening its UAPI socket (see its log)")
                }
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// The socket directory is machine-wide: an interface is ours only if its link is in
    /// this network namespace (or we started its wireguard-go). A socket of another
    /// namespace's gateway is never touched: wireguard-go exits when its socket goes.
    public func remove(_ name: String) async throws {
        guard processes[name] != nil || links.exists(name) else { return }
        // Deleting the TUN makes wireguard-go exit; stopping it covers a hung one.
        defer {
            processes.removeValue(forKey: name)?.stop()
            unlink("\(socketDirectory)/\(name).sock")
        }
        try links.delete(name: name)
    }

    /// The `babel-wg-*` interfaces of this network namespace that wireguard-go serves.
    /// One that does not answer `get` in time is listed as unanswered, not left out: left
    /// out, the sweep would take its live peer for vanished.
    public func list() async throws -> [ObservedPeerInterface] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: socketDirectory) } catch {
            // No directory: no wireguard-go ever served here. Anything else is a failed listing.
            guard !FileManager.default.fileExists(atPath: socketDirectory) else {
                throw UAPIClient.Error(operation: "listing \(socketDirectory)", reason: "\(error)")
            }
            return []
        }
        return files.compactMap { file -> ObservedPeerInterface? in
            guard file.hasSuffix(".sock") else { return nil }
            let name = String(file.dropLast(".sock".count))
            guard PeerInterfaceNames.number(of: name) != nil, let present = links.presence(name) else {
                return PeerInterfaceNames.number(of: name) == nil ? nil : .unanswered(name)
            }
            guard present else { return nil }
            guard let device = try? client(name).device() else { return .unanswered(name) }
            let peer = device.peers.first
            return ObservedPeerInterface(name: name, listenPort: device.listenPort, peers: device.peers.map(\.key),
                                         latestHandshake: peer?.latestHandshake, endpoint: peer?.endpoint,
                                         rxBytes: peer?.rxBytes, txBytes: peer?.txBytes)
        }
    }
}
