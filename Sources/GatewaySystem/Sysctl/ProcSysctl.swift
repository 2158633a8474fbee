import Foundation
import GatewayCore

/// Sysctls through /proc/sys, for the network namespace of the calling thread.
/// Dotted names map to paths with the dots as separators, except inside an interface
/// name (`net.ipv4.conf.eth0.1.rp_filter` → `conf/eth0.1/rp_filter`).
public struct ProcSysctl: SysctlStore {
    let root: String

    public init(root: String = "/proc/sys") {
        self.root = root
    }

    public func read(_ key: String) throws -> String? {
        let path = Self.path(for: key, root: root)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func write(_ key: String, _ value: String) throws {
        let path = Self.path(for: key, root: root)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw SysctlWriteError(key: key, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data((value + "\n").utf8)) } catch {
            throw SysctlWriteError(key: key, reason: error.localizedDescription)
        }
    }

    /// False on a read-only /proc/sys (a container's), without writing anything.
    public func isWritable(_ key: String) -> Bool {
        access(Self.path(for: key, root: root), W_OK) == 0
    }

    /// `net.<family>.conf.<interface>.<setting>`: the interface part may contain dots.
    static func path(for key: String, root: String) -> String {
        let parts = key.split(separator: ".").map(String.init)
        if parts.count > 5, parts[0] == "net", parts[2] == "conf" {
            let interface = parts[3..<(parts.count - 1)].joined(separator: ".")
            return ([root] + parts[0..<3] + [interface, parts[parts.count - 1]]).joined(separator: "/")
        }
        return ([root] + parts).joined(separator: "/")
    }
}

public struct SysctlWriteError: Error, CustomStringConvertible {
    public let key: String
    public let reason: String
    public var description: String { "writing \(key): \(reason)" }
}
