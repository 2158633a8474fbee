import Foundation
import GatewayCore

/// The host-state record as a JSON file (in RUNDIR), replaced atomically on every save.
public struct HostStateFile: HostStateRecordStore {
    public let path: String

    public init(directory: String) {
        path = directory + "/host-state.json"
    }

    public func load() throws -> HostStateRecord {
        guard let data = FileManager.default.contents(atPath: path) else { return HostStateRecord() }
        return try JSONDecoder().decode(HostStateRecord.self, from: data)
    }

    public func save(_ record: HostStateRecord) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func erase() throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }
}
