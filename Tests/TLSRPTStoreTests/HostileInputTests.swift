import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// Every kind of hostile input, through `ingest` and `check` as a user runs them: each gets a
/// clear error naming the input and the place in it, a rejected-input record, bounded time and
/// memory, no crash; every valid report between them is still stored.
@Suite(.serialized) struct HostileInputTests {
    /// The memory bound of the issue tracker: peak RSS of one run.
    static let peakLimitMB = 300.0

    /// The hostile inputs as files, each followed by a valid report; returns the paths in order
    /// and the ids of the valid reports.
    func writeInputs(_ inputs: [HostileInputs.Input]) throws -> (paths: [String], validIDs: [String]) {
        let dir = try TestPaths.temporaryDirectory("hostile")
        var paths: [String] = []
        var valid: [String] = []
        for (i, input) in inputs.enumerated() {
            let path = dir.appendingPathComponent(String(format: "%02d-", i) + input.name).path
            try Data(input.bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
            valid += input.validReportIDs
            let id = "valid-after-\(i)"
            let next = dir.appendingPathComponent(String(format: "%02d-valid.json.gz", i)).path
            try Data(TestCompression.gzip(HostileInputs.report(id))).write(to: URL(fileURLWithPath: next))
            paths.append(next)
            valid.append(id)
        }
        return (paths, valid)
    }

    @Test func ingestRefusesEachRecordsItAndStoresEverythingAround() throws {
        let inputs = HostileInputs.files()
        let refused = inputs.filter(\.refused)
        let (paths, validIDs) = try writeInputs(inputs)
        let db = try TestPaths.temporaryDirectory("hostile-db").appendingPathComponent("t.sqlite").path
        let (out, peak) = try TestTools.runMeasured(try CLI.path, ["ingest", "--db", db] + paths, timeout: 300)
        #expect(out.status == 1, "\(out.stderr)")
        #expect(
            out.stdout
                == "ingest: \(validIDs.count) stored, 0 duplicate(s), 0 conflict(s), \(refused.count) rejected, 0 message(s) without a report\n"
        )
        #expect(peak > 0 && peak <= Self.peakLimitMB, "peak RSS \(peak) MB")
        // One clear line per refused input, naming it and the reason.
        let lines = out.stderr.split(separator: "\n").map(String.init)
        for (i, input) in inputs.enumerated() where input.refused {
            let line = lines.first { $0.hasPrefix("rejected \(paths[2 * i])") }
            #expect(line?.contains(input.reason) == true, "\(input.name): \(line ?? "no line")")
        }
        #expect(lines.count == refused.count, "\(out.stderr)")
        let store = try SQLiteStore(path: db)
        #expect(try store.reportIDs() == validIDs)
        let records = try store.rejectedInputs(limit: 1000).reversed()
        #expect(records.map(\.kind) == refused.map(\.kind))
        #expect(records.map(\.channel) == refused.map(\.channel))
        for (record, input) in zip(records, refused) {
            #expect(record.reason.contains(input.reason.split(separator: ": ").last ?? ""), "\(record.reason)")
        }
        #expect(try store.rollupMismatches() == 0)
        // Again: the valid reports are duplicates now, the hostile ones rejected again.
        let again = try CLI.run(["ingest", "--db", db, "--quiet"] + paths)
        #expect(
            again.stdout
                == "ingest: 0 stored, \(validIDs.count) duplicate(s), 0 conflict(s), \(refused.count) rejected, 0 message(s) without a report\n"
        )
    }

    @Test func checkNamesEachAndExitsNonZero() throws {
        let inputs = HostileInputs.files()
        let refused = inputs.filter(\.refused)
        let (paths, validIDs) = try writeInputs(inputs)
        let (out, peak) = try TestTools.runMeasured(try CLI.path, ["check"] + paths, timeout: 300)
        #expect(out.status == 1)
        #expect(peak > 0 && peak <= Self.peakLimitMB, "peak RSS \(peak) MB")
        #expect(
            out.stdout.hasSuffix(
                "\(validIDs.count) valid report(s), \(refused.count) rejected, 0 message(s) without a report\n"))
        let errors = out.stderr.split(separator: "\n").map(String.init)
        #expect(errors.count == refused.count)
        for (i, input) in inputs.enumerated() where input.refused {
            #expect(
                errors.contains { $0.hasPrefix("error  \(paths[2 * i])") && $0.contains(input.reason) }, "\(input.name)"
            )
        }
        let ok = out.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }
        #expect(ok.count == validIDs.count)
    }

    @Test func bombOnStandardInput() throws {
        let db = try TestPaths.temporaryDirectory("hostile-db").appendingPathComponent("t.sqlite").path
        let (out, peak) = try TestTools.runMeasured(
            try CLI.path, ["ingest", "--db", db, "-"], stdin: HostileInputs.gzipBomb)
        #expect(out.status == 1)
        #expect(out.stderr.contains("rejected -: decompresses to more than the 20 MB cap"))
        #expect(peak > 0 && peak <= Self.peakLimitMB, "peak RSS \(peak) MB")
        #expect(try SQLiteStore(path: db).counts().rejectedInputs == 1)
    }

    /// A valid 60 MB report is stored in bounded memory once the cap allows it.
    @Test func sixtyMegabyteReportUnderARaisedCap() throws {
        let (json, details) = HostileInputs.bigReport(id: "big", bytes: 60_000_000)
        let dir = try TestPaths.temporaryDirectory("hostile-big")
        let path = dir.appendingPathComponent("big.json").path
        try Data(json).write(to: URL(fileURLWithPath: path))
        let db = dir.appendingPathComponent("t.sqlite").path
        let (out, peak) = try TestTools.runMeasured(
            try CLI.path, ["ingest", "--db", db, "--max-report-bytes", "64000000", path], timeout: 300)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(peak > 0 && peak <= Self.peakLimitMB, "peak RSS \(peak) MB")
        let store = try SQLiteStore(path: db)
        #expect(try store.counts().failureDetails == details)
        let summary = try store.summary(ReportFilter())
        #expect(summary.map(\.failedSessionCount) == [Int64(details)])
        #expect(try store.rollupMismatches() == 0)
    }

    /// A lower nesting cap, a lower MIME part cap: the flags work.
    @Test func capsAreConfigurable() throws {
        let deep = try writeTemp(#"{"x":[[[[[]]]]],"# + String(HostileInputs.report("d").dropFirst()))
        #expect(try CLI.run(["check", deep]).status == 0)
        let shallow = try CLI.run(["check", "--max-json-depth", "3", deep])
        #expect(shallow.status == 1)
        #expect(shallow.stderr.contains("nesting deeper than 3 levels"))
        let mail = try writeTemp(
            MailBuilder.message(parts: [
                "Content-Type: text/plain\n\nnote", "Content-Type: text/plain\n\nnote",
                MailBuilder.part(HostileInputs.report("m"), .gzipBase64),
            ]))
        #expect(try CLI.run(["check", mail]).status == 0)
        let few = try CLI.run(["check", "--max-mime-parts", "3", mail])
        #expect(few.status == 1)
        #expect(few.stderr.contains("message has more than 3 MIME parts"))
        // The report two levels down (a part of a multipart inside the message's multipart).
        let inner =
            "Content-Type: multipart/mixed; boundary=\"in\"\n\n--in\n"
            + MailBuilder.part(HostileInputs.report("nested"), .gzipBase64) + "\n--in--"
        let nested = try writeTemp(MailBuilder.message(parts: [inner]))
        #expect(try CLI.run(["check", "--max-mime-depth", "2", nested]).status == 0)
        let shallowMail = try CLI.run(["check", "--max-mime-depth", "1", nested])
        #expect(shallowMail.status == 1)
        #expect(
            shallowMail.stderr.contains("no report: MIME parts nested deeper than 1 levels were not read"),
            "\(shallowMail.stderr)")
        let zero = try CLI.run(["ingest", "--max-json-depth", "0", mail])
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("--max-json-depth must be at least 1"))
    }
}

extension HostileInputTests {
    /// The same variants through `ingest`: the accepted ones stored, each refused one recorded
    /// with its JSON path.
    @Test func wrongTypesThroughIngest() throws {
        let variants = WrongTypes.variants()
        let dir = try TestPaths.temporaryDirectory("wrong-types")
        for (i, v) in variants.enumerated() {
            try Data(v.json).write(to: dir.appendingPathComponent(String(format: "%03d.json", i)))
        }
        let db = try TestPaths.temporaryDirectory("wrong-types-db").appendingPathComponent("t.sqlite").path
        let out = try CLI.run(["ingest", "--db", db, "--quiet", dir.path])
        let accepted = variants.filter(\.accepted).count
        #expect(out.status == 1)
        #expect(
            out.stdout
                == "ingest: \(accepted) stored, 0 duplicate(s), 0 conflict(s), \(variants.count - accepted) rejected, 0 message(s) without a report\n"
        )
        let records = try SQLiteStore(path: db).rejectedInputs(limit: 1000).reversed()
        #expect(records.map(\.jsonPath) == variants.filter { !$0.accepted }.map(\.path))
    }
}

extension HostileInputTests {
    /// Report text is attacker-controlled: every output of the CLI renders it harmless (no
    /// terminal control sequences, no live HTML, no spreadsheet formulas).
    @Test func attackerTextIsHarmlessInEveryOutput() throws {
        let evil =
            #"{"organization-name":"<script>alert(1)</script>\u001b[2J","date-range":{"start-datetime":"2026-11-21T00:00:00Z","end-datetime":"2026-11-21T23:59:59Z"},"contact-info":"=HYPERLINK(\"http://x\")","report-id":"\u001b]0;pwned\u0007","policies":[{"policy":{"policy-type":"sts","policy-domain":"evil.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":9},"failure-details":[{"result-type":"=cmd|' /C calc'!A0","receiving-mx-hostname":"<img src=x onerror=alert(1)>","failed-session-count":9,"additional-information":"+SUM(A1)\u202e\r\n-1"}]}]}"#
        let dir = try TestPaths.temporaryDirectory("evil")
        let input = dir.appendingPathComponent("evil.json").path
        try Data(evil.utf8).write(to: URL(fileURLWithPath: input))
        let db = dir.appendingPathComponent("t.sqlite").path
        #expect(try CLI.run(["ingest", "--db", db, input]).status == 0)

        func noControls(_ text: String, _ what: String) {
            #expect(
                !text.unicodeScalars.contains {
                    ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || $0.value == 0x202E
                },
                "\(what) carries control characters")
        }
        let check = try CLI.run(["check", input])
        noControls(check.stdout, "check")
        let summary = try CLI.run(["summary", "--db", db])
        #expect(summary.status == 0)
        noControls(summary.stdout, "summary")
        #expect(summary.stdout.contains("evil.example"))
        for format in ["text", "markdown"] {
            let digest = try CLI.run(["digest", "--db", db, "--day", "2026-11-21", "--format", format])
            noControls(digest.stdout, "digest \(format)")
            #expect(digest.stdout.contains("evil.example"))
        }
        let html = try CLI.run(["digest", "--db", db, "--day", "2026-11-21", "--format", "html"]).stdout
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!html.contains("\u{1B}"))
        // CSV: Python's csv module reads every cell back; none starts a formula.
        for table in ["policies", "failures"] {
            let csv = dir.appendingPathComponent("\(table).csv").path
            #expect(try CLI.run(["export", "--db", db, "--table", table, "--output", csv]).status == 0)
            let read = try TestTools.run(
                "python3",
                ["-c", "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", csv])
            let rows = try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as! [[String]]
            #expect(rows.count == 2, "\(table): \(rows)")
            for cell in rows.dropFirst().joined() {
                #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "\(table): \(cell)")
            }
            if table == "failures" {
                #expect(rows[1].contains("'=cmd|' /c calc'!a0"))  // result types are lower-cased
            }
        }
    }

    /// Counts as large as 64 bits allow, in several reports for one domain and day: the ingest,
    /// summaries at every grain, the digest and `verify` add them up held at the largest value
    /// instead of overflowing (which stopped the process and lost the batch).
    @Test func countsThatOverflowWhenAddedAreHeldAtTheLargestValue() throws {
        let dir = try TestPaths.temporaryDirectory("overflow")
        let max = "9223372036854775807"
        for i in 0..<3 {
            let json = """
                {"organization-name":"Big","date-range":{"start-datetime":"2026-11-01T00:00:00Z",\
                "end-datetime":"2026-11-01T23:59:59Z"},"contact-info":"x@example.net","report-id":"big-\(i)",\
                "policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},\
                "summary":{"total-successful-session-count":\(max),"total-failure-session-count":\(max)},\
                "failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx.example.com",\
                "failed-session-count":\(max)}]}]}
                """
            try Data(json.utf8).write(to: dir.appendingPathComponent("big-\(i).json"))
        }
        let db = dir.appendingPathComponent("t.sqlite").path
        let ingest = try CLI.run(["ingest", "--db", db, dir.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.hasPrefix("ingest: 3 stored"))
        let store = try SQLiteStore(path: db)
        for filter in [ReportFilter(), ReportFilter(since: Day("2026-11-01"), until: Day("2026-11-01"))] {
            let s = try store.summary(filter)
            #expect(s.count == 1)
            #expect(s.first?.successfulSessionCount == Int64.max)
            #expect(s.first?.failedSessionCount == Int64.max)
            #expect(s.first?.totalSessionCount == Int64.max)
            #expect(s.first?.resultTypes == ["certificate-expired": Int64.max])
            #expect(s.first?.mxHosts.first?.failedSessionCount == Int64.max)
            #expect(s.first?.policyCount == 3)
        }
        let digest = try store.digest(day: Day("2026-11-01")!)
        #expect(digest.daily.last?.failedSessionCount == Int64.max)
        #expect(try store.rollupMismatches() == 0)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
        for format in ["table", "json", "csv"] {
            #expect(try CLI.run(["summary", "--db", db, "--format", format]).status == 0)
        }
    }
}
