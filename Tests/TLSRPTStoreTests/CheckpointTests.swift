import Foundation
import GRDB
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore

/// A pipelined ingest checkpoints the write-ahead log on a thread of its own: the database file
/// fills while the writer goes on, and the writer's automatic checkpoint is back to normal after.
@Suite struct CheckpointTests {
    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    func ingest(pipelined: Bool) throws -> (main: Int, wal: Int, store: ReportStore) {
        let store = try freshStore()
        let session = IngestSession(store: store, batchSize: 200, pipelined: pipelined)
        var g = SeededGenerator(seed: 42)
        for i in 0..<3000 {
            let json = Array(ReportEncoder(pretty: false).encode(RandomReports.report(&g, index: i)).utf8)
            try ReportExtractor().decode(Payload(provenance: Provenance(origin: "r\(i).json"), bytes: json)) {
                try session.add($0)
            }
        }
        try session.flush()
        #expect(session.tally.stored == 3000)
        return (fileSize(store.path), fileSize(store.path + "-wal"), store)
    }

    @Test func theBackgroundThreadCopiesTheLogIntoTheDatabase() throws {
        let plain = try ingest(pipelined: false)
        let piped = try ingest(pipelined: true)
        // The same 3,000 reports in batches of 200 rewrite the rollup pages often enough that
        // the log reaches the writer's 32 MB automatic checkpoint when it works alone; with the
        // thread copying it every 20 ms, the log is restarted long before that.
        #expect(plain.wal > 32 * 1024 * 1024, "log without the thread: \(plain.wal) bytes")
        #expect(piped.wal * 4 < plain.wal, "log \(piped.wal) bytes, without the thread \(plain.wal)")
        #expect(piped.main > 4_000_000, "database file \(piped.main) bytes")
        let autocheckpoint = try piped.store.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == ReportStore.autocheckpointPages)
        #expect(try piped.store.rollupMismatches() == 0)
        #expect(try piped.store.reportIDs().count == 3000)
    }
}
