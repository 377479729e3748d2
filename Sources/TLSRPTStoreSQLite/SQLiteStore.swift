import CSQLiteTuning
import Foundation
import GRDB
import Synchronization
import TLSRPTStore

/// The SQLite database of reports (GRDB over the system libsqlite3, WAL mode): one writer at a
/// time, any number of readers alongside, so `summary` works while `serve` or `ingest` writes.
public final class SQLiteStore: ReportStore {
    /// Path of the database file.
    public let path: String
    /// The path.
    public var location: String { path }
    let pool: DatabasePool
    /// `rollup_texts` ids already committed, so a batch looks up only texts it has not seen
    /// (ids are never deleted or reused once committed).
    let rollupTextIDs = Mutex<[String: Int64]>([:])

    /// Pages of write-ahead log after which a writer checkpoints it (32 MB; see `init`).
    static let autocheckpointPages = 8192

    /// How long a writer waits for another writer (another `ingest`, `serve`) before giving up.
    public static let busyTimeout: TimeInterval = 60

    /// Opens (creating and migrating when needed) the database at `path`; `busyTimeout`
    /// overrides how long a writer waits for another (default `$TLSRPT_BUSY_TIMEOUT`, else
    /// `busyTimeout`).
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval? = nil) throws {
        _ = Self.sqliteConfigured
        self.path = path
        var config = Configuration()
        // TLSRPT_BUSY_TIMEOUT (seconds) overrides the wait for another writer.
        let timeout = ProcessInfo.processInfo.environment["TLSRPT_BUSY_TIMEOUT"].flatMap(TimeInterval.init)
        config.busyMode = .timeout(busyTimeout ?? timeout ?? Self.busyTimeout)
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // WAL with a full sync at each commit: a 200 or an ingest tally is only given for
            // what is on disk. The batches make the sync cost per report small.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            // A 64 MB page cache: the identity index and the rollups take random inserts, and
            // with SQLite's 2 MB default the writer spent a third of its time re-reading pages.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // 16 KB pages for a new database (an existing one keeps its own): bulk ingest 10 %
            // faster than with 4 KB (fewer page splits in the rollups' and indexes' B-trees;
            // BENCHMARKS.md). Only takes effect before the first table is created.
            try db.execute(sql: "PRAGMA page_size = 16384")
            // Checkpoint the WAL every 32 MB rather than every 4 MB: a 1000-report batch is
            // larger than 4 MB, so the default checkpointed (and fsynced the database) per batch.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.autocheckpointPages)")
        }
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreError("no database at \(path) (run `tlsrpt ingest` first, or give --db)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            if !readOnly {
                // Two processes opening a new database at once both see it unmigrated; the
                // loser's migration fails on the winner's tables. It then sees them as applied.
                var attempt = 0
                while true {
                    do {
                        try StoreSchema.migrator.migrate(pool)
                        break
                    } catch let error as DatabaseError where attempt < 5 {
                        attempt += 1
                        _ = error
                        usleep(50_000)
                    }
                }
            }
        } catch let error as DatabaseError {
            throw StoreError("cannot open database \(path): \(error.message ?? error.description)")
        }
    }

    /// SQLite set up once per process, before its first connection: multi-thread mode and no
    /// memory statistics. Each cost a mutex lock and unlock per call or allocation — 5 % of the
    /// writer's time in a bulk ingest. GRDB never uses one connection from two threads at once,
    /// which is all multi-thread mode asks. Ignored if SQLite is already in use.
    static let sqliteConfigured: Bool = tlsrpt_sqlite_configure() == 0

    /// Reads with a snapshot of the database (does not block or wait for writers).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Writes in one transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }

    /// A bulk ingest's log checkpoints on a thread of their own (`BackgroundCheckpointer`).
    public func beginBulkWrite() -> (any BulkWrite)? {
        BackgroundCheckpointer(store: self)
    }
}
