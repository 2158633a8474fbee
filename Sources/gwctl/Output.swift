import Foundation
import GatewayControl

enum Output {
    static func line(_ text: String) {
        print(text)
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Pretty JSON for scripts and people alike; the payload only, not the envelope. A
    /// payload that does not encode is an error (exit 1), never a silent success.
    static func json<Value: Encodable>(_ value: Value) throws {
        do { print(try ControlCodec.pretty(value)) } catch {
            Self.error("gwctl: the reply could not be printed as JSON: \(error)")
            throw GwctlExit.unhealthy
        }
    }
}

/// Ages, sizes and columns as people read them.
enum Human {
    static func age(_ seconds: Int64?) -> String {
        guard let seconds else { return "never" }
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d\(seconds % 86400 / 3600)h"
    }

    static func bytes(_ count: UInt64?) -> String {
        guard let count else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Left-aligned columns, two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
