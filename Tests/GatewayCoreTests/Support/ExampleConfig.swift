import GatewayCore

/// wg-docker's example configuration (its prefixes, with a valid key source and one static mesh interface).
enum ExampleConfig {
    static let wgDocker = GatewayConfig(
        wholeNet: IPv6Prefix("2a06:8187:fb00::/40")!,
        nodePrefix: IPv6Prefix("2a06:8187:fbab:1::/64")!,
        clientPrefix: IPv6Prefix("2a06:8187:fbab:2::/64")!,
        nextNode: IPv6Address("2a06:8187:fbab:2::1")!,
        ownIP: IPv6Address("fd9c:b2b9:17d8:0:61cc:7dd6:ca1c:8896")!,
        wan: "eth0",
        meshInterfaces: ["mesh0"]
    )
}
