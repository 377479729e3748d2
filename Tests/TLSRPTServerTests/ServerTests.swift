import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// `tlsrpt serve` over real TLS on 127.0.0.1, with curl as the sender.
@Suite(.serialized) struct ServerTests {
    static let samples = TestPaths.repositoryRoot.appendingPathComponent("samples")
    static let tools = ["curl", "openssl"].allSatisfy { (try? TestTools.run("which", [$0]).status) == 0 }

    /// The value of an unlabelled metric in Prometheus text.
    static func metric(_ text: String, _ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(Double(line.split(separator: " ")[1]) ?? -1)
        }
        return -1
    }

    func sample(_ name: String) throws -> [UInt8] { try TestPaths.bytes(Self.samples.appendingPathComponent(name)) }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func everyStatusCode() throws {
        let server = try ServerProcess([
            "--domain", "example.com", "--max-body-bytes", "100000", "--max-report-bytes", "50000",
        ])
        defer { server.stop() }
        let gz = try sample("google-2026-11-21.json.gz")
        var (status, body) = try server.post(gz)
        #expect(status == 200)
        #expect(body == #"{"status":"stored"}"#)
        (status, body) = try server.post(gz, path: "/")
        #expect(status == 200)
        #expect(body == #"{"status":"duplicate"}"#)
        // Plain JSON labelled gzip (and a charset parameter) is sniffed and accepted.
        (status, _) = try server.post(
            try sample("google-2026-11-20.json"), contentType: "application/tlsrpt+gzip; charset=utf-8")
        #expect(status == 200)
        // 400 names the problem and the JSON path.
        let bad =
            #"{"organization-name":"O","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-02T00:00:00Z"},"report-id":"r","policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-failure-session-count":-5}}]}"#
        (status, body) = try server.post(Array(bad.utf8), contentType: "application/tlsrpt+json")
        #expect(status == 400)
        let error = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: String]
        #expect(error["error"] == "invalid-report")
        #expect(error["path"] == "policies[0].summary.total-failure-session-count")
        // 403: a policy domain outside --domain.
        (status, body) = try server.post(
            try sample("dane-2026-11-21.eml").isEmpty
                ? [] : Array(MailBuilder.reportJSON(id: "x", domain: "other.example").utf8),
            contentType: "application/tlsrpt+json")
        #expect(status == 403)
        #expect(body.contains("other.example"))
        // 413: body over the cap, and a small gzip that inflates past the report cap.
        (status, _) = try server.post([UInt8](repeating: 0x7B, count: 200_000), contentType: "application/tlsrpt+json")
        #expect(status == 413)
        (status, body) = try server.post(TestCompression.gzip([UInt8](repeating: 0x20, count: 5_000_000)))
        #expect(status == 413)
        #expect(body.contains("too-large"))
        // 415: not a report media type.
        (status, _) = try server.post(gz, contentType: "text/html")
        #expect(status == 415)
        // healthz and metrics.
        let health = try server.get("/healthz")
        #expect(health.0 == 200)
        #expect(health.1 == "ok")
        let metrics = try server.get("/metrics")
        #expect(metrics.0 == 200)
        #expect(metrics.1.contains("tlsrpt_reports_stored_total 2"))
        #expect(metrics.1.contains("tlsrpt_reports_duplicate_total 1"))
        #expect(metrics.1.contains(#"tlsrpt_requests_total{status="413"} 2"#))
        #expect(metrics.1.contains(#"tlsrpt_rejected_total{reason="invalid-report"} 1"#))
        // Every metric keeps its name and help line.
        for (name, help) in [
            ("tlsrpt_store_failures_total", "Requests answered 503."),
            ("tlsrpt_request_bytes_total", "Request body bytes received."),
            (
                "tlsrpt_ingest_duration_seconds",
                "Time from a complete request body to the answer (includes the commit)."
            ),
        ] {
            #expect(metrics.1.contains("# HELP \(name) \(help)"), "\(name)")
        }
        #expect(metrics.1.contains(#"tlsrpt_ingest_duration_seconds_bucket{le="0.001"}"#))
        #expect(server.stop() == 0)
        // Rejected bodies are recorded like rejected files.
        let store = try SQLiteStore(path: server.database)
        let rejected = try store.rejectedInputs()
        #expect(rejected.count == 5)
        #expect(rejected.allSatisfy { $0.channel == "https" && $0.source == "https from 127.0.0.1" })
        #expect(try store.counts().reports == 2)
        #expect(server.log.contains("POST /v1/tlsrpt 200 stored from 127.0.0.1"))
        // Nothing to verify by DKIM over HTTPS: each copy's verdict is n/a, the report unverified.
        let copies = try store.copiesReceived(
            organizationName: "Google Inc.", reportID: "2026-11-21T00:00:00Z_example.com")
        #expect(copies.map(\.dkim) == ["n/a", "n/a"])
        #expect(copies.map(\.channel) == ["https", "https"])
        #expect(
            try !store.isDKIMVerified(organizationName: "Google Inc.", reportID: "2026-11-21T00:00:00Z_example.com"))
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func rateLimitAndProxyHeader() throws {
        let server = try ServerProcess(["--rate-limit", "3", "--trusted-proxy-header", "X-Forwarded-For"])
        defer { server.stop() }
        let gz = try sample("google-2026-11-21.json.gz")
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(try server.post(gz, headers: ["X-Forwarded-For: 192.0.2.7"]).0) }
        #expect(statuses == [200, 200, 200, 429, 429])
        // Another client address has its own budget.
        #expect(try server.post(gz, headers: ["X-Forwarded-For: 192.0.2.8, 10.0.0.1"]).0 == 200)
        server.stop()
        #expect(server.log.contains("429 rate-limited from 192.0.2.7"))
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl, openssl and python3"))
    func lockedStoreAnswers503() throws {
        let server = try ServerProcess([], environment: ["TLSRPT_BUSY_TIMEOUT": "1"])
        defer { server.stop() }
        #expect(try server.post(try sample("google-2026-11-21.json.gz")).0 == 200)
        // Another writer holds the database for 4 s: the receiver gives up after 1 s with 503,
        // so the sender retries later, and the report is not lost.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(4); c.execute('ROLLBACK')",
            server.database,
        ]
        let out = Pipe()
        locker.standardOutput = out
        try locker.run()
        _ = out.fileHandleForReading.availableData  // "locked"
        let (status, body) = try server.post(
            Array(MailBuilder.reportJSON(id: "during-lock").utf8), contentType: "application/tlsrpt+json")
        #expect(status == 503)
        #expect(body.contains("store-unavailable"))
        locker.waitUntilExit()
        #expect(
            try server.post(
                Array(MailBuilder.reportJSON(id: "during-lock").utf8), contentType: "application/tlsrpt+json"
            ).0 == 200)
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func settingsFromConfigFileAndEnvironment() throws {
        let dir = try TestPaths.temporaryDirectory("config")
        let config = dir.appendingPathComponent("tlsrpt.conf")
        try Data("# receiver settings\nrate-limit = 2\npath = /reports\ndomain = ignored.example\n".utf8).write(
            to: config)
        // The environment wins over the file (domain), the file gives rate-limit and path.
        let server = try ServerProcess(["--config", config.path], environment: ["TLSRPT_DOMAIN": "example.com"])
        defer { server.stop() }
        let ok = Array(MailBuilder.reportJSON(id: "cfg1").utf8)
        #expect(try server.post(ok, contentType: "application/tlsrpt+json", path: "/reports").0 == 200)
        let other = Array(MailBuilder.reportJSON(id: "cfg2", domain: "ignored.example").utf8)
        #expect(try server.post(other, contentType: "application/tlsrpt+json", path: "/reports").0 == 403)
        #expect(try server.post(ok, contentType: "application/tlsrpt+json").0 == 429)
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func tricklingBodyGets408() throws {
        let server = try ServerProcess(["--body-timeout", "2"])
        defer { server.stop() }
        // 60 KB at 10 KB/s takes 6 s: over the 2 s body deadline.
        let body = Array(MailBuilder.reportJSON(id: "slow").utf8) + [UInt8](repeating: 0x20, count: 60_000)
        let r = try TestTools.run(
            "curl",
            [
                "-s", "--noproxy", "*", "--cacert", server.certificate, "--limit-rate", "10k", "-o", "/dev/null", "-w",
                "%{http_code}", "-H", "Content-Type: application/tlsrpt+json", "--data-binary", "@-", server.url(),
            ], stdin: body)
        #expect(r.stdout == "408")
        // A normal request still works.
        #expect(
            try server.post(Array(MailBuilder.reportJSON(id: "fast").utf8), contentType: "application/tlsrpt+json").0
                == 200)
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func concurrentPostsAreEachStoredOnce() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        defer { server.stop() }
        let count = 60
        nonisolated(unsafe) var statuses = [Int](repeating: 0, count: count)
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            Thread.detachNewThread {
                let body = Array(MailBuilder.reportJSON(id: "c\(i % 40)").utf8)
                statuses[i] = (try? server.post(body, contentType: "application/tlsrpt+json").0) ?? -1
                group.leave()
            }
        }
        group.wait()
        #expect(statuses.allSatisfy { $0 == 200 })
        // Group commit: fewer transactions than requests, every request's item in one of them.
        let metrics = try server.get("/metrics").1
        let commits = Self.metric(metrics, "tlsrpt_store_commits_total")
        #expect(Self.metric(metrics, "tlsrpt_store_committed_items_total") == count)
        #expect(commits >= 1 && commits <= count, "\(commits) commits for \(count) requests")
        server.stop()
        let store = try SQLiteStore(path: server.database)
        let counts = try store.counts()
        #expect(counts.reports == 40)
        #expect(counts.duplicates == 20)
        #expect(try store.rollupMismatches() == 0)
    }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs curl and openssl"))
    func sigtermUnderLoadLosesNoAcknowledgedReport() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        nonisolated(unsafe) var acknowledged: [String] = []
        let lock = NSLock()
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                for i in 0..<400 {
                    let id = "w\(worker)-\(i)"
                    guard
                        let (status, _) = try? server.post(
                            Array(MailBuilder.reportJSON(id: id).utf8), contentType: "application/tlsrpt+json"),
                        status != -1
                    else { break }
                    if status == 200 { lock.withLock { acknowledged.append(id) } }
                    if status == 0 { break }
                }
                group.leave()
            }
        }
        Thread.sleep(forTimeInterval: 1.5)
        let exit = server.stop()
        group.wait()
        #expect(exit == 0)
        #expect(acknowledged.count > 10)
        let store = try SQLiteStore(path: server.database)
        let stored = try store.counts().reports
        // Every report answered 200 is in the database (a request cut off by the shutdown may
        // have been stored without its answer arriving, never the reverse).
        #expect(stored >= acknowledged.count)
        let sink = TLSRPTRenderProbe.exportedReportIDs(store)
        #expect(Set(acknowledged).isSubset(of: sink))
    }

    @Test(
        .enabled(
            if: RealSender.available && (tools || TestTools.toolsRequired),
            "needs ../shared/tools/realsender, curl, openssl")
    )
    func realSenderPostsToTheReceiver() throws {
        let server = try ServerProcess(["--rate-limit", "0"])
        defer { server.stop() }
        // sys4's tlsrpt-reportd POSTs its https-rua reports here with curl, as it would in production.
        let script =
            "curl --fail --silent --show-error --noproxy '*' --cacert \(server.certificate) -H 'Content-Type: application/tlsrpt+gzip' --data-binary @-"
        let e = try RealSender.run(["--seed", "42", "-u", server.url()], environment: ["HTTP_SCRIPT": script])
        server.stop()
        #expect(e.posts > 0)
        let store = try SQLiteStore(path: server.database)
        let counts = try store.counts()
        #expect(counts.reports == e.posted.count)
        #expect(counts.reports + counts.duplicates == e.posts)
        var want: [String: [Int64]] = [:]
        for totals in e.posted.values {
            for (key, c) in totals.policies {
                let domain = String(key.split(separator: " ", maxSplits: 1).dropFirst().first ?? "")
                let old = want[domain] ?? [0, 0]
                want[domain] = [old[0] + c[0], old[1] + c[1]]
            }
        }
        let got = try store.summary(ReportFilter())
        #expect(
            Dictionary(
                uniqueKeysWithValues: got.map { ($0.policyDomain, [$0.successfulSessionCount, $0.failedSessionCount]) })
                == want)
    }
}
