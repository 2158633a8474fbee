import Foundation

/// Processes as /proc shows them, for tests that look at a supervisor's children.
enum ProcessTable {
    /// (pid, state, command) of a process's children, from /proc.
    static func children(of parent: Int32) -> [(pid: Int32, state: String, command: String)] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.compactMap { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == parent else { return nil }
            return (pid, String(fields[0]), String(stat[stat.index(after: open)..<close]))
        }
    }
}
