import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// `kill -9` in the middle of an ingest, then the same ingest again: exactly the store of a
/// clean run (a crash loses at most the batch in flight, and the re-run completes it).
@Suite struct CrashTests {
    /// A directory of `count` random gzipped reports and a mbox of `mails` more.
    func inputs(count: Int, mails: Int) throws -> URL {
        let dir = try TestPaths.temporaryDirectory("crash-input")
        var g = SeededGenerator(seed: 99)
        let encoder = ReportEncoder(pretty: false)
        for i in 0..<count {
            let r = RandomReports.report(&g, index: i)
            try Data(TestCompression.gzip(encoder.encode(r))).write(
                to: dir.appendingPathComponent(String(format: "r%05d.json.gz", i)))
        }
        var messages: [String] = []
        for i in 0..<mails {
            let r = RandomReports.report(&g, index: count + i)
            messages.append(
                MailBuilder.message(
                    parts: [MailBuilder.part(encoder.encode(r), .gzipBase64)],
                    domain: nil, messageID: "<m\(i)@sender.example>"))
        }
        try Data(MailBuilder.mbox(messages).utf8).write(to: dir.appendingPathComponent("zz.mbox"))
        return dir
    }

    /// Starts `tlsrpt ingest`, waits until at least `after` reports are committed, and kills it
    /// with SIGKILL. Returns whether it was killed (false: it finished first).
    func ingestAndKill(_ db: String, _ input: String, after: Int) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLI.path)
        process.arguments = ["ingest", "--db", db, "--quiet", "--batch-size", "100", input]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: db), let n = try? SQLiteStore(path: db).counts().reports,
                n >= after
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        return true
    }

    @Test func killNineThenRerunGivesTheTotalsOfACleanRun() throws {
        let total = 3000
        let mails = 300
        let input = try inputs(count: total, mails: mails).path
        let dbDir = try TestPaths.temporaryDirectory("crash-db")
        let clean = dbDir.appendingPathComponent("clean.sqlite").path
        let cleanRun = try CLI.run(["ingest", "--db", clean, "--quiet", input])
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")
        let cleanStore = try SQLiteStore(path: clean)
        let want = try cleanStore.counts()
        #expect(want.reports == total + mails)

        // Killed twice at different points, then run to the end.
        let crashed = dbDir.appendingPathComponent("crashed.sqlite").path
        var kills = 0
        for after in [1, 1500] where try ingestAndKill(crashed, input, after: after) { kills += 1 }
        #expect(kills >= 1, "ingest finished before it could be killed")
        let partial = try SQLiteStore(path: crashed).counts().reports
        #expect(partial > 0 && partial < total + mails, "\(partial) reports after the kills")
        let rerun = try CLI.run(["ingest", "--db", crashed, "--quiet", input])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            rerun.stdout
                == "ingest: \(total + mails - partial) stored, \(partial) duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n"
        )

        let got = try SQLiteStore(path: crashed)
        let have = try got.counts()
        #expect(have.reports == want.reports)
        #expect(have.policies == want.policies)
        #expect(have.failureDetails == want.failureDetails)
        #expect(have.conflicts == 0)
        #expect(Set(try got.reportIDs()) == Set(try cleanStore.reportIDs()))
        #expect(try got.summary(ReportFilter()) == (try cleanStore.summary(ReportFilter())))
        #expect(try got.rollupMismatches() == 0)
        let verify = try CLI.run(["verify", "--db", crashed])
        #expect(verify.status == 0)
        #expect(
            verify.stdout
                == "verify: \(have.reports) report(s), \(have.policies) policies, \(have.failureDetails) failure detail(s); file ok; rollups exact\n"
        )
    }

    /// `verify` notices a rollup that no longer matches the reports (here: one domain's all-time
    /// row deleted behind its back).
    @Test func verifyFindsARollupThatDisagrees() throws {
        let db = try TestPaths.temporaryDirectory("verify").appendingPathComponent("t.sqlite").path
        _ = try CLI.run(["ingest", "--db", db, TestPaths.repositoryRoot.appendingPathComponent("samples").path])
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
        let tamper = try TestTools.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM rollup_total WHERE domain_id = (SELECT id FROM rollup_texts WHERE text = 'example.org')\"); c.commit()",
                db,
            ])
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 1)
        #expect(verify.stdout.hasSuffix("file ok; rollups 1 row(s) differ\n"), "\(verify.stdout)")
    }

    /// A rollup row whose bytes were damaged behind its back: `verify` counts it (once), and a
    /// summary that reads it fails with a message saying so instead of misreading it.
    @Test func damagedRollupRowIsReportedNotMisread() throws {
        let db = try TestPaths.temporaryDirectory("damaged").appendingPathComponent("t.sqlite").path
        _ = try CLI.run(["ingest", "--db", db, TestPaths.repositoryRoot.appendingPathComponent("samples").path])
        let tamper = try TestTools.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE rollup_total SET cell = X'01FF' WHERE domain_id = (SELECT id FROM rollup_texts WHERE text = 'example.org')\"); c.commit()",
                db,
            ])
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 1)
        #expect(verify.stdout.hasSuffix("file ok; rollups 1 row(s) differ\n"), "\(verify.stdout)")
        let summary = try CLI.run(["summary", "--db", db])
        #expect(summary.status == 2)
        #expect(
            summary.stderr
                == "tlsrpt: database \(db): a rollup row is damaged or of an unknown format (run `tlsrpt verify`)\n",
            "\(summary.stderr)")
        #expect(try CLI.run(["digest", "--db", db, "--day", "2026-11-20"]).status == 0)  // reads day rows only
        // A range that does not read the damaged row still works.
        #expect(try CLI.run(["summary", "--db", db, "--since", "2000-01-01", "--until", "2099-12-31"]).status == 0)
    }
}
