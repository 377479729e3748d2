import Foundation
import TLSRPTTestSupport
import Testing

/// `tlsrpt web` as a user meets it: the real command over HTTPS on loopback, pages loaded by
/// Debian's chromium (headless) and read back from the rendered DOM, curl for headers and auth,
/// a real `htpasswd -B` file. The numbers on the pages are held against `tlsrpt summary` and
/// `tlsrpt export` of the same database.
@Suite(.serialized) struct DashboardTests {
    static let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path
    static let chromium = ["chromium", "chromium-browser"].first { name in
        (try? TestTools.run("which", [name]).status) == 0
    }
    static let tools = ["curl", "openssl"].allSatisfy { (try? TestTools.run("which", [$0]).status) == 0 }
    static let htpasswd = (try? TestTools.run("which", ["htpasswd"]).status) == 0

    /// The range every page is asked for: all of the corpus (2020–2026) and the real sender.
    static let range = "since=2019-01-01&until=2026-12-31"

    /// A report whose every string tries to run script.
    static let hostileReport = #"""
        {"organization-name":"<script>document.title='pwned'</script>","date-range":{"start-datetime":"2026-11-22T00:00:00Z","end-datetime":"2026-11-22T23:59:59Z"},"contact-info":"<img src=x onerror=\"document.title='pwned2'\">","report-id":"<b>xss-1</b>","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: <i>enforce</i>"],"policy-domain":"xss.example","mx-host":["<img src=x onerror=alert(1)>"]},"summary":{"total-successful-session-count":5,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"<img src=x onerror=\"document.title='pwned3'\">","additional-information":"<svg onload=alert(4)>","failed-session-count":2}]}]}
        """#

    /// A database of the samples, the corpus (when ../shared is there), the real sender's mail
    /// (when present), the hostile report and one rejected input; and the rejected bytes.
    static func filledDatabase() throws -> (db: String, rejected: [UInt8]) {
        let db = try TestBackend.newDatabase("web")
        let dir = try TestPaths.temporaryDirectory("web-inputs")
        let hostile = dir.appendingPathComponent("hostile.json")
        try Data(hostileReport.utf8).write(to: hostile)
        let bad = Array(#"{"organization-name":"<b>Bad</b>","report-id":"r","policies":[]}"#.utf8)
        let badFile = dir.appendingPathComponent("bad <b>input.json")
        try Data(bad).write(to: badFile)
        var inputs = [samples, hostile.path]
        if let corpus = TestPaths.sharedCorpus { inputs.append(corpus.path) }
        if RealSender.available {
            inputs.append(try RealSender.run([]).directory.appendingPathComponent("reports.mbox").path)
        }
        let ingest = try CLI.run(["ingest", "--db", db] + inputs)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let rejected = try CLI.run(["ingest", "--db", db, badFile.path])
        #expect(rejected.status == 1)
        return (db, bad)
    }

    /// `tlsrpt summary --format json` of the range: domain → its object.
    static func summary(_ db: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try CLI.run(
            ["summary", "--db", db, "--format", "json", "--since", "2019-01-01", "--until", "2026-12-31"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let root = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        return root["policy_domains"] as! [[String: Any]]
    }

    /// Per day of the policies export: (successful, failed) of `domain`.
    static func exportedDays(_ db: String, domain: String) throws -> [String: (Int, Int)] {
        let r = try CLI.run(
            [
                "export", "--db", db, "--table", "policies", "--format", "json", "--since", "2019-01-01", "--until",
                "2026-12-31",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        var days: [String: (Int, Int)] = [:]
        for line in r.stdout.split(separator: "\n") {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard row["policy_domain"] as? String == domain, let day = row["day"] as? String else { continue }
            let old = days[day] ?? (0, 0)
            days[day] = (
                old.0 + (row["successful_session_count"] as! Int), old.1 + (row["failed_session_count"] as! Int)
            )
        }
        return days
    }

    /// What chromium rendered at `url`: the DOM after scripts ran, and the console's lines.
    static func browse(_ url: String) throws -> (dom: String, console: [String]) {
        let browser = try #require(chromium, "chromium is not installed")
        let home = try TestPaths.temporaryDirectory("chromium")
        let r = try TestTools.run(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--enable-logging=stderr",
                "--v=0", "--user-data-dir=\(home.path)/profile", "--dump-dom", url,
            ], environment: ["HOME": home.path])
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        let console = r.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return (r.stdout, console)
    }

    /// Every match of `pattern`'s first group in `text`.
    static func matches(_ pattern: String, _ text: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            Range(m.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    static func escaped(_ s: String) -> String {
        NSRegularExpression.escapedPattern(for: s.replacingOccurrences(of: "&", with: "&amp;"))
    }

    /// The value of the element with `id`.
    static func byID(_ id: String, _ dom: String) -> String? {
        matches(#"id="\#(id)"[^>]*>([^<]*)<"#, dom).first
    }

    static func number(_ any: Any?) -> Int { (any as? Int) ?? -1 }

    @Test(.enabled(if: chromium != nil && tools || TestTools.toolsRequired, "needs chromium, curl and openssl"))
    func everyPageInABrowserShowsTheStoresNumbers() throws {
        let (db, rejectedBytes) = try Self.filledDatabase()
        let web = try ServerProcess(database: db, command: "web")
        defer { web.stop() }
        let summary = try Self.summary(db)
        #expect(summary.count >= 4)

        // `/`: a row per policy domain with its sessions and failures, the totals in the cards.
        let overview = try Self.browse(web.url("/?\(Self.range)"))
        #expect(overview.console.isEmpty, "\(overview.console)")
        #expect(Self.matches("<title>([^<]*)</title>", overview.dom).first == "Policy domains · tlsrpt")
        #expect(Self.byID("domain-count", overview.dom) == String(summary.count))
        let total = summary.reduce(0) { $0 + Self.number($1["total_session_count"]) }
        let failed = summary.reduce(0) { $0 + Self.number($1["failed_session_count"]) }
        #expect(Self.byID("total-sessions", overview.dom) == String(total))
        #expect(Self.byID("total-failed", overview.dom) == String(failed))
        let rows = Self.matches(#"<tr class="domain-row" data-domain="([^"]*)""#, overview.dom)
        #expect(Set(rows) == Set(summary.map { $0["policy_domain"] as! String }))
        #expect(rows.count == summary.count)
        for s in summary {
            let d = s["policy_domain"] as! String
            let cells = Self.matches(
                #"data-domain="\#(Self.escaped(d))">.*?<td class="num sessions">(\d+)</td><td class="num failed">(\d+)</td>"#,
                overview.dom)
            #expect(cells.first == String(Self.number(s["total_session_count"])), "\(d)")
        }
        // Worst first: the failure rates down the table never rise.
        let rates = Self.matches(#"<td class="num rate"><span class="[^"]*" data-rate="([0-9.]+)""#, overview.dom)
            .compactMap(Double.init)
        #expect(rates.count == summary.count)
        #expect(rates == rates.sorted(by: >))

        // `/domain/NAME` for every domain: the cards, the result types, the chart's bars.
        for s in summary {
            let d = s["policy_domain"] as! String
            let path = d.isEmpty ? "-" : d
            let page = try Self.browse(web.url("/domain/\(path)?\(Self.range)"))
            #expect(page.console.isEmpty, "\(d): \(page.console)")
            #expect(
                Self.matches("<title>([^<]*)</title>", page.dom).first
                    == "\(d.isEmpty ? "(no policy domain)" : d) · tlsrpt")
            #expect(Self.byID("sessions", page.dom) == String(Self.number(s["total_session_count"])), "\(d)")
            #expect(Self.byID("successful", page.dom) == String(Self.number(s["successful_session_count"])), "\(d)")
            #expect(Self.byID("failed", page.dom) == String(Self.number(s["failed_session_count"])), "\(d)")
            let types = (s["result_types"] as! [String: Int]).filter { $0.value > 0 }
            let shown = Self.matches(
                #"<tr data-result-type="([^"]*)"><td>[^<]*</td><td class="num">(\d+)</td>"#, page.dom)
            #expect(shown.count == types.count, "\(d)")
            for (type, n) in types {
                let cell = Self.matches(
                    #"<tr data-result-type="\#(Self.escaped(type))"><td>[^<]*</td><td class="num">(\d+)</td>"#, page.dom
                )
                #expect(cell.first == String(n), "\(d) \(type)")
            }
            // One bar per day and series with sessions, exactly as the export's rows add up.
            let days = try Self.exportedDays(db, domain: d)
            let chart = Self.matches(#"(<svg class="chart" data-kind="sessions".*?</svg>)"#, page.dom).first ?? ""
            for (series, pick) in [("successful", 0), ("failed", 1)] {
                var bars: [String: Int] = [:]
                for bar in Self.matches(#"(<rect class="bar"[^>]*data-series="\#(series)"[^>]*>)"#, chart) {
                    let day = Self.matches(#"data-day="([^"]*)""#, bar).first ?? ""
                    bars[day] = Int(Self.matches(#"data-count="(\d+)""#, bar).first ?? "") ?? -1
                }
                let want = days.compactMapValues { v -> Int? in
                    let n = pick == 0 ? v.0 : v.1
                    return n > 0 ? n : nil
                }
                #expect(bars == want, "\(d) \(series)")
            }
            let failureChart =
                Self.matches(#"(<svg class="chart" data-kind="failures".*?</svg>)"#, page.dom).first ?? ""
            let failureCounts = Self.matches(#"<rect class="bar"[^>]*data-count="(\d+)""#, failureChart).compactMap(
                Int.init)
            #expect(failureCounts.reduce(0, +) == types.values.reduce(0, +), "\(d)")
        }

        // `/reports`: every report counted, 50 a page, the pager to the next.
        let verify = try CLI.run(["verify", "--db", db])
        let reportCount = Int(Self.matches(#"verify: (\d+) report"#, verify.stdout).first ?? "") ?? -1
        let list = try Self.browse(web.url("/reports"))
        #expect(list.console.isEmpty, "\(list.console)")
        #expect(Self.matches(#"id="report-count" data-total="(\d+)""#, list.dom).first == String(reportCount))
        let listed = Self.matches(#"<tr class="report-row" data-id="(\d+)""#, list.dom)
        #expect(listed.count == min(50, reportCount))
        #expect(list.dom.contains("class=\"next\"") == (reportCount > 50))

        // The hostile report: found by its domain, every string shown as text, nothing run.
        let hostileList = try Self.browse(web.url("/reports?domain=xss.example&\(Self.range)"))
        let ids = Self.matches(#"<tr class="report-row" data-id="(\d+)""#, hostileList.dom)
        #expect(ids.count == 1)
        let id = try #require(ids.first)
        for path in [
            "/reports/\(id)", "/domain/xss.example?\(Self.range)", "/reports?domain=xss.example&\(Self.range)",
        ] {
            let page = try Self.browse(web.url(path))
            #expect(page.console.isEmpty, "\(path): \(page.console)")
            let title = Self.matches("<title>([^<]*)</title>", page.dom).first ?? ""
            #expect(!title.contains("pwned"), "\(path): \(title)")
            #expect(title.hasSuffix(" · tlsrpt"), "\(path): \(title)")
            #expect(!page.dom.contains("<img"), "\(path)")
            #expect(!page.dom.contains("<b>"), "\(path)")
            #expect(!page.dom.contains("<script>document"), "\(path)")
            #expect(page.dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "\(path)")
        }
        let report = try Self.browse(web.url("/reports/\(id)"))
        #expect(report.dom.contains("&lt;img src=x onerror=\"document.title='pwned3'\"&gt;"))
        #expect(report.dom.contains("mode: &lt;i&gt;enforce&lt;/i&gt;"))
        #expect(!report.dom.contains("<svg onload"))
        #expect(Self.matches(#"<tr class="copy" data-outcome="([^"]*)""#, report.dom) == ["stored"])

        // `/rejected`: the rejected input with its source and reason; its bytes downloadable.
        let rejectedList = try CLI.run(["rejected", "--db", db, "--format", "json"])
        let rejected = try JSONSerialization.jsonObject(with: Data(rejectedList.stdout.utf8)) as! [[String: Any]]
        let rejectedPage = try Self.browse(web.url("/rejected"))
        #expect(rejectedPage.console.isEmpty, "\(rejectedPage.console)")
        #expect(
            Self.matches(#"id="rejected-count" data-total="(\d+)""#, rejectedPage.dom).first == String(rejected.count))
        #expect(rejectedPage.dom.contains("bad &lt;b&gt;input.json"))
        #expect(!rejectedPage.dom.contains("<b>"))
        // Dates filter it: it was received today, so a range ending on 2026-01-01 has none.
        let before = try Self.browse(web.url("/rejected?until=2026-01-01"))
        #expect(Self.matches(#"id="rejected-count" data-total="(\d+)""#, before.dom).first == "0")
        let rejectedID = try #require(
            Self.matches(#"<tr class="rejected-row" data-id="(\d+)""#, rejectedPage.dom).first)
        let download = try web.fetch("/rejected/\(rejectedID)/raw")
        #expect(download.status == 200)
        #expect(download.body == rejectedBytes)
        #expect(download.headers["content-type"] == "application/octet-stream")
        #expect(download.headers["content-disposition"] == "attachment; filename=\"rejected-\(rejectedID).bin\"")
    }

    @Test(.enabled(if: chromium != nil && tools || TestTools.toolsRequired, "needs chromium, curl and openssl"))
    func screenshotsShowTheCharts() throws {
        let db = try TestBackend.newDatabase("web-shot")
        let ingest = try CLI.run(["ingest", "--db", db, Self.samples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let web = try ServerProcess(database: db, command: "web")
        defer { web.stop() }
        let browser = try #require(Self.chromium)
        let dir = try TestPaths.temporaryDirectory("web-shot")
        // example.com has clean days (green bars) and failing days (red) in the samples.
        for (name, path, size) in [
            ("overview", "/", "1200,700"),
            ("domain", "/domain/example.com?since=2026-10-25&until=2026-11-23", "1200,1100"),
        ] {
            let png = dir.appendingPathComponent("\(name).png").path
            let shot = try TestTools.run(
                browser,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--ignore-certificate-errors",
                    "--user-data-dir=\(dir.path)/profile-\(name)", "--window-size=\(size)", "--screenshot=\(png)",
                    web.url(path),
                ], environment: ["HOME": dir.path])
            #expect(FileManager.default.fileExists(atPath: png), "\(shot.stderr.suffix(2000))")
            let check = try TestTools.run(
                "python3", [TestPaths.repositoryRoot.appendingPathComponent("scripts/check_screenshot.py").path, png])
            #expect(check.status == 0, "\(check.stderr)")
            let stats = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as! [String: Int]
            #expect(stats["width"] == Int(size.split(separator: ",")[0]))
            #expect((stats["nonwhite"] ?? 0) > 100_000, "\(name) \(stats)")
            if name == "domain" {
                // The daily chart's bars: green for successful sessions, red for failed ones.
                #expect((stats["green"] ?? 0) > 300, "\(stats)")
                #expect((stats["red"] ?? 0) > 300, "\(stats)")
            } else {
                // The failure rates and the sparklines' failing days are red.
                #expect((stats["red"] ?? 0) > 50, "\(stats)")
            }
        }
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func apiAnswersWithTheSummarysNumbersAndErrorsAreClear() throws {
        let db = try TestBackend.newDatabase("web-api")
        let ingest = try CLI.run(["ingest", "--db", db, Self.samples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let web = try ServerProcess(database: db, command: "web")
        defer { web.stop() }
        // /api/summary: summary --format json's domains, with the range it covers.
        let api = try web.fetch("/api/summary?\(Self.range)")
        #expect(api.status == 200)
        #expect(api.headers["content-type"] == "application/json")
        let root = try JSONSerialization.jsonObject(with: Data(api.body)) as! [String: Any]
        #expect(root["since"] as? String == "2019-01-01")
        #expect(root["until"] as? String == "2026-12-31")
        let domains = root["policy_domains"] as! [[String: Any]]
        let summary = try Self.summary(db)
        #expect(NSArray(array: domains).isEqual(to: summary))
        // A reporter filter, written as a browser's form writes it (`+` for a space).
        let google = try web.fetch("/api/summary?\(Self.range)&reporter=google+inc.")
        let googleRoot = try JSONSerialization.jsonObject(with: Data(google.body)) as! [String: Any]
        #expect(
            NSArray(array: googleRoot["policy_domains"] as! [[String: Any]]).isEqual(
                to: try Self.summary(db, ["--reporter", "Google Inc."])))
        // The default range: the 30 days up to the newest report.
        let defaults =
            try JSONSerialization.jsonObject(with: Data(try web.fetch("/api/summary").body)) as! [String: Any]
        #expect(defaults["until"] as? String == "2026-11-22")
        #expect(defaults["since"] as? String == "2026-10-24")
        // /api/reports pages the list; /api/domain/NAME the domain's days.
        let reports = try JSONSerialization.jsonObject(with: Data(try web.fetch("/api/reports").body)) as! [String: Any]
        #expect(reports["total"] as? Int == 6)
        #expect((reports["reports"] as! [Any]).count == 6)
        let domain =
            try JSONSerialization.jsonObject(
                with: Data(try web.fetch("/api/domain/example.com?since=2026-11-20&until=2026-11-22").body))
            as! [String: Any]
        let days = domain["daily"] as! [[String: Any]]
        #expect(days.map { $0["day"] as! String } == ["2026-11-20", "2026-11-21", "2026-11-22"])
        let exported = try Self.exportedDays(db, domain: "example.com")
        for day in days {
            let want = exported[day["day"] as! String] ?? (0, 0)
            #expect(Self.number(day["successful_session_count"]) == want.0)
            #expect(Self.number(day["failed_session_count"]) == want.1)
        }
        // Every answer carries the security headers, and nothing is cached.
        for path in ["/", "/reports", "/api/summary", "/static/style.css", "/nope"] {
            let r = try web.fetch(path)
            #expect(
                r.headers["content-security-policy"]
                    == "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                "\(path)")
            #expect(r.headers["x-content-type-options"] == "nosniff", "\(path)")
            #expect(r.headers["cache-control"] == "no-store", "\(path)")
        }
        #expect(try web.fetch("/static/style.css").headers["content-type"] == "text/css; charset=utf-8")
        // Bad requests name the parameter; unknown things are 404.
        let bad = try web.fetch("/?since=2026-13-01")
        #expect(bad.status == 400)
        #expect(bad.text.contains("since=2026-13-01 is not a date (YYYY-MM-DD)"))
        let badAPI = try web.fetch("/api/reports?page=0")
        #expect(badAPI.status == 400)
        #expect(badAPI.text == #"{"error":"page=0 is not a page number"}"# + "\n")
        let reversed = try web.fetch("/reports?since=2026-11-22&until=2026-11-01")
        #expect(reversed.status == 400)
        #expect(reversed.text.contains("since=2026-11-22 is after until=2026-11-01"))
        #expect(try web.fetch("/domain/nowhere.example").status == 404)
        #expect(try web.fetch("/api/domain/nowhere.example").status == 404)
        #expect(try web.fetch("/reports/999999").status == 404)
        #expect(try web.fetch("/reports/abc").status == 404)
        #expect(try web.fetch("/rejected/5/raw").status == 404)
        #expect(try web.fetch("/nope").status == 404)
        // A report's bytes as received: the stored gzip, as a download.
        let first = try #require((reports["reports"] as! [[String: Any]]).first)
        let raw = try web.fetch("/reports/\(Self.number(first["id"]))/raw")
        #expect(raw.status == 200)
        #expect(raw.headers["content-type"] == "application/octet-stream")
        #expect(raw.headers["content-disposition"]?.hasPrefix("attachment; filename=\"report-") == true)
        #expect(Array(raw.body.prefix(2)) == [0x1F, 0x8B])
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func readsWhatIngestWritesMeanwhile() throws {
        let db = try TestBackend.newDatabase("web-live")
        let dir = try TestPaths.temporaryDirectory("web-live")
        let first = dir.appendingPathComponent("a.json")
        try Data(MailBuilder.reportJSON(id: "live-1", domain: "live.example", success: 10, failure: 1).utf8).write(
            to: first)
        #expect(try CLI.run(["ingest", "--db", db, first.path]).status == 0)
        let web = try ServerProcess(database: db, command: "web")
        defer { web.stop() }
        func sessions() throws -> Int {
            let r = try web.fetch("/api/summary?\(Self.range)&domain=live.example")
            let root = try JSONSerialization.jsonObject(with: Data(r.body)) as! [String: Any]
            return (root["policy_domains"] as! [[String: Any]]).first.map { Self.number($0["total_session_count"]) }
                ?? 0
        }
        #expect(try sessions() == 11)
        let second = dir.appendingPathComponent("b.json")
        try Data(MailBuilder.reportJSON(id: "live-2", domain: "live.example", success: 20, failure: 2).utf8).write(
            to: second)
        let ingest = try CLI.run(["ingest", "--db", db, second.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try sessions() == 33)
        // The dashboard never wrote: verify finds the rollups exact and the file sound.
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("verify: 2 report(s)"))
    }

    @Test(.enabled(if: htpasswd && tools || TestTools.toolsRequired, "needs htpasswd (apache2-utils), curl, openssl"))
    func basicAuthWithARealHtpasswdFile() throws {
        let db = try TestBackend.newDatabase("web-auth")
        #expect(try CLI.run(["ingest", "--db", db, Self.samples]).status == 0)
        let dir = try TestPaths.temporaryDirectory("web-auth")
        let file = dir.appendingPathComponent("users").path
        let made = try TestTools.run("htpasswd", ["-B", "-b", "-c", file, "alice", "correct horse"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("alice:$2y$"))
        let web = try ServerProcess(["--auth-file", file], database: db, command: "web")
        defer { web.stop() }
        // Without credentials: 401 and the challenge (no delay: a browser's first request).
        let none = try web.fetch("/")
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Basic realm=\"tlsrpt\", charset=\"UTF-8\"")
        #expect(none.headers["cache-control"] == "no-store")
        #expect(!none.text.contains("example.com"))
        #expect(try web.fetch("/api/summary").status == 401)
        #expect(try web.fetch("/static/style.css").status == 401)
        // The right password: the page; and again (remembered, no bcrypt).
        let ok = try web.fetch("/?\(Self.range)", arguments: ["-u", "alice:correct horse"])
        #expect(ok.status == 200)
        #expect(ok.text.contains("data-domain=\"example.com\""))
        #expect(ok.headers["cache-control"] == "no-store")
        #expect(try web.fetch("/api/summary", arguments: ["-u", "alice:correct horse"]).status == 200)
        // Wrong passwords: 401, each slower than the one before; after 10, 429 even for the
        // right password (the address is locked for ten minutes).
        var times: [Double] = []
        for i in 0..<10 {
            let wrong = try web.fetch("/", arguments: ["-u", "alice:wrong \(i)"])
            #expect(wrong.status == 401, "attempt \(i)")
            times.append(wrong.seconds)
        }
        #expect(try web.fetch("/", arguments: ["-u", "mallory:correct horse"]).status == 429)
        #expect(times[9] >= 2.0, "\(times)")
        #expect(times[9] > times[1] + 1.5, "\(times)")
        let locked = try web.fetch("/", arguments: ["-u", "alice:correct horse"])
        #expect(locked.status == 429)
        #expect(locked.headers["retry-after"] == "600")
        // The log names the user of each accepted request, never a password.
        web.stop()
        #expect(web.log.contains("GET / 200 user alice from 127.0.0.1"))
        #expect(!web.log.contains("correct horse"))
    }

    @Test func refusesToListenPubliclyWithoutAnAuthFile() throws {
        let db = try TestBackend.newDatabase("web-refuse")
        #expect(try CLI.run(["ingest", "--db", db, Self.samples]).status == 0)
        for address in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8025"] {
            let r = try CLI.run(["web", "--db", db, "--listen", address])
            #expect(r.status == 64, "\(address): \(r.stderr)")
            #expect(r.stderr.contains("is not a loopback address: give --auth-file"), "\(address): \(r.stderr)")
        }
        let dir = try TestPaths.temporaryDirectory("web-refuse")
        let md5 = dir.appendingPathComponent("md5").path
        try "# users\nbob:$apr1$abc$0123456789abcdefghijkl\n".write(toFile: md5, atomically: true, encoding: .utf8)
        let r = try CLI.run(["web", "--db", db, "--listen", "0.0.0.0:0", "--auth-file", md5])
        #expect(r.status == 64)
        #expect(
            r.stderr.contains(
                "--auth-file \(md5), line 2: user bob has no bcrypt hash (make the file with `htpasswd -B`)"))
        let missing = try CLI.run(["web", "--db", db, "--auth-file", dir.appendingPathComponent("none").path])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read it"))
        let noDatabase = try CLI.run(["web", "--db", dir.appendingPathComponent("none.sqlite").path])
        #expect(noDatabase.status == 2)
        #expect(noDatabase.stderr.contains("no database at"))
    }
}
