import GatewaySystem
import Foundation
import Glibc
import Testing

@Suite struct BrokerBackendChoiceTests {
    @Test func explicitChoicesAndTyposAreHonouredOrRejected() throws {
        #expect(try WireGuardBackendChoice.resolve(override: "userspace") == .userspace)
        #expect(try WireGuardBackendChoice.resolve(override: "kernel") == .kernel)
        #expect(throws: WireGuardBackendChoice.UnknownBackend.self) { try WireGuardBackendChoice.resolve(override: "kernal") }
    }

    /// FACTS.md: this kind of machine has no kernel WireGuard, so detection must fall back.
    @Test(.enabled(if: getuid() == 0, "needs root (creating a probe link)"))
    func detectionFallsBackToUserspaceWithoutTheModule() throws {
        let hasModule = (try? String(contentsOfFile: "/sys/module/wireguard/initstate", encoding: .utf8)) != nil
        #expect(try WireGuardBackendChoice.resolve(override: nil) == (hasModule ? .kernel : .userspace))
    }
}
