import Foundation
import GatewayCore
import Testing

struct DescriptorBudgetTests {
    /// 4 per mesh interface at MAXCONNECTIONS plus MESHIFS, and slack: 2,000 peers need more
    /// than the default soft limit of 1,024 many times over.
    @Test func fourPerInterfaceAtMaxConnectionsPlusSlack() {
        #expect(DescriptorBudget.wanted(maxConnections: 2000, staticInterfaces: 2) == 4 * 2002 + 256)
        #expect(DescriptorBudget.wanted(maxConnections: 150, staticInterfaces: 0) == 856)
    }
}

extension DescriptorBudgetTests {
    /// The container's hard limit covers the field's peak of 2,000 tunnels with room to spare.
    @Test func composeRaisesTheHardLimitBeyondTheFieldsPeak() throws {
        let compose = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docker/compose.yaml"), encoding: .utf8)
        let lines = compose.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
        let nofile = try #require(lines.firstIndex(of: "nofile:"), "no ulimits nofile in docker/compose.yaml")
        let limits = lines[(nofile + 1)...].prefix(2).compactMap { line -> Int? in
            guard line.hasPrefix("soft:") || line.hasPrefix("hard:") else { return nil }
            return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
        }
        #expect(limits.count == 2 && limits.allSatisfy { $0 >= DescriptorBudget.wanted(maxConnections: 10_000, staticInterfaces: 8) })
    }
}
