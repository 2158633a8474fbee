import Foundation
import Testing

/// No Package.resolved travels with the sources (the machines' package mirrors have other
/// commit ids than GitHub), so Package.swift's versions are all that fixes what every build
/// resolves: the tests', the image's, a user's.
@Suite struct PackagePinsTests {
    @Test func everyDependencyIsAnExactVersion() throws {
        let manifest = try RepositoryFiles.read("Package.swift")
        let dependencies = manifest.split(separator: "\n").filter { $0.contains(".package(url:") }
        #expect(dependencies.count >= 4)
        for dependency in dependencies {
            let version = try #require(dependency.firstRange(of: #/exact: "(\d+)\.(\d+)\.(\d+)"/#), "\(dependency)")
            #expect(!version.isEmpty)
        }
    }
}
