import Foundation

/// The repository's own files, found from this source file's place in it.
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// `NAME=VALUE` lines of a shell file that only assigns (scripts/mesh-pins), comments skipped.
    static func assignments(_ path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try read(path).split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
