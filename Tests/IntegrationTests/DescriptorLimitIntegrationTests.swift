import Foundation
import Glibc
import Testing

/// `gatewayd run` raises RLIMIT_NOFILE before its first child, so babeld, mmfd and l3roamd
/// start with room for a socket per mesh interface at MAXCONNECTIONS (mmfd and l3roamd exit
/// when one fails).
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class DescriptorLimitIntegrationTests {
    let gateway: GatewayNamespace

    init() throws {
        gateway = try GatewayNamespace("gwtest-nofile")
        try gateway.writeEnvFile(extra: "MAXCONNECTIONS=1000")
    }

    /// 4 × (1,000 + 1 MESHIFS) + 256.
    static let wanted = 4260
    /// The hard limit the tests run under (raising it needs CAP_SYS_RESOURCE).
    static let hard: Int = {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_max)
    }()

    /// `gatewayd run` started with this soft:hard limit, and the soft limit of each child once up.
    func childLimits(_ limit: String) async throws -> (limits: [String: Int], output: String) {
        let run = try BackgroundProcess(["prlimit", "--nofile=\(limit)"] + gateway.gatewaydCommand("run"),
                                        logFile: gateway.directory.appendingPathComponent("run.log"))
        var limits: [String: Int] = [:]
        _ = await eventually(timeout: .seconds(15)) {
            limits = Self.softLimits(in: gateway.namespace, of: ["babeld", "mmfd", "l3roamd"])
            return limits.count == 3
        }
        return (limits, run.output)
    }

    static func softLimits(in namespace: NetworkNamespace, of names: Set<String>) -> [String: Int] {
        let pids = ((try? namespace.exec("ip", "netns", "pids", namespace.name)) ?? "").split(separator: "\n").compactMap { Int32($0) }
        var found: [String: Int] = [:]
        for pid in pids {
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  let name = names.first(where: { comm.hasPrefix($0) }),
                  let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
                  let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { continue }
            found[name] = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) }
        }
        return found
    }

    @Test(.enabled(if: hard >= wanted, "the hard RLIMIT_NOFILE here is below 4260"))
    func childrenStartWithFourDescriptorsPerMeshInterface() async throws {
        let (limits, output) = try await childLimits("1024:\(Self.hard)")
        #expect(limits == ["babeld": Self.wanted, "mmfd": Self.wanted, "l3roamd": Self.wanted], "\(output)")
        #expect(output.contains("RLIMIT_NOFILE raised from 1024 to \(Self.wanted)"), "\(output)")
    }

    @Test func aLowHardLimitIsUsedWholeAndWarnedAbout() async throws {
        let (limits, output) = try await childLimits("1024:2048")
        #expect(limits == ["babeld": 2048, "mmfd": 2048, "l3roamd": 2048], "\(output)")
        #expect(output.contains("RLIMIT_NOFILE hard limit 2048 is below \(Self.wanted)"), "\(output)")
    }
}
