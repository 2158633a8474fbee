import Foundation
import GatewayCore
import GatewaySystem
import Testing

@Suite struct SQLitePeerStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peerstore-\(UUID())")
    var path: String { directory.appendingPathComponent(SQLitePeerStore.fileName).path }

    func record(_ index: UInt8, port: UInt16) -> PeerRecord {
        PeerRecord(key: PublicKey(bytes: [UInt8](repeating: index, count: 32))!, interface: "babel-wg-\(index)", port: port,
                   created: Date(timeIntervalSince1970: 1_700_000_000), lastSeen: Date(timeIntervalSince1970: 1_700_000_100.5))
    }

    @Test func savesReplacesDeletesAndSurvivesReopening() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let store = try SQLitePeerStore(path: path)
            try store.save(record(1, port: 40000))
            try store.save(record(2, port: 40001))
            try store.save(record(3, port: 40002))
            try store.save(record(2, port: 40005))
            try store.delete(record(3, port: 0).key)
        }
        let reopened = try SQLitePeerStore(path: path)
        let records = try reopened.all().sorted { $0.port < $1.port }
        #expect(records == [record(1, port: 40000), record(2, port: 40005)])
    }

    @Test func usesWriteAheadLogging() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLitePeerStore(path: path)
        try store.save(record(1, port: 40000))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }
}
