// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gatewayd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .executable(name: "gwctl", targets: ["gwctl"]),
    ],
    // Exact versions: every build (the tests', the image's) resolves the same code. No
    // Package.resolved is committed, so these pins are what fixes it. The packages these
    // depend on (swift-atomics, swift-collections, swift-system) follow those packages' own
    // ranges: pinning them here would declare dependencies no target uses.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // System libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl"),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium"),
        .systemLibrary(name: "CIPTC", pkgConfig: "libip6tc"),
        // What Swift cannot import: macros, flexible arrays, xtables entries.
        // libiptc is only reached through it, so its link flags are stated here.
        .target(
            name: "CGatewayShims", dependencies: ["CMnl", "CIPTC"],
            linkerSettings: [.linkedLibrary("ip4tc"), .linkedLibrary("ip6tc")]
        ),
        // The only Swift code that touches the C modules.
        .target(
            name: "GatewaySystem",
            dependencies: [
                "CMnl", "CSodium", "CGatewayShims", "GatewayCore", "GatewayControl",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Pure logic behind protocols.
        .target(
            name: "GatewayCore",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The control protocol, shared by gatewayd and gwctl: one definition of every message.
        .target(name: "GatewayControl", dependencies: ["GatewayCore"]),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GatewayCore", "GatewaySystem", "GatewayControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The operator's tool and the container's health probe.
        .executableTarget(
            name: "gwctl",
            dependencies: ["GatewayControl", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore"]),
        .testTarget(
            name: "GatewaySystemTests",
            dependencies: [
                "GatewaySystem", "GatewayCore", "GatewayControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Running a program from a test and reading what it printed: the integration and
        // packaging suites share it.
        .target(name: "TestCommand", path: "Tests/Support/TestCommand"),
        .testTarget(name: "IntegrationTests", dependencies: ["GatewaySystem", "GatewayCore", "GatewayControl", "TestCommand"]),
        // The container image's files and the pins shared with scripts/ (read, not built:
        // scripts/image-test builds and runs the image).
        .testTarget(name: "PackagingTests", dependencies: ["GatewayCore", "TestCommand"]),
    ],
    swiftLanguageModes: [.v6]
)
