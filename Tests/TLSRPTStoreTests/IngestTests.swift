import Foundation
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

@Suite struct IngestTests {
    static let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path

    @Test func samplesThenAgainChangesNothing() throws {
        let store = try freshStore()
        let first = try ingest(store, [Self.samples])
        #expect(first.stored == 6)
        #expect(first.duplicates == 0)
        #expect(first.rejected == 0)
        let counts = try store.counts()
        #expect(counts.reports == 6)
        #expect(counts.policies == 7)
        #expect(counts.failureDetails == 5)
        let summaryBefore = try store.summary(ReportFilter())
        let second = try ingest(store, [Self.samples])
        #expect(second.stored == 0)
        #expect(second.duplicates == 6)
        #expect(second.conflicts == 0)
        #expect(try store.counts().reports == 6)
        #expect(try store.summary(ReportFilter()) == summaryBefore)
        #expect(try store.rollupMismatches() == 0)
    }

    @Test func sampleTotalsAreExact() throws {
        let store = try freshStore()
        try ingest(store, [Self.samples])
        let s = try store.summary(ReportFilter())
        #expect(s.map(\.policyDomain) == ["example.com", "example.net", "example.org"])
        let com = s[0]
        // google 1480+1502+600, microsoft 950+310; failures 0+3+449.
        #expect(com.successfulSessionCount == 4842)
        #expect(com.failedSessionCount == 452)
        #expect(com.resultTypes == ["certificate-expired": 415, "starttls-not-supported": 37])
        #expect(com.policyTypes == ["sts": 4, "tlsa": 1])
        #expect(com.stsModes == ["enforce": 4])
        #expect(com.mxHosts.first?.hostname == "mx2.example.com")
        #expect(com.mxHosts.first?.failedSessionCount == 415)
        #expect(com.reporters.map(\.organizationName) == ["Google Inc.", "Microsoft Corporation"])
        #expect(s[2].policyTypes == ["no-policy-found": 1])
        #expect(s[2].successfulSessionCount == 75)
    }

    @Test func rejectedInputsAreRecordedWithReasonAndBytes() throws {
        let store = try freshStore()
        let dir = try TestPaths.temporaryDirectory()
        let bad =
            #"{"organization-name":"O","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-02T00:00:00Z"},"report-id":"r","policies":[{"policy":{"policy-type":"sts"},"summary":{"total-failure-session-count":"-5"}}]}"#
        try Data(bad.utf8).write(to: dir.appendingPathComponent("bad.json"))
        try Data(MailBuilder.reportJSON(id: "good").utf8).write(to: dir.appendingPathComponent("good.json"))
        let tally = try ingest(store, [dir.path])
        #expect(tally.stored == 1)
        #expect(tally.rejected == 1)
        let rejected = try store.rejectedInputs()
        #expect(rejected.count == 1)
        #expect(rejected[0].source == dir.appendingPathComponent("bad.json").path)
        #expect(rejected[0].kind == "invalid-report")
        #expect(rejected[0].jsonPath == "policies[0].summary.total-failure-session-count")
        #expect(rejected[0].reason.contains(#"found "-5""#))
        #expect(try store.rejectedBytes(id: rejected[0].id) == Array(bad.utf8))
    }

    @Test func conflictingCopyIsRecordedNotStoredOver() throws {
        let store = try freshStore()
        let a = MailBuilder.reportJSON(id: "same", success: 10)
        let b = MailBuilder.reportJSON(id: "same", success: 11)
        let first = try ingest(store, [try writeTemp(a)])
        let second = try ingest(store, [try writeTemp(b)])
        #expect(first.stored == 1)
        #expect(second.conflicts == 1)
        #expect(try store.summary(ReportFilter())[0].successfulSessionCount == 10)
        let counts = try store.counts()
        #expect(counts.reports == 1)
        #expect(counts.conflicts == 1)
        #expect(counts.receipts == 2)
    }

    /// One batch holding a report, a second copy of it and a conflicting copy (pipelined, as
    /// `ingest` runs): the batch's rollup changes, gathered before the writer knew, count the
    /// report once.
    @Test func duplicatesAndConflictsInsideOneBatchCountOnce() throws {
        let store = try freshStore()
        let a = MailBuilder.reportJSON(id: "same", success: 10, failure: 3)
        let b = MailBuilder.reportJSON(id: "same", success: 11, failure: 4)
        let other = MailBuilder.reportJSON(id: "other", success: 1, failure: 1)
        let session = IngestSession(store: store, batchSize: 100, pipelined: true)
        let paths = try [a, a, b, other, b].map { try writeTemp($0) }
        try ReportExtractor().extract(paths) { try session.add($0) }
        try session.flush()
        #expect(session.tally.stored == 2)
        #expect(session.tally.duplicates == 1)
        #expect(session.tally.conflicts == 2)
        let summary = try store.summary(ReportFilter())
        #expect(summary.map(\.successfulSessionCount) == [11])
        #expect(summary.map(\.failedSessionCount) == [4])
        #expect(summary.first?.resultTypes == ["certificate-expired": 4])
        #expect(try store.rollupMismatches() == 0)
    }

    @Test func mailAndHTTPSCopiesOfOneReportAreDuplicates() throws {
        // A no-policy-found report without policy-domain: by mail the header names the domain,
        // by HTTPS nothing does; still one report.
        let json = MailBuilder.reportJSON(id: "np", domain: nil)
        let store = try freshStore()
        let mail = MailBuilder.message(parts: [MailBuilder.part(json, .gzipBase64)], domain: "np.example")
        try ingest(store, [try writeTemp(mail)])
        let t = try ingest(store, [try writeTemp(json)])
        #expect(t.duplicates == 1)
        #expect(t.conflicts == 0)
        #expect(try store.summary(ReportFilter()).map(\.policyDomain) == ["np.example"])
    }

    /// The other order: the HTTPS copy (no domain anywhere) is stored first; the mail copy that
    /// follows names the domain, and the stored report takes it, rollups and all. In separate
    /// batches and inside one.
    @Test func aMailCopyFillsInTheDomainOfAnEarlierHTTPSCopy() throws {
        let json = MailBuilder.reportJSON(id: "np", domain: nil, success: 10, failure: 2)
        let other = MailBuilder.reportJSON(id: "other", domain: nil, success: 5, failure: 0)
        let mail = MailBuilder.message(parts: [MailBuilder.part(json, .gzipBase64)], domain: "np.example")
        for batchSize in [1, 100] {
            let store = try freshStore()
            let paths = [try writeTemp(json), try writeTemp(other), try writeTemp(mail)]
            let t = try ingest(store, paths, batchSize: batchSize)
            #expect(t.stored == 2)
            #expect(t.duplicates == 1)
            let summary = try store.summary(ReportFilter())
            #expect(summary.map(\.policyDomain) == ["", "np.example"])
            #expect(summary.map(\.successfulSessionCount) == [5, 10])
            #expect(summary.map(\.failedSessionCount) == [0, 2])
            #expect(summary.last?.resultTypes == ["certificate-expired": 2])
            #expect(try store.rollupMismatches() == 0)
            var domains: [String] = []
            try store.export(.policies, ReportFilter()) { row in
                if case .text(let d)? = row.values[5] { domains.append(d) }
            }
            #expect(domains.sorted() == ["", "np.example"])
            // Again: nothing changes.
            let again = try ingest(store, paths, batchSize: batchSize)
            #expect(again.duplicates == 3)
            #expect(try store.summary(ReportFilter()) == summary)
            #expect(try store.rollupMismatches() == 0)
        }
    }

    @Test func rawBytesAreKeptForAudit() throws {
        let store = try freshStore()
        try ingest(store, [Self.samples])
        let raw = try #require(
            try store.rawReport(organizationName: "Google Inc.", reportID: "2026-11-21T00:00:00Z_example.com"))
        let original = try TestPaths.bytes(
            TestPaths.repositoryRoot.appendingPathComponent("samples/google-2026-11-21.json.gz"))
        #expect(raw == original)
        let plain = try #require(
            try store.rawReport(organizationName: "Google Inc.", reportID: "2026-11-20T00:00:00Z_example.com"))
        let json = try TestPaths.bytes(
            TestPaths.repositoryRoot.appendingPathComponent("samples/google-2026-11-20.json"))
        #expect(try ReportDecoder().gunzip(plain) == json)
    }

    @Test func pruneKeepsRollupsExact() throws {
        let store = try freshStore()
        var g = SeededGenerator(seed: 11)
        let reports = (0..<120).map { RandomReports.report(&g, index: $0) }
        try ingest(store, reports: reports)
        #expect(try store.rollupMismatches() == 0)
        let days = reports.map(\.day).sorted()
        let cutoff = days[days.count / 2]
        let result = try store.prune(before: cutoff)
        let kept = Set(reports.filter { $0.day >= cutoff }.map(\.identity))
        #expect(result.reports == Set(reports.map(\.identity)).count - kept.count)
        #expect(try store.counts().reports == kept.count)
        #expect(try store.rollupMismatches() == 0)
    }

    @Test func readersWorkWhileAWriterHoldsATransaction() throws {
        let dir = try TestPaths.temporaryDirectory("store")
        let path = dir.appendingPathComponent("t.sqlite").path
        let writer = try SQLiteStore(path: path)
        try ingest(writer, [Self.samples])
        let reader = try SQLiteStore(path: path)
        var g = SeededGenerator(seed: 5)
        let reports = (0..<3000).map { RandomReports.report(&g, index: $0) }
        let unique = Set(reports.map(\.identity)).count
        // One big transaction on another thread; the reader polls meanwhile.
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var writeError: Error?
        Thread.detachNewThread {
            do { try ingest(writer, reports: reports, batchSize: 100_000) } catch { writeError = error }
            done.signal()
        }
        var seen: Set<Int> = []
        while done.wait(timeout: .now()) == .timedOut {
            seen.insert(try reader.counts().reports)
        }
        #expect(writeError == nil)
        // Only the committed states are ever visible: before (6) and after (6 + unique).
        #expect(seen.isSubset(of: [6, 6 + unique]))
        #expect(seen.contains(6))
        #expect(try reader.counts().reports == 6 + unique)
    }
}

func writeTemp(_ text: String) throws -> String {
    let url = try TestPaths.temporaryDirectory().appendingPathComponent("input")
    try Data(text.utf8).write(to: url)
    return url.path
}
