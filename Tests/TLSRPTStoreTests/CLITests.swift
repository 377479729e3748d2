import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// The `tlsrpt` command as a user runs it: exit codes, output, files.
@Suite struct CLITests {
    static let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path

    /// A new database on the backend the tests run against (`TestBackend`).
    func database() throws -> String {
        try TestBackend.newDatabase("cli")
    }

    @Test func ingestTallyAndExitCodes() throws {
        let db = try database()
        let first = try CLI.run(["ingest", "--db", db, Self.samples])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout
                == "ingest: 6 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n")
        let again = try CLI.run(["ingest", "--db", db, Self.samples])
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("ingest: 0 stored, 6 duplicate(s)"))
        let bad = try writeTemp(
            #"{"organization-name":"O","report-id":"r","policies":[{"policy":{"policy-type":"sts"}}]}"#)
        let rejected = try CLI.run(["ingest", "--db", db, bad, Self.samples])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("rejected \(bad): date-range: missing"))
        #expect(rejected.stdout.hasPrefix("ingest: 0 stored, 6 duplicate(s), 0 conflict(s), 1 rejected"))
        let list = try CLI.run(["rejected", "--db", db, "--format", "json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"path\": \"date-range\""))
    }

    @Test func databaseFromEnvironmentAndMissingDatabase() throws {
        let db = try database()
        let ingest = try CLI.run(["ingest", Self.samples], environment: ["TLSRPT_DB": db])
        #expect(ingest.status == 0)
        let summary = try CLI.run(["summary", "--format", "csv"], environment: ["TLSRPT_DB": db])
        #expect(summary.status == 0)
        #expect(summary.stdout.split(separator: "\n").count == 4)
        #expect(summary.stdout.contains("\nexample.com,4842,452,"))
        let missing = try CLI.run(["summary", "--db", db + ".nope"])
        #expect(missing.status == 2)
        // SQLite names the missing file; PostgreSQL says the database does not exist.
        #expect(
            missing.stderr.contains(TestBackend.isPostgres ? "does not exist" : "no database at"), "\(missing.stderr)")
    }

    @Test func exportToFileWithFilters() throws {
        let db = try database()
        _ = try CLI.run(["ingest", "--db", db, Self.samples])
        let out = try TestPaths.temporaryDirectory().appendingPathComponent("p.csv").path
        let r = try CLI.run([
            "export", "--db", db, "--table", "policies", "--since", "2026-11-21", "--until", "2026-11-21", "--domain",
            "EXAMPLE.com.", "--output", out,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(
            lines[0].hasPrefix(
                "organization_name,report_id,begin,end,policy_type,policy_domain,successful_session_count,failed_session_count"
            ))
    }

    @Test func exportJSONLinesWithListsAsArrays() throws {
        let db = try database()
        _ = try CLI.run(["ingest", "--db", db, Self.samples])
        let r = try CLI.run([
            "export", "--db", db, "--table", "policies", "--format", "json", "--domain", "example.com",
        ])
        #expect(r.status == 0)
        let rows = try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(rows.count == 5)
        let google = try #require(rows.first { $0["report_id"] as? String == "2026-11-20T00:00:00Z_example.com" })
        #expect(google["policy_domain"] as? String == "example.com")
        #expect(google["successful_session_count"] as? Int == 1480)
        #expect(google["mx_patterns"] as? [String] == ["mx1.example.com", "mx2.example.com"])
        #expect((google["policy_strings"] as? [String])?.first == "version: STSv1")
        #expect(google["tlsa_records"] as? [String] == [])
    }

    @Test func digestThresholdsDecideTheExitStatus() throws {
        let db = try database()
        _ = try CLI.run(["ingest", "--db", db, Self.samples])
        let plain = try CLI.run(["digest", "--db", db, "--day", "2026-11-22"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("example.com: 1049 sessions, 449 failed (42.80%)"))
        #expect(plain.stdout.contains("Renew the TLS certificate on mx2.example.com"))
        let over = try CLI.run(["digest", "--db", db, "--day", "2026-11-22", "--max-failure-rate", "5"])
        #expect(over.status == 1)
        #expect(over.stdout.contains("ALERT: example.com: failure rate 42.80% is above 5%"))
        let under = try CLI.run(["digest", "--db", db, "--day", "2026-11-22", "--max-failure-rate", "50"])
        #expect(under.status == 0)
        let newTypes = try CLI.run(["digest", "--db", db, "--day", "2026-11-22", "--alert-new-result-types"])
        #expect(newTypes.status == 1)
        #expect(newTypes.stdout.contains("new result type(s) starttls-not-supported"))
        let few = try CLI.run(["digest", "--db", db, "--day", "2026-11-21", "--min-reports", "5"])
        #expect(few.status == 1)
        let enough = try CLI.run(["digest", "--db", db, "--day", "2026-11-21", "--min-reports", "4"])
        #expect(enough.status == 0)
        let md = try CLI.run(["digest", "--db", db, "--day", "2026-11-22", "--format", "markdown"])
        #expect(md.stdout.contains("| certificate-expired | 412 | mx2.example.com |"))
    }

    @Test func ingestFromStandardInput() throws {
        let db = try database()
        let mails = [
            MailBuilder.message(parts: [MailBuilder.part(MailBuilder.reportJSON(id: "s1"), .gzipBase64)]),
            MailBuilder.plainMessage(),
            MailBuilder.message(parts: [MailBuilder.part(MailBuilder.reportJSON(id: "s2"), .jsonQuotedPrintable)]),
        ]
        let r = try CLI.run(["ingest", "--db", db, "-"], stdin: Array(MailBuilder.mbox(mails).utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == "ingest: 2 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 1 message(s) without a report\n")
        let gz = try TestPaths.bytes(
            URL(fileURLWithPath: Self.samples).appendingPathComponent("google-2026-11-21.json.gz"))
        let single = try CLI.run(["ingest", "--db", db, "-"], stdin: gz)
        #expect(single.stdout.hasPrefix("ingest: 1 stored"))
        let empty = try CLI.run(["ingest", "--db", db, "-"], stdin: [])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("rejected -: no report"))
    }

    /// `tlsrpt ingest -` on a pipe that pauses (a mail system streaming a mbox): with the
    /// default `--commit-within 1`, a report is in the database while the pipe is still open; with
    /// 0, nothing is until the input ends. The message being read when the pipe pauses stays
    /// in the reader: a mbox message ends only where the next one starts, or at the end.
    @Test func aPausedPipeIsCommittedWithoutWaitingForItsEnd() throws {
        // 0 until the database exists and is migrated (the ingest may be creating it).
        func reports(_ db: String) -> Int {
            if TestBackend.isPostgres {
                // "verify: N report(s), …" (the database exists from the start).
                guard let out = try? CLI.run(["verify", "--db", db]) else { return 0 }
                return Int(out.stdout.split(separator: " ").dropFirst().first ?? "") ?? 0
            }
            guard FileManager.default.fileExists(atPath: db) else { return 0 }
            return (try? SQLiteStore(path: db, readOnly: true).counts().reports) ?? 0
        }
        let mails = ["p1", "p2"].map {
            MailBuilder.message(parts: [MailBuilder.part(MailBuilder.reportJSON(id: $0), .gzipBase64)])
        }
        for commitWithin in ["0", "1"] {
            let db = try database()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try CLI.path)
            process.arguments = ["ingest", "--db", db, "--commit-within", commitWithin, "-"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data(MailBuilder.mbox(mails).utf8))
            if commitWithin == "0" {
                // Nothing can be committed before the end: wait well past when it would be.
                Thread.sleep(forTimeInterval: 2.5)
                #expect(reports(db) == 0)
            } else {
                let deadline = Date().addingTimeInterval(60)
                while reports(db) == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
                // p1 is committed; p2 is still being read (its end is not known yet).
                #expect(reports(db) == 1)
            }
            input.fileHandleForWriting.write(Data(MailBuilder.mbox([mails[0]]).utf8))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            let tally = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0)
            #expect(
                tally
                    == "ingest: 2 stored, 1 duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n")
            #expect(reports(db) == 2)
        }
        // A value that is not a number of seconds, 0 or more, is a usage error (64) that says so.
        for value in ["--commit-within=-1", "--commit-within=nan"] {
            let bad = try CLI.run(["ingest", "--db", try database(), value, "-"], stdin: [])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("--commit-within must be a number of seconds, 0 or more"))
        }
    }

    @Test func terminalOutputCarriesNoControlCharacters() throws {
        let json = MailBuilder.reportJSON(id: "esc\u{1B}]0;pwned\u{07}").replacingOccurrences(
            of: "Mail Test Org", with: "Evil\u{1B}[2J Org")
        let path = try writeTemp(json)
        let check = try CLI.run(["check", path])
        #expect(check.status == 0)
        #expect(!check.stdout.contains("\u{1B}"))
        #expect(check.stdout.contains("Evil?[2J Org"))
    }

    @Test func checkSaysNoReportAndExitCodes() throws {
        let empty = try writeTemp("")
        let r = try CLI.run(["check", empty])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(empty): no report"))
        let ok = try CLI.run(["check", Self.samples])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasSuffix("6 valid report(s), 0 rejected, 0 message(s) without a report\n"))
        let usage = try CLI.run(["check", "--format", "yaml", Self.samples])
        #expect(usage.status == 64)
    }

    static let chromium = ["chromium", "chromium-browser"].first { name in
        (try? TestTools.run("which", [name]).status) == 0
    }

    @Test(.enabled(if: chromium != nil || TestTools.toolsRequired, "needs chromium"))
    func htmlDigestRendersInARealBrowser() throws {
        let db = try database()
        _ = try CLI.run(["ingest", "--db", db, Self.samples])
        let dir = try TestPaths.temporaryDirectory("html")
        let html = dir.appendingPathComponent("digest.html").path
        let r = try CLI.run(["digest", "--db", db, "--day", "2026-11-22", "--format", "html", "--output", html])
        #expect(r.status == 0)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("<svg"))
        #expect(!text.contains("<script"))
        let png = dir.appendingPathComponent("shot.png").path
        let browser = try #require(Self.chromium, "chromium is not installed")
        let shot = try TestTools.run(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,900",
                "--screenshot=\(png)", "file://\(html)",
            ], environment: ["HOME": dir.path])
        #expect(FileManager.default.fileExists(atPath: png), "\(shot.stderr)")
        let check = try TestTools.run(
            "python3", [TestPaths.repositoryRoot.appendingPathComponent("scripts/check_screenshot.py").path, png])
        #expect(check.status == 0, "\(check.stderr)")
        let stats = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as! [String: Int]
        #expect(stats["width"] == 1000)
        #expect(stats["height"] == 900)
        // The failure day (42.8 %) is a red bar; the clean days before are green bars.
        #expect((stats["red"] ?? 0) > 500, "\(stats)")
        #expect((stats["green"] ?? 0) > 10, "\(stats)")
        #expect((stats["nonwhite"] ?? 0) > 20_000, "\(stats)")
    }

    @Test func twoIngestsAtOnceOnOneDatabase() throws {
        let db = try database()
        // Two directories of reports, written by two processes at the same time, in small
        // batches so their transactions interleave.
        var dirs: [String] = []
        var identities = Set<ReportIdentity>()
        var g = SeededGenerator(seed: 77)
        for d in 0..<2 {
            let dir = try TestPaths.temporaryDirectory("concurrent")
            for i in 0..<200 {
                let r = RandomReports.report(&g, index: d * 1000 + i)
                identities.insert(r.identity)
                try Data(TestCompression.gzip(ReportEncoder(pretty: false).encode(r))).write(
                    to: dir.appendingPathComponent("r\(i).json.gz"))
            }
            dirs.append(dir.path)
        }
        nonisolated(unsafe) var results: [TestTools.Output?] = [nil, nil]
        let group = DispatchGroup()
        for (i, dir) in dirs.enumerated() {
            group.enter()
            Thread.detachNewThread {
                results[i] = try? CLI.run(["ingest", "--db", db, "--batch-size", "25", dir])
                group.leave()
            }
        }
        group.wait()
        var stored = 0
        for r in results {
            #expect(r?.status == 0, "\(r?.stderr ?? "did not run") \(r?.stdout ?? "")")
            #expect(r?.stderr.contains("locked") == false)
            stored += Int(r?.stdout.split(separator: " ").dropFirst().first ?? "") ?? -1000
        }
        #expect(stored == identities.count)
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("verify: \(identities.count) report(s),"), "\(verify.stdout)")
        #expect(verify.stdout.contains("rollups exact"), "\(verify.stdout)")
    }

    @Test func pruneCommand() throws {
        let db = try database()
        _ = try CLI.run(["ingest", "--db", db, Self.samples])
        let keepAll = try CLI.run(["prune", "--db", db, "--older-than", "100000"])
        #expect(keepAll.stdout == "prune: 0 report(s) and 0 rejected input(s) deleted\n")
        let all = try CLI.run(["prune", "--db", db, "--older-than", "0"])
        #expect(all.stdout == "prune: 6 report(s) and 0 rejected input(s) deleted\n")
        let summary = try CLI.run(["summary", "--db", db])
        #expect(summary.stdout == "No reports match.\n")
    }
}
