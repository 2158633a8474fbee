import Foundation
import GatewayCore
import GatewaySystem
import Synchronization
import Testing

/// gatewayd's netlink reading against a real kernel in a namespace of the test's: dumps
/// that links churning under them interrupt, and the monitor's sorting of notifications.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
struct NetlinkIntegrationTests {
    /// Enough links that a dump spans many datagrams, so a change lands between two of them.
    static let linkCount = 300

    @Test func aLinkDumpInterruptedByChurnIsRepeatedNotFailed() async throws {
        try await NetworkNamespace.with(prefix: "gwtest-nl") { namespace in
            let batch = FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace.name).batch")
            try (0..<Self.linkCount).map { "tuntap add tun\($0) mode tun\n" }.joined().write(to: batch, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: batch) }
            try namespace.exec("ip", "-batch", batch.path)
            let churn = try BackgroundProcess(
                ["ip", "netns", "exec", namespace.name, "sh", "-c",
                 "i=0; while [ $i -lt 5000 ]; do ip tuntap add churn0 mode tun; ip link del churn0; i=$((i+1)); done"],
                logFile: FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace.name).churn.log"))
            let listings = try await namespace.run {
                try (0..<100).map { _ in try Rtnetlink().links(exact: ["tun0", "tun299", "absent0"]) }
            }
            #expect(churn.isRunning, "the links kept changing during every dump")
            for links in listings {
                #expect(links.present.isSuperset(of: ["tun0", "tun299"]) && !links.present.contains("absent0"),
                        "the exact names are looked up one by one")
                // Five interrupted dumps in a row are taken as they are: a few links may be missed.
                let count = links.present.filter { $0.hasPrefix("tun") }.count
                #expect((Self.linkCount - 10...Self.linkCount).contains(count), "\(count) links")
            }
            let complete = listings.filter { links in links.present.filter { $0.hasPrefix("tun") }.count == Self.linkCount }
            #expect(complete.count >= 90, "a repeated dump is whole: \(complete.count) of 100")
        }
    }

    /// What the monitor has reported and nobody has looked at yet.
    final class Received: Sendable {
        private let changes = Mutex<[KernelChange]>([])

        func add(_ more: [KernelChange]) { changes.withLock { $0 += more } }

        /// Waits for `expected`, and clears what came.
        func next(_ expected: [KernelChange]) async -> [KernelChange] {
            _ = await eventually(timeout: .seconds(5)) { self.changes.withLock { $0.count >= expected.count } }
            return changes.withLock { changes in
                defer { changes = [] }
                return changes
            }
        }
    }

    @Test func theMonitorTellsPeerInterfacesFromTheRestAndIgnoresOtherDaemonsRoutes() async throws {
        try await NetworkNamespace.with(prefix: "gwtest-nl") { namespace in
            let received = Received()
            let monitor = try await namespace.run { try NetlinkMonitor(onChange: received.add) }
            defer { monitor.stop() }
            try namespace.exec("ip", "tuntap", "add", "babel-wg-41", "mode", "tun")
            #expect(await received.next([.peerLink("babel-wg-41")]) == [.peerLink("babel-wg-41")])
            try namespace.exec("ip", "tuntap", "add", "mesh9", "mode", "tun")
            let index = Int32(try namespace.exec("cat", "/sys/class/net/mesh9/ifindex").trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(await received.next([.link("mesh9", index: index)]) == [.link("mesh9", index: index)])
            // Quiet after link-up (a tun without a reader has no carrier); then only routes change.
            try namespace.exec("ip", "link", "set", "mesh9", "up")
            try await Task.sleep(for: .seconds(1))
            _ = await received.next([])
            // Notifications keep their order on one socket: had babeld's route (proto 42)
            // woken the reconciler, its change would come before the one of gatewayd's.
            try namespace.exec("ip", "-6", "route", "add", "2001:db8:41::/64", "dev", "mesh9", "proto", "42", "table", "10")
            try namespace.exec("ip", "-6", "route", "add", "2001:db8:42::/64", "dev", "mesh9", "proto", "215", "table", "10")
            #expect(await received.next([.everything]) == [.everything])
        }
    }
}
