import Foundation
import Testing

/// `gatewayd run` supervising real babeld and the mmfd/l3roamd doubles: a killed daemon
/// comes back with every mesh interface registered again.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
final class SupervisorIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }
    var babelSocket: String { gateway.directory.appendingPathComponent("run/babeld.sock").path }

    init() throws {
        gateway = try GatewayNamespace("gwtest-sup")
        try namespace.addVeth("mesh1")
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nBACKOFFMAX=2")
    }

    func start() async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        let ready = try await eventually(timeout: .seconds(15)) {
            try babelInterfaces() == ["mesh0", "mesh1"] && registered(with: "mmfd") == ["mesh0", "mesh1"]
        }
        #expect(ready, "babeld and mmfd got both interfaces: \(run.output)")
        return run
    }

    /// The interfaces babeld's own `dump` lists (placeholders aside).
    func babelInterfaces() throws -> Set<String> {
        let dump = try Command.run(["ip", "netns", "exec", namespace.name, "sh", "-c",
                                    "printf 'dump\\nquit\\n' | socat -t 1 - UNIX-CONNECT:\(babelSocket)"]).stdout
        return Set(dump.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count > 2, words[0] == "add", words[1] == "interface", words[2].hasPrefix("mesh") else { return nil }
            return String(words[2])
        })
    }

    /// What a mesh daemon double itself reports (`get_meshifs`), as upstream formats it.
    func registered(with daemon: String) throws -> Set<String> {
        let socket = gateway.directory.appendingPathComponent("\(daemon).sock").path
        let reply = try Command.run(["ip", "netns", "exec", namespace.name, "sh", "-c",
                                     "echo get_meshifs | socat -t 1 - UNIX-CONNECT:\(socket)"]).stdout
        guard let data = reply.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String]] else { return [] }
        return Set(object["mesh_interfaces"] ?? [])
    }

    /// The pid of the namespace's process with this name.
    func pid(of name: String) throws -> Int32? {
        try namespace.exec("ip", "netns", "pids", namespace.name).split(separator: "\n").compactMap { Int32($0) }.first {
            (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.hasPrefix(name) == true
        }
    }

    @Test func killedBabeldComesBackWithEveryMeshInterface() async throws {
        let run = try await start()
        let old = try #require(try pid(of: "babeld"))
        kill(old, SIGKILL)
        let killed = ContinuousClock.now
        let back = try await eventually(timeout: .seconds(15)) {
            try pid(of: "babeld").map { $0 != old } == true && babelInterfaces() == ["mesh0", "mesh1"]
        }
        #expect(back, "\(run.output)")
        print("babeld crash → ready and replayed: \(ContinuousClock.now - killed)")
        #expect(run.output.contains("babeld killed by signal 9"))
    }

    @Test func aRestartedMeshDaemonGetsExactlyTheLiveInterfaceSet() async throws {
        let run = try await start()
        for daemon in ["mmfd", "l3roamd"] {
            let old = try #require(try pid(of: daemon))
            let startsBefore = gateway.received(by: daemon).filter { $0.hasPrefix("start ") }.count
            kill(old, SIGKILL)
            let killed = ContinuousClock.now
            // What the new instance received since it started: the readiness probe, then the
            // replay. Until the new one has recorded its start, the tail is the old one's.
            let replays = { () -> Set<String>? in
                let record = self.gateway.received(by: daemon)
                guard record.filter({ $0.hasPrefix("start ") }).count > startsBefore else { return nil }
                return Set(record.reversed().prefix { !$0.hasPrefix("start ") }.filter { $0.hasPrefix("add_meshif") })
            }
            let replayed = try await eventually(timeout: .seconds(15)) {
                try pid(of: daemon).map { $0 != old } == true && replays() == ["add_meshif mesh0", "add_meshif mesh1"]
            }
            #expect(replayed, "\(daemon): \(gateway.received(by: daemon)) \(run.output)")
            print("\(daemon) crash → ready and replayed: \(ContinuousClock.now - killed)")
            #expect(try registered(with: daemon) == ["mesh0", "mesh1"], "the daemon's own list equals the live set")
        }
    }

    @Test func aCrashLoopingDaemonIsRestartedOnlyAsTheBackoffAllows() async throws {
        // An l3roamd that exits at once: with RESTARTLIMIT=3 and ONFAILURE=exit, gatewayd gives
        // up after 1 s + 2 s of backoff and exits 69, having torn the host down.
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nL3ROAMD=/bin/false\nRESTARTLIMIT=3\nONFAILURE=exit")
        try gateway.addOperatorState()
        let before = try gateway.snapshot()
        let started = ContinuousClock.now
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        let status = await run.waitForExit(timeout: .seconds(30))
        #expect(status == 69, "\(run.output)")
        #expect(ContinuousClock.now - started >= .seconds(3), "two backoffs of 1 s and 2 s lie between the three failures")
        #expect(run.output.components(separatedBy: "started l3roamd").count - 1 == 3)
        let after = try gateway.snapshot()
        #expect(after == before, "\(lineDifference(before, after))")
    }

    @Test func routesConvergeAgainAfterBabeldRestarts() async throws {
        let node = try NetworkNamespace.create(prefix: "gwtest-node")
        defer { node.delete() }
        try node.exec("ip", "link", "set", "lo", "up")
        try node.exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
        try namespace.exec("ip", "link", "add", "meshn", "type", "veth", "peer", "name", "uplink")
        try namespace.exec("ip", "link", "set", "uplink", "netns", node.name)
        try namespace.exec("ip", "link", "set", "meshn", "up")
        try node.exec("ip", "link", "set", "uplink", "up")
        try node.exec("ip", "-6", "addr", "add", "2001:db8:0:1::5/128", "dev", "lo")
        try gateway.writeEnvFile(extra: "MESHIFS=meshn\nBACKOFFMAX=2")
        let nodeBabel = try BackgroundProcess(
            ["ip", "netns", "exec", node.name, "babeld", "-I", "", "-S", gateway.directory.appendingPathComponent("node-state").path,
             "-C", "interface uplink type wired hello-interval 1"],
            logFile: gateway.directory.appendingPathComponent("node-babeld.log"))
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        // An empty table 10 does not exist for `ip`, hence `attempt`.
        let learned = { try self.namespace.attempt(["ip", "-6", "route", "show", "table", "10"]).stdout.contains("2001:db8:0:1::5 via fe80::") }
        #expect(try await eventually(timeout: .seconds(30)) { try learned() }, "\(run.output)\n\(nodeBabel.output)")

        let old = try #require(try pid(of: "babeld"))
        kill(old, SIGKILL)
        // A killed babeld leaves its routes behind; remove the learned one so only a new babeld can bring it back.
        try await Task.sleep(for: .milliseconds(100))
        try namespace.exec("ip", "-6", "route", "flush", "table", "10")
        let killed = ContinuousClock.now
        #expect(try await eventually(timeout: .seconds(30)) { try learned() }, "\(run.output)")
        print("babeld crash → route from the node learned again: \(ContinuousClock.now - killed)")
    }

    /// As the container's PID 1 (`unshare --pid --fork --mount-proc`), gatewayd reaps an
    /// orphaned grandchild and ends its shutdown on SIGTERM with status 0.
    @Test func asPid1ItReapsOrphansAndStopsCleanlyOnSigterm() async throws {
        // An l3roamd whose launcher leaves an orphan behind: `sleep` outlives its parent subshell.
        let wrapper = gateway.directory.appendingPathComponent("wrap/l3roamd")
        try FileManager.default.createDirectory(at: wrapper.deletingLastPathComponent(), withIntermediateDirectories: true)
        try """
            #!/bin/sh
            ( sleep 1 & )
            exec \(gateway.directory.path)/bin/l3roamd "$@"
            """.write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nL3ROAMD=\(wrapper.path)")
        try gateway.addOperatorState()
        let before = try gateway.snapshot()

        let run = try BackgroundProcess(gateway.gatewaydCommandAsPid1("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        #expect(try await eventually(timeout: .seconds(15)) { try registered(with: "l3roamd") == ["mesh0", "mesh1"] }, "\(run.output)")
        let pid1 = try #require(GatewayNamespace.pid1(under: run.pid), "gatewayd under unshare")
        #expect(try String(contentsOfFile: "/proc/\(pid1)/status", encoding: .utf8).contains("NSpid:\t\(pid1)\t1"),
                "gatewayd is PID 1 of its namespace")

        try await Task.sleep(for: .seconds(2))  // the orphaned sleep has ended by now
        #expect(ProcessTable.children(of: pid1).filter { $0.state.hasPrefix("Z") }.isEmpty, "no zombie under PID 1")
        #expect(ProcessTable.children(of: pid1).contains { $0.command == "sleep" } == false)

        kill(pid1, SIGTERM)
        let status = await run.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(run.output)")
        let after = try gateway.snapshot()
        #expect(after == before, "\(lineDifference(before, after))")
    }

    /// SIGHUP re-reads the env-file: a daemon whose command line changed is restarted and
    /// replayed, the others keep running untouched; an invalid file changes nothing.
    @Test func sighupRestartsOnlyTheDaemonWhoseCommandLineChanged() async throws {
        let run = try await start()
        let babeld = try #require(try pid(of: "babeld"))
        let mmfd = try #require(try pid(of: "mmfd"))

        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nBACKOFFMAX=2\nMTU=100")
        run.signal(SIGHUP)
        #expect(await eventually(timeout: .seconds(10)) { run.output.contains("reload rejected") }, "\(run.output)")
        #expect(try pid(of: "babeld") == babeld)

        // NEXTNODE appears in babeld's filters only.
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nBACKOFFMAX=2\nNEXTNODE=2001:db8:0:2::2")
        run.signal(SIGHUP)
        let restarted = try await eventually(timeout: .seconds(15)) {
            try pid(of: "babeld").map { $0 != babeld } == true && babelInterfaces() == ["mesh0", "mesh1"]
        }
        #expect(restarted, "\(run.output)")
        #expect(run.output.contains(#"restarted=["babeld"] [gatewayd] configuration reloaded"#))
        #expect(try pid(of: "mmfd") == mmfd, "mmfd's command line did not change")
    }
}
