import Foundation
import TLSRPT
import TLSRPTTestSupport
import Testing

/// `digest`'s history alerts on a seeded 60-day history with planted events: each fires on its
/// day with its evidence, and nowhere else. Run through the command, on the tests' backend.
@Suite struct DigestAlertTests {
    static let first = Day("2026-09-01")!

    /// A report of `org` for `domain` on day `i`: `ok` successful sessions and the failures.
    static func report(
        _ org: String, day i: Int, domain: String, ok: Int, failures: [(type: String, mx: String, n: Int)]
    ) -> String {
        let day = first.adding(days: i)
        let failed = failures.reduce(0) { $0 + $1.n }
        let details = failures.map {
            #"{"result-type":"\#($0.type)","receiving-mx-hostname":"\#($0.mx)","failed-session-count":\#($0.n)}"#
        }.joined(separator: ",")
        return #"""
            {"organization-name":"\#(org)","date-range":{"start-datetime":"\#(day)T00:00:00Z","end-datetime":"\#(day)T23:59:59Z"},"contact-info":"tlsrpt@\#(org.lowercased().replacingOccurrences(of: " ", with: "-")).example","report-id":"\#(org)-\#(domain)-\#(day)","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: *.\#(domain)","max_age: 86400"],"policy-domain":"\#(domain)","mx-host":["*.\#(domain)"]},"summary":{"total-successful-session-count":\#(ok),"total-failure-session-count":\#(failed)},"failure-details":[\#(details)]}]}
            """#
    }

    /// The planted history. steady.example: Alpha Mail and Beta Mail report every day, 1,000
    /// sessions each and 4–6 failures (certificate-expired at mx1); day 40 Alpha sees 100
    /// failures (the baseline spike); day 45 Beta sees 5 starttls-not-supported at mx2 (a new
    /// failing MX); Gamma Mail reports from day 50 on (a new reporter); Beta's last report is
    /// day 53 (silent from day 54). quiet.example: 50 sessions a day from Alpha, and a spike of
    /// 40 failures on day 40 that stays under the 100-session minimum.
    static func seed(_ db: String) throws {
        let dir = try TestPaths.temporaryDirectory("alerts")
        var n = 0
        func write(_ json: String) throws {
            n += 1
            try Data(json.utf8).write(to: dir.appendingPathComponent("r\(n).json"))
        }
        for i in 0..<60 {
            let f = 4 + i % 3
            try write(
                report(
                    "Alpha Mail", day: i, domain: "steady.example", ok: 1000,
                    failures: [("certificate-expired", "mx1.steady.example", i == 40 ? 100 : f)]))
            if i <= 53 {
                var beta = [(type: "certificate-expired", mx: "mx1.steady.example", n: f)]
                if i == 45 { beta.append(("starttls-not-supported", "mx2.steady.example", 5)) }
                try write(report("Beta Mail", day: i, domain: "steady.example", ok: 1000, failures: beta))
            }
            if i >= 50 { try write(report("Gamma Mail", day: i, domain: "steady.example", ok: 100, failures: [])) }
            try write(
                report(
                    "Alpha Mail", day: i, domain: "quiet.example", ok: i == 40 ? 10 : 49,
                    failures: [("validation-failure", "mx.quiet.example", i == 40 ? 40 : 1)]))
        }
        let r = try CLI.run(["ingest", "--db", db, dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("ingest: \(60 + 54 + 10 + 60) stored"), "\(r.stdout)")
    }

    static func digest(_ db: String, day i: Int, _ extra: [String] = []) throws -> (status: Int32, json: [String: Any])
    {
        let r = try CLI.run(
            [
                "digest", "--db", db, "--day", first.adding(days: i).description, "--format", "json",
                "--alert-baseline", "--alert-new-mx", "--alert-new-reporter", "--alert-silent-reporter",
            ] + extra)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        return (r.status, try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])
    }

    @Test func plantedEventsFireOnTheirDayAndNowhereElse() throws {
        let db = try TestBackend.newDatabase("alerts")
        try Self.seed(db)
        var fired: [Int: [String]] = [:]
        var alertsOf: [Int: [[String: Any]]] = [:]
        for i in 0..<60 {
            let (status, json) = try Self.digest(db, day: i)
            let alerts = json["alerts"] as! [[String: Any]]
            #expect((status == 1) == !alerts.isEmpty, "day \(i)")
            if !alerts.isEmpty {
                fired[i] = alerts.map { "\($0["kind"] as! String) \($0["policy_domain"] as! String)" }
                alertsOf[i] = alerts
            }
        }
        // Day 0 is where the history starts: every reporter and failing MX is new there.
        #expect(
            fired == [
                0: [
                    "new-mx quiet.example", "new-reporter quiet.example", "new-mx steady.example",
                    "new-reporter steady.example", "new-reporter steady.example",
                ],
                40: ["baseline steady.example"],
                45: ["new-mx steady.example"],
                50: ["new-reporter steady.example"],
                55: ["silent-reporter steady.example"],
            ])
        // The evidence, exactly. Day 40: 105 failed of 2,105 sessions; the 28 days before
        // have 10 days at 8/2008, 9 at 10/2010 and 9 at 12/2012: median 10/2010.
        let spike = try #require(alertsOf[40]?.first)
        let evidence = spike["evidence"] as! [String: Any]
        #expect(evidence["sessions"] as? Int == 2105)
        #expect(evidence["failed_sessions"] as? Int == 105)
        #expect((evidence["failure_rate"] as? NSNumber)?.doubleValue == 0.0499)
        #expect((evidence["median_failure_rate"] as? NSNumber)?.doubleValue == 0.0050)
        #expect(evidence["factor"] as? Int == 3)
        #expect(evidence["history_days"] as? Int == 28)
        #expect(
            spike["message"] as? String
                == "steady.example: failure rate 4.99% against a median of 0.50% over the 28 days with reports of the 28 before (10.0×)"
        )
        #expect((spike["hint"] as? String)?.hasPrefix("Renew the TLS certificate on mx1.steady.example") == true)
        let mx = try #require(alertsOf[45]?.first)
        #expect(
            NSDictionary(dictionary: mx["evidence"] as! [String: Any]).isEqual(to: [
                "mx_host": "mx2.steady.example", "failed_sessions": 5, "result_types": ["starttls-not-supported"],
            ]))
        #expect((mx["hint"] as? String)?.hasPrefix("mx2.steady.example did not offer STARTTLS") == true)
        let reporter = try #require(alertsOf[50]?.first)
        #expect(
            NSDictionary(dictionary: reporter["evidence"] as! [String: Any]).isEqual(to: [
                "reporter": "Gamma Mail", "successful_sessions": 100, "failed_sessions": 0,
            ]))
        let silent = try #require(alertsOf[55]?.first)
        #expect(
            NSDictionary(dictionary: silent["evidence"] as! [String: Any]).isEqual(to: [
                "reporter": "Beta Mail", "days_reported": 14, "last_report_day": "2026-10-24",
            ]))
        #expect(
            silent["message"] as? String
                == "steady.example: no report from Beta Mail for 2 days (it reported on 14 of the 14 days before, last on 2026-10-24)"
        )
    }

    @Test func thresholdsAndFormats() throws {
        let db = try TestBackend.newDatabase("alerts-formats")
        try Self.seed(db)
        // quiet.example's day-40 spike (40 of 50 failed) fires once its 50 sessions are enough.
        let low = try Self.digest(db, day: 40, ["--alert-min-sessions", "50"]).json["alerts"] as! [[String: Any]]
        #expect(
            low.map { $0["kind"] as! String + " " + ($0["policy_domain"] as! String) } == [
                "baseline quiet.example", "baseline steady.example",
            ])
        // A factor of 20: the steady spike (10×) no longer fires.
        let strict = try CLI.run([
            "digest", "--db", db, "--day", "2026-10-11", "--alert-baseline", "20",
        ])
        #expect(strict.status == 0, "\(strict.stdout)")
        #expect(!strict.stdout.contains("ALERT"))
        // Text shows the alert first, with what to do; Markdown and HTML carry it too.
        let text = try CLI.run(["digest", "--db", db, "--day", "2026-10-26", "--alert-silent-reporter"])
        #expect(text.status == 1)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines[1].hasPrefix("ALERT: steady.example: no report from Beta Mail for 2 days"))
        #expect(lines[2].hasPrefix("  what to do: Its reports may not be reaching you"))
        let html = try CLI.run([
            "digest", "--db", db, "--day", "2026-10-26", "--alert-silent-reporter", "--format", "html",
        ])
        #expect(html.stdout.contains("<div class=\"alert\" data-kind=\"silent-reporter\">"))
        let markdown = try CLI.run([
            "digest", "--db", db, "--day", "2026-10-26", "--alert-silent-reporter", "--format", "markdown",
        ])
        #expect(markdown.stdout.contains("> **Alert:** steady.example: no report from Beta Mail for 2 days"))
        // The older alerts, in JSON too, with their evidence.
        let old = try CLI.run([
            "digest", "--db", db, "--day", "2026-10-11", "--format", "json", "--max-failure-rate", "4",
            "--min-reports", "10",
        ])
        #expect(old.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(old.stdout.utf8)) as! [String: Any]
        let kinds = (json["alerts"] as! [[String: Any]]).map { $0["kind"] as! String }
        #expect(kinds == ["min-reports", "failure-rate", "failure-rate"])
        #expect(json["report_count"] as? Int == 3)
        let domains = (json["policy_domains"] as! [[String: Any]]).map { $0["policy_domain"] as! String }
        #expect(domains == ["quiet.example", "steady.example"])
    }
}
