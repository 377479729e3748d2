import Foundation
import GRDB
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

@testable import TLSRPTIngest
@testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

/// `IngestSession.ingest(_:with:)` (payloads decoded on several threads, as `tlsrpt ingest`
/// does) stores exactly what the one-thread walk stores, in the same order: reports, receipts
/// with their outcomes, rejected inputs, tally — across many read-ahead windows.
@Suite struct ParallelIngestTests {
    /// Every row of the tables that record order and outcome, as text.
    func contents(_ store: SQLiteStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT 'report ' || id || ' ' || report_id || ' ' || hex(content_hash) FROM reports
                    UNION ALL SELECT 'copy ' || report_ref || ' ' || source || ' ' || channel || ' ' || outcome FROM copies_received
                    UNION ALL SELECT 'rejected ' || id || ' ' || source || ' ' || reason FROM rejected_inputs
                    UNION ALL SELECT 'policy ' || id || ' ' || report_ref || ' ' || policy_domain FROM policies
                    """)
        }
    }

    @Test func sameRowsInTheSameOrderAsOneThread() throws {
        let dir = try TestPaths.temporaryDirectory()
        var g = SeededGenerator(seed: 99)
        var files = 0
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: dir.appendingPathComponent(name))
            files += 1
        }
        let reports = (0..<650).map { RandomReports.report(&g, index: $0) }
        for i in 0..<700 {
            let name = String(format: "f%04d", i)
            // Files 650…699 bring reports 0…49 again: the same (a duplicate) for even i, with
            // one more successful session (a conflict) for odd i.
            var report = reports[i % 650]
            if i >= 650 && i % 2 == 1 { report.policies[0].successfulSessionCount += 1 }
            let json = ReportEncoder(pretty: false).encode(report)
            let mail = MailBuilder.message(parts: [MailBuilder.part(json, .gzipBase64)])
            switch i % 650 % 7 {
            case 0: try write(name + ".json", Array(json.utf8))
            case 1: try write(name + ".eml", Array(mail.utf8))
            case 2: try write(name + ".json", Array(#"{"organization-name": 5}"#.utf8))
            case 3: try write(name + ".txt", Array("not a report".utf8))
            case 4: try write(name + ".mbox", Array(MailBuilder.mbox([mail, MailBuilder.plainMessage()]).utf8))
            default: try write(name + ".json.gz", TestCompression.gzip(json))
            }
        }
        #expect(files == 700)

        let oneThread = try freshStore()
        let sequential = IngestSession(store: oneThread, batchSize: 97)
        try ReportExtractor().extract([dir.path]) { try sequential.add($0) }
        try sequential.flush()

        let parallelStore = try freshStore()
        let parallel = IngestSession(store: parallelStore, batchSize: 97, pipelined: true)
        var seen = 0
        try parallel.ingest([dir.path], with: ReportExtractor(), workers: 3) { _ in seen += 1 }
        try parallel.flush()

        #expect(sequential.tally == parallel.tally)
        // Of reports 0…649, those with i % 7 in 2, 3 are a bad report and a text file: 464 stored.
        // Of 650…699 (reports 0…49 again), 36 are reports: 18 duplicates, 18 conflicts.
        // Rejected: the 93 + 7 bad reports; without a report: the mboxes' 93 + 7 plain mails and
        // the 93 + 7 text files (passed over in a directory).
        #expect(parallel.tally.stored == 464)
        #expect(parallel.tally.duplicates == 18)
        #expect(parallel.tally.conflicts == 18)
        #expect(parallel.tally.rejected == 100)
        #expect(parallel.tally.withoutReport == 200)
        #expect(
            seen == parallel.tally.stored + parallel.tally.duplicates + parallel.tally.conflicts
                + parallel.tally.rejected + parallel.tally.withoutReport)
        let a = try contents(oneThread)
        let b = try contents(parallelStore)
        #expect(a.count > 1500)
        #expect(a == b)
        #expect(try parallelStore.rollupMismatches() == 0)
        #expect(try parallelStore.summary(ReportFilter()) == oneThread.summary(ReportFilter()))

        // The same files given one by one: the walk splits mail, so it runs on a thread of its
        // own (`StreamedWalk`), and stores the same rows in the same order.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map {
            dir.appendingPathComponent($0).path
        }
        #expect(ReportExtractor().walker.splitsMail(names))
        #expect(!ReportExtractor().walker.splitsMail([dir.path]))
        let streamedStore = try freshStore()
        let streamed = IngestSession(store: streamedStore, batchSize: 97, pipelined: true)
        try streamed.ingest(names, with: ReportExtractor(), workers: 3)
        try streamed.flush()
        // Given by name, the text files are inputs without a report, so rejected (in a
        // directory they are passed over): the rejected rows differ, nothing else does.
        #expect(streamed.tally.stored == 464)
        #expect(streamed.tally.duplicates == 18)
        #expect(streamed.tally.conflicts == 18)
        let c = try contents(streamedStore).filter { !$0.hasPrefix("rejected ") }
        #expect(c == a.filter { !$0.hasPrefix("rejected ") })
        #expect(try streamedStore.rollupMismatches() == 0)
    }
}

/// `StreamedWalk` (the walk of mail and of `ingest -` on its own thread): every event in order, then the
/// end; a deadline that has passed comes first even while events wait, so a steady stream
/// cannot put off a commit; a stopped walk ends.
@Suite struct StreamedWalkTests {
    @Test func eventsInOrderAndDeadlinesFirst() throws {
        let dir = try TestPaths.temporaryDirectory()
        for i in 0..<5 {
            try Data(MailBuilder.reportJSON(id: "w\(i)").utf8).write(
                to: dir.appendingPathComponent("r\(i).json"))
        }
        let walk = StreamedWalk([dir.path], walker: InputWalker(), capacity: 2, capacityBytes: 1)
        defer { walk.stop() }
        guard case .timedOut = walk.next(until: Date.distantPast) else {
            Issue.record("a passed deadline must come first")
            return
        }
        var names: [String] = []
        while case .event(let event) = walk.next(until: nil) {
            guard case .payload(let payload) = event else {
                Issue.record("unexpected event \(event)")
                return
            }
            names.append(URL(fileURLWithPath: payload.provenance.origin).lastPathComponent)
        }
        #expect(names == ["r0.json", "r1.json", "r2.json", "r3.json", "r4.json"])
        guard case .finished = walk.next(until: Date().addingTimeInterval(60)) else {
            Issue.record("the walk must end")
            return
        }
    }

    /// However far the walk runs ahead, the payloads waiting stay under `capacityBytes` (plus
    /// none: a payload larger than the bound waits alone), and nothing is dropped.
    @Test func waitingPayloadsStayUnderTheBound() throws {
        let dir = try TestPaths.temporaryDirectory()
        // Sniffed as JSON (so each is a payload to decode), never valid.
        let megabyte = [UInt8(ascii: "{")] + [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for i in 0..<20 { try Data(megabyte).write(to: dir.appendingPathComponent(String(format: "f%02d.json", i))) }
        let walk = StreamedWalk([dir.path], walker: InputWalker(), capacity: 256, capacityBytes: 3 << 20)
        defer { walk.stop() }
        var most = 0
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.02)
            most = max(most, walk.queuedBytes)
        }
        #expect(most <= 3 << 20)
        var payloads = 0
        while case .event(let event) = walk.next(until: nil) {
            if case .payload = event { payloads += 1 }
        }
        #expect(payloads == 20)
    }

    @Test func aStoppedWalkEnds() throws {
        let dir = try TestPaths.temporaryDirectory()
        for i in 0..<50 {
            try Data(MailBuilder.reportJSON(id: "s\(i)").utf8).write(
                to: dir.appendingPathComponent(String(format: "r%02d.json", i)))
        }
        let walk = StreamedWalk([dir.path], walker: InputWalker(), capacity: 1, capacityBytes: 1 << 20)
        guard case .event = walk.next(until: nil) else {
            Issue.record("expected a first event")
            return
        }
        walk.stop()
        // The walk ends at its next event instead of reading the other 48 files.
        var taken = 0
        while case .event = walk.next(until: nil) { taken += 1 }
        #expect(taken <= 1)
    }
}
