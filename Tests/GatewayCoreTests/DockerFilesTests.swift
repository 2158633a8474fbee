import Foundation
import Testing

/// docker/Dockerfile and docker/compose.yaml cannot be built or run here (no Docker engine):
/// these checks keep them consistent with the repository and with what the code needs.
@Suite struct DockerFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// One build stage: its `FROM` line and its instructions, continuation lines joined.
    struct Stage {
        var from: String
        var name: String?
        var instructions: [String] = []

        /// Every package named in this stage's `apt-get install` commands.
        var installedPackages: Set<String> {
            var packages: Set<String> = []
            for instruction in instructions where instruction.hasPrefix("RUN ") {
                for command in instruction.components(separatedBy: "&&") {
                    let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
                    guard let install = words.firstIndex(of: "install"), install > 0, words[install - 1] == "apt-get"
                    else { continue }
                    packages.formUnion(words[(install + 1)...].filter { !$0.hasPrefix("-") && $0 != "\\" })
                }
            }
            return packages
        }
    }

    static func stages() throws -> [Stage] {
        var stages: [Stage] = []
        var current = ""
        for line in try read("docker/Dockerfile").split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || (trimmed.isEmpty && current.isEmpty) { continue }
            if trimmed.hasSuffix("\\") {
                current += trimmed.dropLast() + " "
                continue
            }
            let instruction = current + trimmed
            current = ""
            if instruction.isEmpty { continue }
            if instruction.hasPrefix("FROM ") {
                let words = instruction.split(separator: " ").map(String.init)
                stages.append(Stage(from: words[1], name: words.count > 3 && words[2] == "AS" ? words[3] : nil))
            } else if !stages.isEmpty {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        return stages
    }

    static func stage(running command: String) throws -> Stage {
        try #require(try stages().first { $0.instructions.contains { $0.hasPrefix("RUN ") && $0.contains(command) } },
                     "a stage runs \(command)")
    }

    @Test func everyCopyFromTheRepositoryExists() throws {
        let copies = try Self.stages().flatMap(\.instructions).filter { $0.hasPrefix("COPY ") && !$0.contains("--from=") }
        #expect(!copies.isEmpty)
        for copy in copies {
            let sources = copy.split(separator: " ").dropFirst().filter { !$0.hasPrefix("--") }.dropLast()
            for source in sources {
                #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(String(source)).path),
                        "\(copy): \(source) is not in the repository")
            }
        }
    }

    @Test func copiesFromStagesNameDefinedStages() throws {
        let stages = try Self.stages()
        let names = Set(stages.compactMap(\.name))
        for copy in stages.flatMap(\.instructions) where copy.hasPrefix("COPY --from=") {
            let stage = copy.dropFirst("COPY --from=".count).prefix { !$0.isWhitespace }
            #expect(names.contains(String(stage)), "\(copy)")
        }
    }

    /// What gatewayd needs at run time: the daemons it starts, wireguard-go for the
    /// userspace backend, and the shared libraries it links (SQLite through GRDB).
    @Test(arguments: ["babeld", "iptables", "iproute2", "wireguard-tools", "wireguard-go",
                      "libmnl0", "libsodium23", "libip4tc2", "libip6tc2", "libsqlite3-0",
                      // mmfd and l3roamd, built in their own stage
                      "libjson-c5", "libnl-3-200", "libnl-genl-3-200"])
    func runtimeStageInstalls(package: String) throws {
        let runtime = try #require(try Self.stages().last)
        #expect(runtime.from == "debian:bookworm-slim")
        #expect(runtime.installedPackages.contains(package))
    }

    @Test func runtimeStageNeverInstallsRecommends() throws {
        let runtime = try #require(try Self.stages().last)
        let installs = runtime.instructions.filter { $0.contains("apt-get install") }
        #expect(!installs.isEmpty)
        #expect(installs.allSatisfy { $0.contains("--no-install-recommends") }, "wireguard-tools would pull a kernel")
    }

    /// The build stage installs the C libraries scripts/setup installs for local builds.
    @Test func buildStageInstallsTheCLibrariesOfScriptsSetup() throws {
        let setup = try Self.read("scripts/setup")
        let line = try #require(setup.split(separator: "\n").first { $0.contains("the C libraries gatewayd links") })
        let libraries = line.split(whereSeparator: \.isWhitespace).map(String.init).filter { $0.hasSuffix("-dev") }
        #expect(libraries.count >= 3)
        let build = try Self.stage(running: "swift build")
        for library in libraries + ["pkg-config"] {
            #expect(build.installedPackages.contains(library), "\(library)")
        }
        #expect(build.installedPackages.contains("libsqlite3-dev"), "GRDB links the system SQLite")
        #expect(build.instructions.contains { $0.contains("--static-swift-stdlib") && $0.contains("--product gatewayd") })
    }

    @Test func meshDaemonsAreBuiltFromPinnedCommits() throws {
        let mesh = try Self.stage(running: "cmake")
        for name in ["MMFD_COMMIT", "L3ROAMD_COMMIT"] {
            let argument = try #require(mesh.instructions.first { $0.hasPrefix("ARG \(name)=") }, "\(name)")
            let commit = argument.dropFirst("ARG \(name)=".count)
            #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(argument): a full commit id")
        }
    }

    @Test func entrypointIsGatewaydRun() throws {
        let runtime = try #require(try Self.stages().last)
        let entrypoint = try #require(runtime.instructions.first { $0.hasPrefix("ENTRYPOINT ") })
        let arguments = try JSONDecoder().decode([String].self, from: Data(entrypoint.dropFirst("ENTRYPOINT ".count).utf8))
        #expect(arguments == ["gatewayd", "run"])
        #expect(runtime.instructions.contains("STOPSIGNAL SIGTERM"))
        let health = try #require(runtime.instructions.first { $0.hasPrefix("HEALTHCHECK ") }, "the container health probe")
        #expect(health.hasSuffix(#"CMD ["gwctl", "health", "--timeout", "4"]"#))
        #expect(runtime.instructions.contains { $0.hasPrefix("COPY --from=") && $0.contains("/out/gwctl") }, "gwctl is in the image")
        #expect(runtime.instructions.contains("VOLUME /var/lib/gatewayd"))
        #expect(runtime.instructions.contains { $0.contains("iptables-legacy") && $0.contains("ip6tables-legacy") },
                "libiptc writes legacy xtables: the image's iptables must show them")
    }

    @Test func composeRunsUnprivilegedOnTheHostNetwork() throws {
        let lines = try Self.read("docker/compose.yaml").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") }
        #expect(lines.contains { $0.replacingOccurrences(of: "\"", with: "") == "network_mode: host" })
        #expect(lines.contains("- NET_ADMIN"))
        #expect(lines.contains { $0.hasPrefix("- /dev/net/tun") })
        #expect(lines.contains { $0.hasPrefix("env_file:") })
        #expect(lines.contains { $0.hasSuffix(":/var/lib/gatewayd") })
        #expect(!lines.contains { $0.replacingOccurrences(of: " ", with: "") == "privileged:true" })
        #expect(!lines.contains { $0.hasPrefix("sysctls:") }, "Docker refuses net.* sysctls with network_mode host")
    }
}
