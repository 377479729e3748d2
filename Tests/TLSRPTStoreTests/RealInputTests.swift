import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// Ingest of real inputs: the shared corpus and the real sender's mail and HTTPS bodies.
@Suite struct RealInputTests {
    @Test(.enabled(if: TestPaths.sharedCorpus != nil, "../shared/corpus is not present"))
    func corpusIngestsOnceEach() throws {
        let corpus = try #require(TestPaths.sharedCorpus)
        let store = try freshStore()
        let t = try ingest(store, [corpus.path])
        // 40 report files hold 28 distinct reports (identity: org, report-id, start, end; counted
        // with Python's json). The other 12 are copies: the same or a hand-edited variant.
        #expect(t.stored == 28)
        #expect(t.duplicates + t.conflicts == 12)
        #expect(t.rejected == 0)
        #expect(t.withoutReport == 4)
        #expect(try store.rollupMismatches() == 0)
        let again = try ingest(store, [corpus.path])
        #expect(again.stored == 0)
        #expect(again.duplicates + again.conflicts == 40)
        #expect(try store.counts().reports == 28)
        // tls-rpt-monitor's .json is its .json.gz with a fake failure added: a conflict, and the
        // copy read first (the .json, in name order) is the one kept.
        let josh = try store.summary(ReportFilter(domains: ["josh.scot"]))
        #expect(josh.first?.resultTypes == ["testing": 3])

        // `tlsrpt ingest` (payloads decoded on every core) stores the same, in the same order.
        let cliDB = try TestPaths.temporaryDirectory("corpus-cli").appendingPathComponent("t.sqlite").path
        let cli = try CLI.run(["ingest", "--quiet", "--db", cliDB, corpus.path])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout.hasPrefix("ingest: 28 stored, "))
        let parallel = try SQLiteStore(path: cliDB)
        #expect(try parallel.reportIDs() == store.reportIDs())
        #expect(try parallel.summary(ReportFilter()) == store.summary(ReportFilter()))
        #expect(try parallel.rollupMismatches() == 0)
    }

    @Test(.enabled(if: RealSender.available, "../shared/tools/realsender is not present"))
    func realSenderMailAndHTTPSAddUpExactly() throws {
        let e = try RealSender.run(["--seed", "42"])
        let dir = e.directory
        let raw = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("mail-raw").path)
            .filter { $0.hasSuffix(".eml") }.sorted().map { dir.appendingPathComponent("mail-raw/\($0)").path }
        let bodies = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("http-sent").path)
            .filter { $0.hasSuffix(".body") }.sorted().map { dir.appendingPathComponent("http-sent/\($0)").path }
        let store = try freshStore()
        let t = try ingest(
            store,
            [dir.appendingPathComponent("reports.mbox").path, dir.appendingPathComponent("Maildir").path] + raw + bodies
        )
        let distinct = Set(e.mailed.keys).union(e.posted.keys)
        #expect(t.stored == distinct.count)
        #expect(t.stored + t.duplicates == 3 * e.messages + e.posts)
        #expect(t.conflicts == 0)
        #expect(t.rejected == 0)
        // Expected per-domain totals: each report once, as first read (by mail when it was mailed).
        var want: [String: [Int64]] = [:]
        var wantTypes: [String: Int64] = [:]
        for id in distinct {
            let totals = e.mailed[id] ?? e.posted[id]!
            for (key, counts) in totals.policies {
                let domain = String(key.split(separator: " ", maxSplits: 1).dropFirst().first ?? "")
                let old = want[domain] ?? [0, 0]
                want[domain] = [old[0] + counts[0], old[1] + counts[1]]
            }
            for (type, n) in totals.resultTypes { wantTypes[type, default: 0] += n }
        }
        let got = try store.summary(ReportFilter())
        #expect(
            Dictionary(
                uniqueKeysWithValues: got.map { ($0.policyDomain, [$0.successfulSessionCount, $0.failedSessionCount]) })
                == want)
        var gotTypes: [String: Int64] = [:]
        for s in got { for (type, n) in s.resultTypes { gotTypes[type, default: 0] += n } }
        #expect(gotTypes == wantTypes)
        #expect(wantTypes.count >= 11)
        #expect(try store.rollupMismatches() == 0)
    }
}
