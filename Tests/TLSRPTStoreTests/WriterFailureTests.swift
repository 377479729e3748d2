import Foundation
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// A pipelined ingest whose writer cannot commit (another process holds the write lock past
/// the busy timeout) stops with the database error, writes nothing after the failed batch, and
/// running the same ingest again stores everything exactly once.
@Suite struct WriterFailureTests {
    @Test(.enabled(if: TestTools.pythonHas("sqlite3"), "needs python3"))
    func failedBatchStopsTheIngestAndARerunCompletesIt() throws {
        let dir = try TestPaths.temporaryDirectory("writer-failure")
        let path = dir.appendingPathComponent("t.sqlite").path
        var g = SeededGenerator(seed: 31)
        let payloads = (0..<1200).map { i in
            Payload(
                provenance: Provenance(origin: "r\(i).json"),
                bytes: Array(ReportEncoder(pretty: false).encode(RandomReports.report(&g, index: i)).utf8))
        }
        func ingestAll(_ store: SQLiteStore) throws -> IngestTally {
            let session = IngestSession(store: store, batchSize: 100, pipelined: true)
            for payload in payloads {
                try ReportExtractor().decode(payload) { try session.add($0) }
            }
            try session.flush()
            return session.tally
        }

        let store = try SQLiteStore(path: path, busyTimeout: 0.2)
        // Another process takes the write lock and keeps it for 4 s.
        let holder = try TestTools.holdWriteLock(path, seconds: 4)

        #expect(throws: (any Error).self) { _ = try ingestAll(store) }
        holder.waitUntilExit()
        let afterFailure = try store.counts().reports
        #expect(afterFailure == 0)

        let rerun = try ingestAll(store)
        #expect(rerun.stored == 1200)
        #expect(rerun.duplicates == 0)
        #expect(try store.counts().reports == 1200)
        #expect(try store.rollupMismatches() == 0)
    }
}
