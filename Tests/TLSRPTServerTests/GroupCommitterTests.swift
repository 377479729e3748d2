import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTServer
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// Group commit, without HTTP: while one transaction waits for the database, the items that
/// arrive queue up and go into the next transaction together.
@Suite struct GroupCommitterTests {
    @Test(.enabled(if: TestTools.pythonHas("sqlite3"), "needs python3"))
    func itemsArrivingDuringACommitShareTheNext() async throws {
        let dir = try TestPaths.temporaryDirectory("group")
        let path = dir.appendingPathComponent("t.sqlite").path
        let store = try SQLiteStore(path: path)
        let committer = GroupCommitter(store: store)
        // Another process holds the write lock for 1.5 s.
        let locker = try TestTools.holdWriteLock(path, seconds: 1.5)
        let outcomes = try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            for i in 0..<25 {
                group.addTask {
                    let json = Array(MailBuilder.reportJSON(id: "g\(i)").utf8)
                    let report = try ReportDecoder().decode(json)
                    return try await committer.submit(
                        .report(report, Payload(provenance: Provenance(origin: "test"), bytes: json, channel: .https)))
                }
            }
            var all: [IngestOutcome] = []
            for try await o in group { all.append(o) }
            return all
        }
        locker.waitUntilExit()
        #expect(outcomes.count == 25)
        #expect(outcomes.allSatisfy { $0 == .stored })
        // The first item's transaction waited for the lock; the other 24 queued meanwhile.
        #expect(await committer.transactions <= 3)
        #expect(try store.counts().reports == 25)
    }
}
