import Foundation
@testable import GatewayCore
import Testing

/// The host sysctls an operator sets for the container: docker/README.md lists them (and
/// scripts/image-test sets exactly those before it runs the image), Docs/operations.md
/// repeats them in short. Both lists must be the same.
@Suite struct HostSysctlsTests {
    /// `net.KEY = VALUE` lines, as a sysctl.d file has them.
    static func sysctls(in path: String) throws -> [String: String] {
        var settings: [String: String] = [:]
        for line in try RepositoryFiles.read(path).split(separator: "\n") {
            guard let match = line.wholeMatch(of: #/(net\.[a-z0-9_.]+) = ([0-9]+)/#) else { continue }
            settings[String(match.1)] = String(match.2)
        }
        return settings
    }

    @Test func operationsRepeatsTheContainersList() throws {
        let container = try Self.sysctls(in: "docker/README.md")
        #expect(container["net.ipv6.conf.all.forwarding"] == "1")
        #expect(container == (try Self.sysctls(in: "Docs/operations.md")))
    }

    /// In the container gatewayd can only check its host plan's sysctls, so the list is
    /// exactly those, plus the default rp_filter that the per-peer interfaces start with.
    @Test func theContainersListIsTheHostPlansSysctls() throws {
        let plan = HostPlan.sysctls(meshInterfaces: []).map { "\($0.key)=\($0.value)" }
        let documented = try Self.sysctls(in: "docker/README.md").map { "\($0.key)=\($0.value)" }
        #expect(Set(documented) == Set(plan + ["net.ipv4.conf.default.rp_filter=0"]))
    }
}
