import Foundation
import Glibc
import Testing

/// The neighbour-table and route sysctls for many mesh interfaces, in a namespace of the
/// test's own: `net.ipv6.route.max_size` is per namespace (set to 4096 here, the cap before
/// Linux 6.3); the neighbour thresholds exist only in the host's initial namespace, so here
/// they are what gatewayd cannot raise and must warn about.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class KernelTableCapacityIntegrationTests {
    let gateway: GatewayNamespace

    init() throws {
        gateway = try GatewayNamespace("gwtest-tables")
        try gateway.namespace.exec("sysctl", "-qw", "net.ipv6.route.max_size=4096")
    }

    func maxSize() throws -> String { try gateway.namespace.exec("cat", "/proc/sys/net/ipv6/route/max_size").trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test func checkReportsWhatRunWillRaiseAndWhatTheHostMustSet() throws {
        let check = try Command.run(gateway.gatewaydCommand("check"))
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr.contains("net.ipv6.route.max_size is 4096; gatewayd run raises it to 65536"), "\(check.stderr)")
        #expect(check.stderr.contains("sysctl -w net.ipv6.neigh.default.gc_thresh3=16384"), "\(check.stderr)")
        #expect(try maxSize() == "4096", "check writes nothing")
    }

    /// A container's read-only /proc/sys: a warning naming the `sysctl -w`, still exit 0.
    @Test func checkOnAReadOnlyProcSysNamesTheSysctlToRun() throws {
        let check = try Command.run(["ip", "netns", "exec", gateway.namespace.name, "unshare", "--mount", "sh", "-c",
                                     "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "
                                         + "\(BuiltProduct.path("gatewayd")) check --env-file \(gateway.envFile.path)"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr.contains("warning: net.ipv6.route.max_size is 4096 and cannot be raised (read-only here)"), "\(check.stderr)")
        #expect(check.stderr.contains("on the host run: sysctl -w net.ipv6.route.max_size=65536"), "\(check.stderr)")
    }

    @Test func runRaisesTheRouteCapAndTeardownRestoresIt() async throws {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        let raised = try await eventually(timeout: .seconds(15)) { try maxSize() == "65536" }
        #expect(raised, "\(run.output)")
        #expect(run.output.contains("sysctl -w net.ipv6.neigh.default.gc_thresh3=16384"), "the neighbour thresholds: a warning")
        run.signal(SIGTERM)
        #expect(await run.waitForExit(timeout: .seconds(30)) == 0, "\(run.output)")
        #expect(try maxSize() == "4096", "restored on teardown: \(run.output)")
    }
}
