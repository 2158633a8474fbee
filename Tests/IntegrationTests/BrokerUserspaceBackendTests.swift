import Foundation
import GatewayCore
import GatewaySystem
import Glibc
import Testing

/// The userspace backend against a real wireguard-go, in this namespace. The interface
/// number is derived from the PID: the UAPI socket directory is shared machine-wide.
@Suite(.enabled(if: getuid() == 0, "needs root (TUN, rtnetlink)"), .serialized)
struct BrokerUserspaceBackendTests {
    let number = 900_000 + Int(getpid() % 90_000)
    let node = PrivateKey.generate().publicKey

    @Test func createsConfiguresListsAndRemovesAnInterface() async throws {
        let backend = UserspaceBackend(privateKey: PrivateKey.generate(), launcher: FoundationWireGuardGo())
        let spec = PeerInterfaceSpec(number: number, listenPort: 40999, mtu: 1374, peer: node)
        defer { _ = try? Command.check(["ip", "link", "del", spec.name]).stdout }
        let started = ContinuousClock.now
        try await backend.create(spec)
        let latency = ContinuousClock.now - started
        print("userspace peer provisioned in \(latency)")

        let listed = try await backend.list().first { $0.name == spec.name }
        #expect(listed == ObservedPeerInterface(name: spec.name, listenPort: 40999, peers: [node], latestHandshake: nil,
                                                rxBytes: 0, txBytes: 0), "no handshake, no endpoint, no traffic yet")
        let link = try Command.check(["ip", "-6", "addr", "show", "dev", spec.name]).stdout
        #expect(link.contains("mtu 1374"))
        #expect(link.contains("MULTICAST") && link.contains(",UP"))
        #expect(link.contains("inet6 \(spec.linkLocalAddress)/64"))

        try await backend.remove(spec.name)
        #expect(try await backend.list().first { $0.name == spec.name } == nil)
        #expect(if_nametoindex(spec.name) == 0)
    }

    @Test func aFailedCreateLeavesNoInterfaceBehind() async throws {
        let backend = UserspaceBackend(privateKey: PrivateKey.generate(), launcher: FoundationWireGuardGo(),
                                       socketDirectory: "/nonexistent", readyTimeout: .milliseconds(300))
        let spec = PeerInterfaceSpec(number: number + 1, listenPort: 40998, mtu: 1374, peer: node)
        await #expect(throws: (any Error).self) { try await backend.create(spec) }
        #expect(if_nametoindex(spec.name) == 0)
    }

    /// Another namespace's wireguard-go shares the socket directory: its interface is
    /// neither listed nor removed here (removing its socket would make it exit).
    @Test func interfacesOfOtherNamespacesAreNeitherListedNorRemoved() async throws {
        let other = try NetworkNamespace.create(prefix: "gwtest-uwg")
        defer { other.delete() }
        let name = PeerInterfaceNames.name(number + 1)
        let wireguardGo = try BackgroundProcess(["ip", "netns", "exec", other.name, "wireguard-go", "-f", name],
                                                logFile: FileManager.default.temporaryDirectory.appendingPathComponent("\(name).log"))
        defer { _ = try? other.exec("ip", "link", "del", name) }
        let socket = "\(UserspaceBackend.defaultSocketDirectory)/\(name).sock"
        #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: socket) })

        let backend = UserspaceBackend(privateKey: PrivateKey.generate(), launcher: FoundationWireGuardGo())
        #expect(try await backend.list().allSatisfy { $0.name != name })
        try await backend.remove(name)
        #expect(FileManager.default.fileExists(atPath: socket) && wireguardGo.isRunning)
        #expect(try other.exec("ip", "link", "show", name).contains(name))
    }
}
