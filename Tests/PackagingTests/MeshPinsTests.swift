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

    /// The daemons the image ships; scripts/mesh-pins also pins babeld 1.12.1 for one test.
    static let imageDaemons = ["MMFD", "L3ROAMD", "BABELD"]

    @Test func everyPinnedCommitIsTheDockerfilesArgument() throws {
        let pins = try Self.pins()
        let arguments = try Self.dockerfileArguments().filter { $0.key.hasSuffix("_COMMIT") }
        #expect(Set(arguments.keys) == Set(Self.imageDaemons.map { "\($0)_COMMIT" }))
        for name in Self.imageDaemons.map({ "\($0)_COMMIT" }) {
            let commit = try #require(pins[name], "scripts/mesh-pins has \(name)")
            #expect(arguments[name] == commit, "\(name)")
            #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(name)=\(commit): a full commit id")
        }
    }

    /// Each commit is fetched from the repository scripts/mesh-pins names for it.
    @Test func theDockerfileFetchesEachCommitFromThePinnedRepository() throws {
        let pins = try Self.pins()
        let run = try #require(try Self.meshStage().instructions.first { $0.contains("fetch mmfd ") })
        for name in Self.imageDaemons {
            let url = try #require(pins["\(name)_URL"], "\(name)_URL")
            #expect(run.contains(" \(url) \"$\(name)_COMMIT\";"), "\(name): fetched from \(url)")
        }
    }
}
