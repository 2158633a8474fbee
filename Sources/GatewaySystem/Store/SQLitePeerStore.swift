import Foundation
import GatewayCore
import GRDB

/// Peer records in SQLite (STATEDIR/peers.sqlite) through GRDB. WAL journal with
/// synchronous=NORMAL: a crash or power loss leaves a consistent database that may lack the
/// last few writes, and a peer missing from the store is only a stray interface that the
/// next start removes (the node then asks again).
public final class SQLitePeerStore: PeerStore {
    private let database: DatabasePool

    public static let fileName = "peers.sqlite"

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 peers") { db in
            try db.execute(sql: """
                CREATE TABLE peer (
                    key BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
                    interface TEXT NOT NULL,
                    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
                    created REAL NOT NULL,
                    lastSeen REAL NOT NULL
                )
                """)
        }
        return migrator
    }

    public func all() throws -> [PeerRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT key, interface, port, created, lastSeen FROM peer").compactMap { row in
                guard let key = PublicKey(bytes: Array(row["key"] as Data)) else { return nil }
                return PeerRecord(key: key, interface: row["interface"], port: row["port"],
                                  created: Date(timeIntervalSince1970: row["created"]),
                                  lastSeen: Date(timeIntervalSince1970: row["lastSeen"]))
            }
        }
    }

    public func save(_ record: PeerRecord) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO peer (key, interface, port, created, lastSeen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    interface = excluded.interface, port = excluded.port,
                    created = excluded.created, lastSeen = excluded.lastSeen
                """, arguments: [Data(record.key.bytes), record.interface, Int(record.port),
                                 record.created.timeIntervalSince1970, record.lastSeen.timeIntervalSince1970])
        }
    }

    public func delete(_ key: PublicKey) throws {
        try database.write { db in try db.execute(sql: "DELETE FROM peer WHERE key = ?", arguments: [Data(key.bytes)]) }
    }
}
