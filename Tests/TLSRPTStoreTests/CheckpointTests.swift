import Foundation
import GRDB
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

/// A pipelined ingest checkpoints the write-ahead log on a thread of its own: the database file
/// fills while the writer goes on, and the writer's automatic checkpoint is back to normal after.
@Suite struct CheckpointTests {
    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    func ingest(pipelined: Bool) throws -> (main: Int, wal: Int, store: SQLiteStore) {
        let store = try freshStore()
        let session = IngestSession(store: store, batchSize: 100, pipelined: pipelined)
        var g = SeededGenerator(seed: 42)
        for i in 0..<1000 {
            let json = Array(ReportEncoder(pretty: false).encode(RandomReports.report(&g, index: i)).utf8)
            try ReportExtractor().decode(Payload(provenance: Provenance(origin: "r\(i).json"), bytes: json)) {
                try session.add($0)
            }
        }
        try session.flush()
        #expect(session.tally.stored == 1000)
        return (fileSize(store.path), fileSize(store.path + "-wal"), store)
    }

    @Test func theBackgroundThreadCopiesTheLogIntoTheDatabase() throws {
        let plain = try ingest(pipelined: false)
        let piped = try ingest(pipelined: true)
        // 1,000 reports in ten batches stay under the writer's 32 MB automatic checkpoint: alone,
        // it leaves them all in the log and the database file as the schema left it; with the
        // thread, the file fills as the batches commit (whatever the timing: the thread needs to
        // run once after a commit).
        #expect(plain.main < 1_000_000, "database file without the thread: \(plain.main) bytes")
        #expect(plain.wal > 4_000_000, "log without the thread: \(plain.wal) bytes")
        #expect(piped.main > 500_000, "database file with the thread: \(piped.main) bytes")
        let autocheckpoint = try piped.store.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == SQLiteStore.autocheckpointPages)
        #expect(try piped.store.rollupMismatches() == 0)
        #expect(try piped.store.reportIDs().count == 1000)
    }

    @Test func stoppingDoesNotWaitForTheNextCheckpoint() throws {
        let store = try freshStore()
        // An interval far longer than the test: the thread is waiting when `stop` is called, and
        // `stop` wakes it instead of waiting the interval out (it used to sleep, so the end of
        // every ingest waited up to an interval for it).
        let checkpointer = try #require(BackgroundCheckpointer(store: store, interval: 600))
        Thread.sleep(forTimeInterval: 0.05)
        let start = Date()
        checkpointer.stop()
        #expect(Date().timeIntervalSince(start) < 60)
        let autocheckpoint = try store.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == SQLiteStore.autocheckpointPages)
    }
}
