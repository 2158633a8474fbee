import Foundation

/// A network namespace set up as a gateway host: veth links standing in for WAN (wan0)
/// and a mesh link (mesh0), an env-file and state directories of its own; gatewayd runs
/// the real babeld 1.14, mmfd and l3roamd there.
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
        if let missing = MeshDaemon.missing { throw NetworkNamespace.Failure(description: missing) }
        try writeEnvFile()
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
            BABELD=\(MeshDaemon.babeld)
            MMFD=\(MeshDaemon.mmfd)
            L3ROAMD=\(MeshDaemon.l3roamd)
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

    /// `gatewayd SUBCOMMAND --env-file F ARGUMENTS...` run inside the namespace. wireguard-go
    /// keeps its UAPI sockets in /run/wireguard, one directory for the whole machine, and
    /// every gateway names its peers babel-wg-N: each test gateway gets a directory of its
    /// own, a tmpfs over /run/wireguard in the mount namespace `ip netns exec` makes anyway.
    func gatewaydCommand(_ subcommand: String, _ arguments: [String] = []) -> [String] {
        Self.gatewaydCommand(in: namespace, envFile: envFile, subcommand, arguments)
    }

    /// The same for any namespace and env-file (GatewayMesh's gateways).
    static func gatewaydCommand(in namespace: NetworkNamespace, envFile: URL, _ subcommand: String, _ arguments: [String] = []) -> [String] {
        ["ip", "netns", "exec", namespace.name, "sh", "-c",
         #"mkdir -p /run/wireguard && mount -t tmpfs -o mode=0755 gwtest /run/wireguard && exec "$0" "$@""#,
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

    /// What mmfd or l3roamd itself lists (`get_meshifs`); empty when it does not answer.
    func meshInterfaces(of daemon: String) throws -> Set<String> {
        let socket = directory.appendingPathComponent("\(daemon).sock").path
        let reply = try namespace.attempt(["sh", "-c", "echo get_meshifs | socat -t 2 - UNIX-CONNECT:\(socket)"]).stdout
        guard let data = reply.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String]] else { return [] }
        return Set(object["mesh_interfaces"] ?? [])
    }

    var babelSocket: String { directory.appendingPathComponent("run/babeld.sock").path }

    /// babeld's own `dump`.
    func babelDump() throws -> String {
        try namespace.attempt(["sh", "-c", "printf 'dump\\nquit\\n' | socat -t 2 - UNIX-CONNECT:\(babelSocket)"]).stdout
    }

    /// The interfaces babeld's `dump` shows up (`add interface IF up true`), placeholder aside.
    func babelInterfacesUp() throws -> Set<String> {
        Set(try babelDump().split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count > 4, words[0] == "add", words[1] == "interface", words[3] == "up", words[4] == "true" else { return nil }
            return String(words[2])
        })
    }

    /// The pid of the namespace's process with this name.
    func pid(of name: String) throws -> Int32? {
        try namespace.exec("ip", "netns", "pids", namespace.name).split(separator: "\n").compactMap { Int32($0) }.first {
            (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.hasPrefix(name) == true
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
                           "net/ipv4/conf/all/rp_filter", "net/ipv4/conf/mesh0/rp_filter", "net/ipv4/ip_local_reserved_ports"].map {
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
        // The host's own default route (l3roamd's SIGTERM handler deletes the main table's
        // ::/0: gatewayd must stop it in a way that leaves this alone).
        try namespace.exec(["ip", "-6", "route", "add", "default", "via", "fe80::ff", "dev", "wan0"])
    }
}

/// The lines only one of two snapshots has, for failure messages.
func lineDifference(_ before: String, _ after: String) -> String {
    let old = Set(before.split(separator: "\n")), new = Set(after.split(separator: "\n"))
    return "gone: \(old.subtracting(new).sorted()) new: \(new.subtracting(old).sorted())"
}
