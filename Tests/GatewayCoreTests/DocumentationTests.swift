import Foundation
import GatewayCore
import Testing

/// Code and documentation of the configuration cannot drift apart.
@Suite struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func configurationDocHoldsTheGeneratedTable() throws {
        #expect(try Self.read("Docs/configuration.md").contains(ConfigVariable.markdownTable()),
                "regenerate the table with `gatewayd variables`")
    }

    @Test(arguments: ConfigVariable.all.map(\.name))
    func envFileExampleDocumentsEveryVariable(name: String) throws {
        let example = try Self.read("env-file.example")
        #expect(example.contains("\n\(name)=") || example.contains("\n#\(name)=") || example.contains("# \(name):"))
    }

    @Test func envFileExampleIsValidAndHasNoKey() throws {
        let text = try Self.read("env-file.example")
        let loaded = try ConfigLoader.load(environment: [:], envFile: ("env-file.example", text)).get()
        #expect(loaded.warnings.isEmpty)
        #expect(!text.contains("\nWGSECRET="), "the example carries no secret")
    }
}
