import Foundation
import Testing

/// WGSECRET, given in the environment as a container would, must reach no output path:
/// not the log (DEBUG on), `gatewayd check`, any gwctl reply, the metrics, the errors of
/// a broken env-file, nor the environment of any child (`/proc/PID/environ`). Searched
/// for in base64 (with and without padding) and in hex, as the UAPI socket would carry it.
@Suite(.serialized, .enabled(if: Requirement.isRoot, Requirement.rootReason))
final class SecretExposureTests {
    let gateway: GatewayNamespace
    let node: MeshNode
    let secret: String
    let forms: [String]

    init() throws {
        gateway = try GatewayNamespace("gwtest-sec")
        node = try MeshNode(linkedTo: gateway)
        secret = try MeshNode.keyPair().secret
        let bytes = try #require(Data(base64Encoded: secret))
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        forms = [secret, String(secret.dropLast()), hex, hex.uppercased()]
        try gateway.writeEnvFile(extra: "WAN=wan1\nWG_BACKEND=userspace\nDEBUG=true\nMETRICS_LISTEN=127.0.0.1:9185")
    }

    func expectNoSecret(in text: String, _ what: String, quoting: Bool = true) {
        for form in forms { #expect(!text.contains(form), "\(what) shows the key\(quoting ? ":\n" + text : "")") }
    }

    /// `env WGSECRET=… ` in front of a gatewayd command line.
    func withSecret(_ command: [String]) -> [String] {
        ["env", "WGSECRET=\(secret)"] + command
    }

    static func descendants(of pid: Int32) -> [Int32] {
        ProcessTable.children(of: pid).flatMap { [$0.pid] + descendants(of: $0.pid) }
    }

    @Test func theKeyReachesNoOutputAndNoChild() async throws {
        let check = try Command.run(withSecret(gateway.gatewaydCommand("check")))
        #expect(check.status == 0, "\(check.stderr)")
        expectNoSecret(in: check.stdout + check.stderr, "gatewayd check")

        let run = try BackgroundProcess(withSecret(gateway.gatewaydCommandAsPid1("run")),
                                        logFile: gateway.directory.appendingPathComponent("run.log"))
        #expect(await eventually(timeout: .seconds(20)) { run.output.contains("broker open") }, "\(run.output)")
        #expect(try node.request(try MeshNode.keyPair().public)["port"] as? Int == 40000)

        var children: [Int32] = []
        #expect(await eventually(timeout: .seconds(10)) {
            children = Self.descendants(of: run.pid)
            return children.contains { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.hasPrefix("wireguard-go") == true }
        }, "a wireguard-go child runs")
        #expect(children.count >= 4, "gatewayd, babeld, mmfd, l3roamd, wireguard-go")
        for pid in children {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let text = String(decoding: environ, as: UTF8.self)
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?"
            if comm.hasPrefix("gatewayd") { continue }  // its own environment is where the key came from
            #expect(!text.contains("WGSECRET"), "\(comm) inherited WGSECRET")
            expectNoSecret(in: text, "/proc/\(pid)/environ (\(comm))", quoting: false)
        }

        for arguments in [["status"], ["status", "--json"], ["peers", "list"], ["peers", "list", "--json"],
                          ["peers", "show", "babel-wg-1", "--json"], ["health"], ["reload"], ["peers", "sweep", "--dry-run"]] {
            let output = try Command.run([BuiltProduct.path("gwctl")] + arguments + ["--socket", gateway.controlSocket])
            expectNoSecret(in: output.stdout + output.stderr, "gwctl \(arguments.joined(separator: " "))")
        }
        let metrics = try gateway.namespace.exec("sh", "-c", "printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' | socat -t 5 - TCP4:127.0.0.1:9185")
        #expect(metrics.contains("gatewayd_peers 1"), "\(metrics)")
        expectNoSecret(in: metrics, "metrics")
        // The log is complete once gatewayd (PID 1 under unshare, which ignores SIGTERM) has stopped.
        kill(try #require(GatewayNamespace.pid1(under: run.pid)), SIGTERM)
        #expect(await run.waitForExit(timeout: .seconds(30)) != nil, "\(run.output)")
        expectNoSecret(in: run.output, "the log")
    }

    /// A broken or Windows-saved env-file holding the key on a line that does not parse.
    @Test(arguments: ["WGSECRET:KEY", "WGSECRET KEY", "KEY", "WGSECRT=KEY", "WGSECRET=\"KEY", "CRLF"])
    func envFileErrorsNeverShowTheKey(line: String) throws {
        let base = try String(contentsOf: gateway.envFile, encoding: .utf8) + "\n"
        let text = line == "CRLF"
            ? (base + "WGSECRET=\(secret)\nMTU=1\n").replacingOccurrences(of: "\n", with: "\r\n")
            : base + line.replacingOccurrences(of: "KEY", with: secret) + "\nMTU=1\n"
        try text.write(to: gateway.envFile, atomically: true, encoding: .utf8)
        let check = try Command.run(gateway.gatewaydCommand("check"))
        #expect(check.status == 78, "MTU=1 is invalid: \(check.stderr)")
        #expect(check.stderr.contains("MTU"), "\(check.stderr)")
        expectNoSecret(in: check.stdout + check.stderr, "gatewayd check of \(line)")
    }
}
