import Foundation
import GatewayCore
import Testing

@Suite struct BrokerKeyPolicyTests {
    let first = TestKeys.key(1)
    let second = TestKeys.key(2)

    @Test func parsesKeysCommentsAndBlankLines() throws {
        let text = """
            # nodes of the north
            \(first.base64)   # kitchen
              \(second.base64)

            """
        #expect(try KeyListParser.parse(text, source: "allow") == [first, second])
    }

    @Test func reportsEveryBadLineWithItsNumber() {
        let text = "\(first.base64)\nnot-a-key\n# fine\n\(Data(count: 31).base64EncodedString())\n"
        #expect(throws: KeyListParser.Failure.self) { try KeyListParser.parse(text, source: "deny") }
        do {
            _ = try KeyListParser.parse(text, source: "deny")
        } catch {
            #expect(error.problems.map(\.line) == [2, 4])
            #expect(error.description.hasPrefix("deny:2: not a base64 WireGuard public key: not-a-key"))
        }
    }

    @Test func denyWinsAndAnAllowListExcludesTheRest() {
        #expect(KeyPolicy.open.permits(first))
        #expect(!KeyPolicy(denied: [first]).permits(first))
        #expect(KeyPolicy(allowed: [first]).permits(first))
        #expect(!KeyPolicy(allowed: [first]).permits(second))
        #expect(!KeyPolicy(allowed: [first], denied: [first]).permits(first))
    }

    @Test func filesLoadAndReportProblemsOfBothLists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let allow = directory.appendingPathComponent("allow").path
        let deny = directory.appendingPathComponent("deny").path
        try "\(first.base64)\n\(second.base64)\n".write(toFile: allow, atomically: true, encoding: .utf8)
        try "\(second.base64)\n".write(toFile: deny, atomically: true, encoding: .utf8)
        let policy = try KeyPolicyFiles(allowListPath: allow, denyListPath: deny).load()
        #expect(policy.permits(first) && !policy.permits(second))

        try "bad\n".write(toFile: deny, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing").path
        #expect(throws: KeyPolicyFiles.LoadError.self) { try KeyPolicyFiles(allowListPath: missing, denyListPath: deny).load() }
        do {
            _ = try KeyPolicyFiles(allowListPath: missing, denyListPath: deny).load()
        } catch {
            #expect(error.description.contains(missing))
            #expect(error.description.contains("\(deny):1"))
        }
    }
}
