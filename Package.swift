// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gatewayd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
                "CMnl", "CSodium", "CGatewayShims", "GatewayCore",
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
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GatewayCore", "GatewaySystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test double for mmfd and l3roamd, which no registry here ships: their real control protocols.
        .executableTarget(name: "mesh-daemon-double", path: "Tests/Doubles/MeshDaemonDouble"),
        .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore"]),
        .testTarget(
            name: "GatewaySystemTests",
            dependencies: [
                "GatewaySystem", "GatewayCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "IntegrationTests", dependencies: ["GatewaySystem", "GatewayCore"]),
    ],
    swiftLanguageModes: [.v6]
)
