import Foundation
import Testing

/// scripts/mesh-pins gives the tests' mesh daemons their upstream commits; docker/Dockerfile
/// builds the image's from its own ARGs. Both must name the same code.
@Suite struct MeshPinsTests {
    static func pins() throws -> [String: String] { try RepositoryFiles.assignments("scripts/mesh-pins") }

    static func meshStage() throws -> DockerFilesTests.Stage { try DockerFilesTests.stage(running: "cmake") }

    /// The mesh stage's `ARG NAME=VALUE` lines.
    static func dockerfileArguments() throws -> [String: String] {
        var arguments: [String: String] = [:]
        for instruction in try meshStage().instructions where instruction.hasPrefix("ARG ") {
            let assignment = instruction.dropFirst("ARG ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            arguments[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return arguments
    }

    @Test func everyPinnedCommitIsTheDockerfilesArgument() throws {
        let pins = try Self.pins().filter { $0.key.hasSuffix("_COMMIT") }
        #expect(Set(pins.keys) == ["MMFD_COMMIT", "L3ROAMD_COMMIT", "BABELD_COMMIT"])
        let arguments = try Self.dockerfileArguments().filter { $0.key.hasSuffix("_COMMIT") }
        #expect(arguments == pins)
        for (name, commit) in pins {
            #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(name)=\(commit): a full commit id")
        }
    }

    /// Each commit is fetched from the repository scripts/mesh-pins names for it.
    @Test func theDockerfileFetchesEachCommitFromThePinnedRepository() throws {
        let pins = try Self.pins()
        let run = try #require(try Self.meshStage().instructions.first { $0.contains("fetch mmfd ") })
        for name in ["MMFD", "L3ROAMD", "BABELD"] {
            let url = try #require(pins["\(name)_URL"], "\(name)_URL")
            #expect(run.contains(" \(url) \"$\(name)_COMMIT\";"), "\(name): fetched from \(url)")
        }
    }
}
