import Foundation
import GatewayControl
import Testing

/// `gatewayd run` supervising the real babeld 1.14, mmfd and l3roamd: a killed daemon comes
/// back with every mesh interface registered again, and a registration counts only once
/// the daemon itself lists the interface.
@Suite(.enabled(if: Requirement.isRoot, Requirement.rootReason))
final class SupervisorIntegrationTests {
    let gateway: GatewayNamespace
    var namespace: NetworkNamespace { gateway.namespace }

    init() throws {
        gateway = try GatewayNamespace("gwtest-sup")
        try namespace.addVeth("mesh1")
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nBACKOFFMAX=2")
    }

    func start(expecting interfaces: Set<String> = ["mesh0", "mesh1"]) async throws -> BackgroundProcess {
        let run = try BackgroundProcess(gateway.gatewaydCommand("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        let ready = try await eventually(timeout: .seconds(20)) { try self.everyDaemonHolds(interfaces) }
        #expect(ready, "every daemon lists \(interfaces.sorted()): \(run.output)")
        return run
    }

    /// babeld has them up, mmfd and l3roamd list them: each daemon's own account.
    func everyDaemonHolds(_ interfaces: Set<String>) throws -> Bool {
        try babelInterfaces() == interfaces && registered(with: "mmfd") == interfaces && registered(with: "l3roamd") == interfaces
    }

    func babelInterfaces() throws -> Set<String> { try gateway.babelInterfacesUp().filter { $0 != "gwd-placeholder" } }
    func registered(with daemon: String) throws -> Set<String> { try gateway.meshInterfaces(of: daemon) }
    func pid(of name: String) throws -> Int32? { try gateway.pid(of: name) }

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
            kill(old, SIGKILL)
            let killed = ContinuousClock.now
            let replayed = try await eventually(timeout: .seconds(15)) {
                try pid(of: daemon).map { $0 != old } == true && registered(with: daemon) == ["mesh0", "mesh1"]
            }
            #expect(replayed, "\(daemon): \(run.output)")
            print("\(daemon) crash → ready and replayed: \(ContinuousClock.now - killed)")
        }
        let confirmed = try await eventually(timeout: .seconds(10)) {
            let mesh = try self.gateway.gwctlJSON(GatewayStatus.self, "status").mesh
            return mesh?.daemons.map(\.name) == ["babeld", "mmfd", "l3roamd"]
                && mesh?.daemons.allSatisfy { $0.confirmed == 2 && $0.missing.isEmpty } == true
        }
        #expect(confirmed, "\((try? gateway.gwctl("status").stdout) ?? "")")
    }

    /// The real daemons drop a MESHIFS interface that does not exist yet (mmfd: "Could not
    /// add device", l3roamd: "ignoring unknown mesh-interface"). gatewayd must not count
    /// that as registered: health says so, and once the link appears all three hold it.
    @Test func aMeshInterfaceCreatedAfterStartIsRegisteredWithEveryDaemon() async throws {
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 backbone0\nBACKOFFMAX=2")
        let run = try await start(expecting: ["mesh0"])
        let missing = try await eventually(timeout: .seconds(10)) {
            let health = try self.gateway.gwctl("health")
            return health.status == 1 && health.stdout.contains("mmfd does not hold backbone0")
                && health.stdout.contains("l3roamd does not hold backbone0")
        }
        #expect(missing, "\((try? gateway.gwctl("health").stdout) ?? "") \(run.output)")
        let status = try gateway.gwctlJSON(GatewayStatus.self, "status")
        #expect(status.mesh?.daemons.first { $0.name == "mmfd" }?.missing == ["backbone0"])

        try namespace.addVeth("backbone0")
        let created = ContinuousClock.now
        #expect(try await eventually(timeout: .seconds(15)) { try self.everyDaemonHolds(["mesh0", "backbone0"]) }, "\(run.output)")
        print("MESHIFS link created → held by all three daemons: \(ContinuousClock.now - created)")
        #expect(try await eventually(timeout: .seconds(5)) { try self.gateway.gwctl("health").status == 0 },
                "\((try? gateway.gwctl("health").stdout) ?? "")")

        // Deleted and created again (a new link, a new index): mmfd, which keeps the old
        // link's index, is told again; the others follow links themselves.
        try namespace.exec("ip", "link", "del", "backbone0")
        try namespace.addVeth("backbone0")
        #expect(await eventually(timeout: .seconds(15)) { run.output.components(separatedBy: "backbone0 appeared").count - 1 >= 2 },
                "\(run.output)")
        #expect(try await eventually(timeout: .seconds(15)) { try self.everyDaemonHolds(["mesh0", "backbone0"]) }, "\(run.output)")
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
            ["ip", "netns", "exec", node.name, MeshDaemon.babeld, "-I", "", "-S", gateway.directory.appendingPathComponent("node-state").path,
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
            exec \(MeshDaemon.l3roamd) "$@"
            """.write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        try gateway.writeEnvFile(extra: "MESHIFS=mesh0 mesh1\nL3ROAMD=\(wrapper.path)")
        try gateway.addOperatorState()
        let before = try gateway.snapshot()

        let run = try BackgroundProcess(gateway.gatewaydCommandAsPid1("run"), logFile: gateway.directory.appendingPathComponent("run.log"))
        #expect(try await eventually(timeout: .seconds(20)) { try registered(with: "l3roamd") == ["mesh0", "mesh1"] }, "\(run.output)")
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

    /// MESHIFS changed by a reload: the daemons restart with the new set and gatewayd's
    /// account follows (a dropped interface is neither expected nor missing); new options
    /// for peer tunnels restart babeld, which keeps an interface's options while it has it.
    @Test func aReloadChangesTheMeshInterfacesAndTheirOptions() async throws {
        let run = try await start()
        try gateway.writeEnvFile(extra: "MESHIFS=mesh1\nBACKOFFMAX=2")
        let report = try gateway.gwctlJSON(ReloadReport.self, "reload")
        #expect(Set(report.restarted) == ["babeld", "mmfd", "l3roamd"], "\(report)")
        #expect(try await eventually(timeout: .seconds(20)) { try self.everyDaemonHolds(["mesh1"]) }, "\(run.output)")
        let settled = try await eventually(timeout: .seconds(10)) {
            let mesh = try self.gateway.gwctlJSON(GatewayStatus.self, "status").mesh
            return mesh?.interfaces == 1 && mesh?.daemons.count == 3 && mesh?.daemons.allSatisfy { $0.confirmed == 1 && $0.missing.isEmpty } == true
        }
        #expect(settled, "\((try? gateway.gwctl("status").stdout) ?? "")")
        #expect(try gateway.gwctl("health").status == 0, "\((try? gateway.gwctl("health").stdout) ?? "")")

        let babeld = try #require(try pid(of: "babeld"))
        try gateway.writeEnvFile(extra: "MESHIFS=mesh1\nBACKOFFMAX=2\nBABELPEERIFOPTIONS=type tunnel")
        #expect(try gateway.gwctlJSON(ReloadReport.self, "reload").restarted == ["babeld"])
        #expect(try await eventually(timeout: .seconds(20)) { try self.pid(of: "babeld").map { $0 != babeld } == true && self.everyDaemonHolds(["mesh1"]) })
    }
}
