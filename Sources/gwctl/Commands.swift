import ArgumentParser
import GatewayControl

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "gatewayd, host plan, daemons, broker and uplink at a glance.")

    @OptionGroup var client: ClientOptions

    func run() throws {
        try client.show(try client.send(ControlRequest(.status), expecting: \.status), StatusText.render)
    }
}

struct Peers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The WireGuard peers the broker provisioned.", subcommands: [List.self, Show.self, Remove.self, Sweep.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One row per peer.")

        enum SortKey: String, ExpressibleByArgument, CaseIterable {
            case interface, port, key, handshake, rx, tx
        }

        @OptionGroup var client: ClientOptions
        @Option(help: "Only peers whose node key starts with this.")
        var keyPrefix: String?
        @Option(help: "Sort by \(SortKey.allCases.map(\.rawValue).joined(separator: ", ")).")
        var sort: SortKey = .interface

        func run() throws {
            let peers = PeerTable.sorted(
                (try client.send(ControlRequest(.peers)).peers ?? []).filter { $0.publicKey.hasPrefix(keyPrefix ?? "") }, by: sort)
            try client.show(peers, PeerTable.render)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One peer, by node key or interface.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The node's public key or the interface (babel-wg-N).")
        var peer: String

        func run() throws {
            try client.show(try client.peer(.peerShow, peer), PeerTable.details)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deregister a peer from the daemons and delete its interface; the node may ask again.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The node's public key or the interface (babel-wg-N).")
        var peer: String

        func run() throws {
            try client.show(try client.peer(.peerRemove, peer)) { "removed \($0.interface) (port \($0.port), \($0.publicKey))" }
        }
    }
}

extension Peers {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the idle sweep now: remove peers idle past IDLETIMEOUT or that never handshook across two sweeps.")

        @OptionGroup var client: ClientOptions
        @Flag(help: "Only show which peers the sweep would remove now; change nothing.")
        var dryRun = false

        func run() throws {
            try client.show(try client.send(ControlRequest(.sweep, dryRun: dryRun), expecting: \.sweep), StatusText.render)
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the env-file and key lists and apply only what changed (as SIGHUP).")

    @OptionGroup var client: ClientOptions

    func run() throws {
        try client.show(try client.send(ControlRequest(.reload), expecting: \.reload), StatusText.render)
    }
}

struct Services: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The supervised daemons.", subcommands: [Restart.self])

    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart one daemon; its mesh interfaces are registered again once it is ready.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "babeld, mmfd or l3roamd.")
        var name: String

        func run() throws {
            _ = try client.send(ControlRequest(.serviceRestart, service: name))
            try client.show(["restarted": name]) { _ in "restarted \(name)" }
        }
    }
}

struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the gateway is ready (host plan applied, daemons ready, broker open); the container health probe.")

    @OptionGroup var client: ClientOptions
    @Flag(help: "Only check that gatewayd's supervisor answers.")
    var liveness = false

    func run() throws {
        let health = try client.send(ControlRequest(.health, liveness: liveness), expecting: \.health)
        if client.json {
            try Output.json(health)
        } else {
            Output.line(health.healthy ? "healthy (\(health.check))" : "unhealthy (\(health.check)):")
            for reason in health.reasons { Output.line("  - \(reason)") }
        }
        if !health.healthy { throw GwctlExit.unhealthy }
    }
}
