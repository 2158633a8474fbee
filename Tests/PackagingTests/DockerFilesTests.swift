import Foundation
import Testing

/// docker/Dockerfile read as the builder reads it: these checks keep it consistent with the
/// repository and with what the code needs. scripts/image-test builds and runs it for real.
@Suite struct DockerFilesTests {
    static let root = RepositoryFiles.root

    static func read(_ path: String) throws -> String { try RepositoryFiles.read(path) }

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

    /// What gatewayd needs at run time: wireguard-go for the userspace backend, the tools
    /// to inspect the gateway, and the shared libraries it links (SQLite through GRDB).
    @Test(arguments: ["iptables", "iproute2", "wireguard-tools", "wireguard-go",
                      "libmnl0", "libsodium23", "libip4tc2", "libip6tc2", "libsqlite3-0",
                      // mmfd and l3roamd, built in the mesh stage (babeld needs only libc)
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

    /// The three daemons gatewayd starts come from the mesh stage, stripped; Debian's babeld
    /// (1.12.1 in bookworm) is not installed beside the pinned one.
    @Test func meshDaemonsComeFromTheMeshStage() throws {
        let stages = try Self.stages()
        let runtime = try #require(stages.last)
        let mesh = try Self.stage(running: "cmake")
        #expect(!runtime.installedPackages.contains("babeld"))
        let copy = try #require(runtime.instructions.first { $0.hasPrefix("COPY --from=\(mesh.name ?? "?") ") })
        for daemon in ["mmfd", "l3roamd", "babeld"] {
            #expect(copy.contains("/out/\(daemon) "), "\(daemon) is copied from the mesh stage")
        }
    }

    /// Every binary a stage installs into /out (the runtime's binaries) is installed with
    /// `-s` (scripts/image-test checks the image's for a symbol table).
    @Test(arguments: ["swift build", "cmake"])
    func binariesAreInstalledStripped(stage command: String) throws {
        let runs = try Self.stage(running: command).instructions.filter { $0.hasPrefix("RUN ") }.joined(separator: " ")
        let installs = runs.ranges(of: "install -D ").count
        #expect(installs >= 2)
        #expect(runs.ranges(of: "install -D -s ").count == installs, "\(runs)")
    }

    /// The mesh sources default to upstream: the stage a builder may replace is empty, and
    /// the mesh stage only reads it through a bind mount.
    @Test func meshSourcesStageIsEmptyAndMountedOnly() throws {
        let stages = try Self.stages()
        let sources = try #require(stages.first { $0.name == "mesh-sources" })
        #expect(sources.from == "scratch")
        #expect(sources.instructions.isEmpty)
        let mesh = try Self.stage(running: "cmake")
        #expect(mesh.instructions.contains { $0.hasPrefix("RUN --mount=type=bind,from=mesh-sources,target=/mesh-sources ") })
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
}
