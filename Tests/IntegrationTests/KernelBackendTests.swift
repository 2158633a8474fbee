import Foundation
import GatewayCore
import GatewaySystem
import Glibc
import Testing

/// The kernel backend against the kernel's own WireGuard, through rtnetlink and genetlink:
/// only inside the VM of scripts/vm-tests (this machine's kernel has no module).
@Suite(.enabled(if: Requirement.inVM, Requirement.vmReason), .serialized)
struct KernelBackendTests {
    let number = 900_000 + Int(getpid() % 90_000)
    let node = PrivateKey.generate().publicKey

    @Test func createsConfiguresListsAndRemovesAnInterface() async throws {
        let privateKey = PrivateKey.generate()
        let backend = KernelBackend(privateKey: privateKey)
        let spec = PeerInterfaceSpec(number: number, listenPort: 40999, mtu: 1374, peer: node)
        defer { _ = try? Command.run(["ip", "link", "del", spec.name]) }
        let started = ContinuousClock.now
        try await backend.create(spec)
        print("kernel peer provisioned in \(ContinuousClock.now - started)")

        let listed = try await backend.list().first { $0.name == spec.name }
        let interface = try #require(listed)
        #expect(interface.listenPort == 40999 && interface.peers == [node], "\(interface)")
        #expect(interface.latestHandshake == nil && interface.endpoint == nil && interface.rxBytes ?? 0 == 0, "\(interface)")
        let link = try Command.check(["ip", "-d", "-6", "addr", "show", "dev", spec.name]).stdout
        #expect(link.contains("mtu 1374") && link.contains("wireguard"), "\(link)")
        #expect(link.contains("MULTICAST") && link.contains(",UP"), "\(link)")
        #expect(link.contains("inet6 \(spec.linkLocalAddress)/64"), "\(link)")
        // `wg` (wireguard-tools, not our decoder) agrees on key, port, peer and allowed IPs.
        let dump = try Command.check(["wg", "show", spec.name, "dump"]).lines.map { $0.split(separator: "\t").map(String.init) }
        #expect(dump.first?[1] == privateKey.publicKey.base64 && dump.first?[2] == "40999", "\(dump)")
        #expect(dump.count == 2 && dump.last?[0] == node.base64 && dump.last?[3] == "::/0", "\(dump)")

        try await backend.remove(spec.name)
        #expect(try await backend.list().first { $0.name == spec.name } == nil)
        #expect(if_nametoindex(spec.name) == 0)
    }

    @Test func aCreateOnATakenNameLeavesTheExistingInterfaceAlone() async throws {
        let backend = KernelBackend(privateKey: PrivateKey.generate())
        let spec = PeerInterfaceSpec(number: number + 1, listenPort: 40998, mtu: 1374, peer: node)
        defer { _ = try? Command.run(["ip", "link", "del", spec.name]) }
        try await backend.create(spec)
        let other = PeerInterfaceSpec(number: number + 1, listenPort: 40997, mtu: 1374, peer: PrivateKey.generate().publicKey)
        await #expect(throws: (any Error).self) { try await backend.create(other) }
        let listed = try await backend.list().first { $0.name == spec.name }
        #expect(listed?.listenPort == 40998 && listed?.peers == [node], "\(String(describing: listed))")
    }

    @Test func aFailedCreateLeavesNoInterfaceBehind() async throws {
        let backend = KernelBackend(privateKey: PrivateKey.generate())
        // Port 40996 already bound by another WireGuard interface: the genetlink set fails.
        let holder = PeerInterfaceSpec(number: number + 2, listenPort: 40996, mtu: 1374, peer: node)
        let clash = PeerInterfaceSpec(number: number + 3, listenPort: 40996, mtu: 1374, peer: node)
        defer { _ = try? Command.run(["ip", "link", "del", holder.name]) }
        try await backend.create(holder)
        await #expect(throws: (any Error).self) { try await backend.create(clash) }
        #expect(if_nametoindex(clash.name) == 0)
        #expect(if_nametoindex(holder.name) != 0)
    }
}
