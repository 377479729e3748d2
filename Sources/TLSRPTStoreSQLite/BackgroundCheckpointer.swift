import Foundation
import GRDB
import Synchronization
import TLSRPTStore

/// Copies the write-ahead log into the database file on a thread of its own while a bulk ingest
/// writes, so the writer — the slower side of the pipeline — no longer stops for checkpoints
/// (two of ~120 ms each in a 20,000-report ingest; BENCHMARKS.md). The reading side has idle
/// time on the other core for it.
///
/// A passive checkpoint never blocks the writer or readers (SQLite copies what is committed and
/// not read by an older snapshot). While it runs, the writer's own automatic checkpoint is
/// raised to 256 MB, a backstop that keeps the log bounded if this thread falls behind; it is
/// put back when the thread stops. Durability is unchanged: every commit is synced to the log.
final class BackgroundCheckpointer: BulkWrite {
    private let stopRequested = Mutex(false)
    /// Signalled by `stop`: wakes the thread from its wait between checkpoints at once (a plain
    /// sleep kept the end of every ingest waiting up to a whole interval for it).
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let store: SQLiteStore

    /// Pages of log after which the writer checkpoints by itself while this runs (256 MB).
    static let backstopPages = 65_536

    /// Starts checkpointing `store` every `interval` seconds; nil when a connection of its own
    /// cannot be opened (the writer then checkpoints as usual).
    init?(store: SQLiteStore, interval: TimeInterval = 0.02) {
        var config = Configuration()
        config.busyMode = .timeout(1)
        guard let connection = try? DatabaseQueue(path: store.path, configuration: config),
            (try? store.pool.writeWithoutTransaction({ db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.backstopPages)")
            })) != nil
        else { return nil }
        self.store = store
        let thread = Thread { [self] in
            while !stopRequested.withLock({ $0 }) {
                // Busy or locked (another process's checkpoint): try again next time.
                _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                _ = wake.wait(timeout: .now() + interval)
            }
            finished.signal()
        }
        thread.name = "tlsrpt.checkpoint"
        thread.start()
    }

    /// Stops the thread and gives the writer its usual automatic checkpoint back.
    public func stop() {
        stopRequested.withLock { $0 = true }
        wake.signal()
        finished.wait()
        _ = try? store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteStore.autocheckpointPages)")
        }
    }
}
