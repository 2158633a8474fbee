import Foundation

/// A network namespace set up as a gateway host: veth links standing in for WAN (wan0)
/// and a mesh link (mesh0), an env-file and state directories of its own.
final class GatewayNamespace {
    let namespace: NetworkNamespace
    let directory: URL
    let envFile: URL

    init(_ prefix: String) throws {
        namespace = try NetworkNamespace.create(prefix: prefix)
        try namespace.exec("ip", "link", "set", "lo", "up")
        try namespace.addVeth("wan0")
        try namespace.addVeth("mesh0")
        // OWNIP lives on the host: babeld installs routes with it as pref-src, l3roamd binds it.
        try namespace.exec("ip", "-6", "addr", "add", "2001:db8:0:1::1/128", "dev", "lo")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(namespace.name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        envFile = directory.appendingPathComponent("env-file")
        try writeEnvFile()
        try installDoubles()
    }

    deinit {
        namespace.delete()
        try? FileManager.default.removeItem(at: directory)
    }

    func writeEnvFile(extra: String = "") throws {
        try """
            WHOLENET=2001:db8::/40
            NODEPREFIX=2001:db8:0:1::/64
            CLIENTPREFIX=2001:db8:0:2::/64
            NEXTNODE=2001:db8:0:2::1
            OWNIP=2001:db8:0:1::1
            WAN=wan0
            MESHIFS=mesh0
            PRIVATEKEY=\(directory.path)/private.key
            RUNDIR=\(directory.path)/run
            STATEDIR=\(directory.path)/state
            MMFD=\(directory.path)/bin/mmfd
            L3ROAMD=\(directory.path)/bin/l3roamd
            MMFDSOCK=\(directory.path)/mmfd.sock
            L3ROAMDSOCK=\(directory.path)/l3roamd.sock
            CONTROLSOCKET=\(controlSocket)
            \(extra)
            """.write(to: envFile, atomically: true, encoding: .utf8)
    }

    var controlSocket: String { directory.appendingPathComponent("gatewayd.sock").path }

    /// `gwctl ARGUMENTS... --socket` this gateway's control socket (a path, so no netns needed).
    @discardableResult
    func gwctl(_ arguments: String...) throws -> Command.Output {
        try Command.run([BuiltProduct.path("gwctl")] + arguments + ["--socket", controlSocket])
    }

    /// `gwctl ... --json`, decoded.
    func gwctlJSON<Value: Decodable>(_ type: Value.Type, _ arguments: String...) throws -> Value {
        let output = try Command.run([BuiltProduct.path("gwctl")] + arguments + ["--json", "--socket", controlSocket])
        guard output.status == 0 else { throw Command.Failed(command: ["gwctl"] + arguments, output: output) }
        return try JSONDecoder().decode(type, from: Data(output.stdout.utf8))
    }

    func gatewayd(_ subcommand: String) throws -> Command.Output {
        try Command.run(gatewaydCommand(subcommand))
    }

    /// `gatewayd SUBCOMMAND --env-file F ARGUMENTS...` run inside the namespace; the mesh
    /// daemon doubles it starts record what they receive under `doubleRecord`.
    func gatewaydCommand(_ subcommand: String, _ arguments: [String] = []) -> [String] {
        ["env", "MESH_DOUBLE_RECORD=\(doubleRecord)", "ip", "netns", "exec", namespace.name,
         BuiltProduct.path("gatewayd"), subcommand, "--env-file", envFile.path] + arguments
    }

    /// The same, as PID 1 of a PID namespace of its own, as in a container: when gatewayd
    /// dies, the kernel ends its children too. If unshare itself is terminated (a test
    /// finishing), it passes SIGTERM on, so gatewayd still shuts down in order.
    func gatewaydCommandAsPid1(_ subcommand: String, _ arguments: [String] = []) -> [String] {
        var command = gatewaydCommand(subcommand, arguments)
        let gatewayd = command.firstIndex(of: BuiltProduct.path("gatewayd"))!
        command.insert(contentsOf: ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGTERM"], at: gatewayd)
        return command
    }

    /// The host pid of `gatewayd` started with `gatewaydCommandAsPid1` under `launcher`.
    static func pid1(under launcher: Int32) -> Int32? {
        ProcessTable.children(of: launcher).first { $0.command == "gatewayd" }?.pid
    }

    var doubleRecord: String { directory.appendingPathComponent("record").path }

    /// What a mesh daemon double received, line by line, `start PID` lines included.
    func received(by daemon: String) -> [String] {
        ((try? String(contentsOfFile: "\(doubleRecord).\(daemon)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// mmfd and l3roamd are doubles (no registry ships them): the double under each name
    /// (it tells the two apart by that name), behind a wrapper that names its record file —
    /// gatewayd hands its children no environment of its own beyond PATH.
    func installDoubles() throws {
        let bin = directory.appendingPathComponent("bin"), named = bin.appendingPathComponent("double")
        try FileManager.default.createDirectory(at: named, withIntermediateDirectories: true)
        for name in ["mmfd", "l3roamd"] {
            try FileManager.default.createSymbolicLink(atPath: named.appendingPathComponent(name).path,
                                                       withDestinationPath: BuiltProduct.path("mesh-daemon-double"))
            let wrapper = bin.appendingPathComponent(name)
            try "#!/bin/sh\nMESH_DOUBLE_RECORD='\(doubleRecord)' exec '\(named.path)/\(name)' \"$@\"\n"
                .write(to: wrapper, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        }
    }

    /// Everything of the namespace's state gatewayd could touch, counters and dates removed.
    func snapshot() throws -> String {
        let saves = try ["ip6tables-legacy-save", "iptables-legacy-save"].map { tool in
            try namespace.exec([tool]).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
                .map { $0.replacingOccurrences(of: #"\[\d+:\d+\]"#, with: "[0:0]", options: .regularExpression) }
                .joined(separator: "\n")
        }
        let sysctls = try ["net/ipv6/conf/all/forwarding", "net/ipv6/conf/all/accept_redirects",
                           "net/ipv4/conf/all/rp_filter", "net/ipv4/conf/mesh0/rp_filter"].map {
            "\($0)=\(try namespace.exec(["cat", "/proc/sys/\($0)"]))"
        }
        return ([try namespace.exec(["ip", "-6", "rule"]),
                 try namespace.exec(["ip", "-6", "route", "show", "table", "all"])] + saves + sysctls)
            .joined(separator: "\n")
    }

    /// An operator's own state, which gatewayd must leave alone; also makes the legacy
    /// tables exist before the first snapshot, as on any real host.
    func addOperatorState() throws {
        for tool in ["ip6tables-legacy", "iptables-legacy"] {
            try namespace.exec([tool, "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"])
            try namespace.exec([tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--dport", "25", "-j", "ACCEPT"])
        }
        try namespace.exec(["ip", "-6", "rule", "add", "to", "2001:db8:ff::/48", "lookup", "100", "pref", "10"])
    }
}

/// The lines only one of two snapshots has, for failure messages.
func lineDifference(_ before: String, _ after: String) -> String {
    let old = Set(before.split(separator: "\n")), new = Set(after.split(separator: "\n"))
    return "gone: \(old.subtracting(new).sorted()) new: \(new.subtracting(old).sorted())"
}
