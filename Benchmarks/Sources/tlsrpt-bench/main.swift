import DKIM
import Foundation
import TLSRPT
@_spi(Benchmarks) import TLSRPTIngest
import TLSRPTMail
@_spi(Benchmarks) import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import _CryptoExtras

// A release-mode harness: each case runs for a fixed wall time on one thread and prints
// operations per second. Usage: tlsrpt-bench [case...]; no argument runs the parse cases.

/// Runs `body` repeatedly for about `seconds` and returns operations per second.
func measure(_ name: String, seconds: Double = 3, unit: String = "reports/s", _ body: () -> Int) {
    // Warm up.
    var ops = 0
    let warm = Date()
    while Date().timeIntervalSince(warm) < 0.3 { ops += body() }
    ops = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed = 0.0
    while elapsed < seconds {
        ops += body()
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    let rate = Double(ops) / elapsed
    let micros = elapsed / Double(ops) * 1e6
    print(String(format: "%-34@ %12.0f %@  (%.2f µs each)", name as NSString, rate, unit, micros))
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// A ~1.7 KB report shaped like a real failure day (RFC 8460 Appendix B plus one more detail).
func sampleReport() -> Report {
    Report(
        organizationName: "Google Inc.", contactInfo: "smtp-tls-reporting@google.com",
        reportID: "2026-11-22T00:00:00Z_example.com", start: Timestamp(rfc3339: "2026-11-22T00:00:00Z")!,
        end: Timestamp(rfc3339: "2026-11-22T23:59:59Z")!,
        policies: [
            Policy(
                type: .sts, domain: "example.com",
                policyStrings: [
                    "version: STSv1", "mode: enforce", "mx: mx1.example.com", "mx: mx2.example.com", "max_age: 604800",
                ],
                stsMode: .enforce, mxPatterns: ["mx1.example.com", "mx2.example.com"], successfulSessionCount: 5326,
                failedSessionCount: 303,
                failureDetails: [
                    FailureDetail(
                        resultType: .certificateExpired, sendingMTAIP: "2001:db8:abcd:0012::1",
                        receivingMXHostname: "mx1.example.com", failedSessionCount: 100),
                    FailureDetail(
                        resultType: .starttlsNotSupported, sendingMTAIP: "2001:db8:abcd:0013::1",
                        receivingMXHostname: "mx2.example.com", receivingIP: "203.0.113.56", failedSessionCount: 200,
                        additionalInformation:
                            "https://reports.example.net/report_info?id=5065427c-23d3#StarttlsNotSupported"),
                    FailureDetail(
                        resultType: .validationFailure, sendingMTAIP: "198.51.100.62",
                        receivingMXHostname: "mx-backup.example.com", receivingIP: "203.0.113.58",
                        failedSessionCount: 3,
                        failureReasonCode: "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"),
                    FailureDetail(
                        resultType: .certificateHostMismatch, sendingMTAIP: "198.51.100.63",
                        receivingMXHostname: "mx3.example.com", receivingIP: "203.0.113.59", failedSessionCount: 1,
                        failureReasonCode: "subject alternative name mismatch"),
                ]),
            Policy(
                type: .tlsa, domain: "example.com",
                policyStrings: ["3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"],
                tlsaRecords: ["3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"],
                successfulSessionCount: 1200, failedSessionCount: 0),
        ])
}

let json = Array(ReportEncoder(pretty: false).encode(sampleReport()).utf8)
let gz = TestCompression.gzip(json)
let decoder = ReportDecoder()
let cases = CommandLine.arguments.dropFirst().isEmpty ? ["parse"] : Array(CommandLine.arguments.dropFirst())

func wants(_ name: String) -> Bool { cases.contains(name) || cases.contains("parse") }
if wants("parse-gz") {
    print("report: \(json.count) bytes JSON, \(gz.count) bytes gzipped")
    measure("parse+normalize, gzipped") {
        _ = try! decoder.decode(gz)
        return 1
    }
}
if wants("parse-json") {
    measure("parse+normalize, plain JSON") {
        _ = try! decoder.decode(json)
        return 1
    }
}
if wants("parse-stages") {
    measure("stage: gunzip") {
        _ = try! decoder.gunzip(gz)
        return 1
    }
    let wire = try! WireReport.decode(json)
    measure("stage: JSON -> wire model") {
        _ = try! WireReport.decode(json)
        return 1
    }
    let normalizer = ReportNormalizer()
    measure("stage: wire model -> Report") {
        _ = try! normalizer.normalize(wire, json: json)
        return 1
    }
}
if wants("foundation") {
    let data = Data(json)
    measure("Foundation JSONSerialization only") {
        _ = try! JSONSerialization.jsonObject(with: data)
        return 1
    }
    struct Min: Decodable {
        struct P: Decodable {
            struct S: Decodable {
                var a: Int
                var b: Int
                enum CodingKeys: String, CodingKey {
                    case a = "total-successful-session-count"
                    case b = "total-failure-session-count"
                }
            }
            var summary: S
        }
        var policies: [P]
    }
    measure("Foundation JSONDecoder (summaries only)") {
        _ = try! JSONDecoder().decode(Min.self, from: data)
        return 1
    }
}

if cases.contains("mbox") {
    // An mbox of report mails, each with a gzipped, base64-encoded report attachment.
    let count = Int(ProcessInfo.processInfo.environment["MBOX_MESSAGES"] ?? "50000")!
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsrpt-bench.mbox").path
    var g = SeededGenerator(seed: 7)
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    var chunk = ""
    for i in 0..<count {
        let report = RandomReports.report(&g, index: i)
        let attachment = Data(TestCompression.gzip(ReportEncoder(pretty: false).encode(report)))
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        chunk += """
            From tlsrpt@sender.example Sun Nov 22 06:00:00 2026
            From: tlsrpt@sender.example
            To: tlsrpt@example.com
            Subject: Report Domain: example.com Submitter: sender.example Report-ID: <\(report.reportID)>
            Message-ID: <\(i)@sender.example>
            TLS-Report-Domain: example.com
            TLS-Report-Submitter: sender.example
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type="tlsrpt"; boundary="b\(i)"

            --b\(i)
            Content-Type: text/plain

            This is an aggregate TLS report.

            --b\(i)
            Content-Type: application/tlsrpt+gzip
            Content-Disposition: attachment; filename="sender.example!example.com!1!2!\(i).json.gz"
            Content-Transfer-Encoding: base64

            \(attachment)
            --b\(i)--


            """
        if chunk.utf8.count > 1 << 20 {
            handle.write(chunk.data(using: .utf8)!)
            chunk = ""
        }
    }
    handle.write(chunk.data(using: .utf8)!)
    try! handle.close()
    let size = (try! FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
    let rssBefore = peakRSSMegabytes()
    let start = Date()
    var reports = 0
    ReportExtractor().extract([path]) { item in
        if case .report = item { reports += 1 }
    }
    let elapsed = Date().timeIntervalSince(start)
    print(
        String(
            format:
                "mbox: %d messages, %.1f MB: %d reports in %.2f s = %.0f report mails/s, %.1f MB/s; peak RSS %.1f MB (%.1f MB before reading)",
            count, Double(size) / 1e6, reports, elapsed, Double(reports) / elapsed, Double(size) / 1e6 / elapsed,
            peakRSSMegabytes(), rssBefore))
    try? FileManager.default.removeItem(atPath: path)
}

/// The value after `flag` on the command line.
func argument(_ flag: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
    return args[i + 1]
}

/// The sending organizations of the generated reports.
let benchOrganizations = ["Google Inc.", "Microsoft Corporation", "Mail.ru", "Yahoo Inc.", "Comcast"]

/// Random report `i` of `make-files` and `make-signed-mail`: from one of five organizations
/// (in turn), for one of `domainCount` domains, on one of `dayCount` days from 2026-10-01,
/// with one or two policies.
func benchReport(
    _ i: Int, _ g: inout SeededGenerator, domainCount: Int, dayCount: Int, registeredTypes: Bool = false
) -> Report {
    var r = RandomReports.report(&g, index: i)
    let day = Day("2026-10-01")!.adding(days: Int.random(in: 0..<dayCount, using: &g))
    r.start = day.start
    r.end = Timestamp(seconds: day.start.seconds + 86_399)
    r.organizationName = benchOrganizations[i % benchOrganizations.count]
    r.contactInfo = "tlsrpt@\(benchMailDomain(r.organizationName))"
    let domain = "d\(Int.random(in: 0..<domainCount, using: &g)).example"
    r.policies = Array(r.policies.prefix(2)).map { p in
        var p = p
        p.domain = domain
        if registeredTypes, case .other = p.type { p.type = .sts }
        return p
    }
    return r
}

/// The mail domain of a generated organization: `google.example` for "Google Inc.".
func benchMailDomain(_ organization: String) -> String {
    "\(organization.split(separator: " ")[0].lowercased()).example"
}

if cases.contains("dkim-verify") {
    // One signed report mail verified over and over (key record from memory, parsed key cached
    // after the first): the CPU cost of DKIM per mail, and of its RSA-2048 check alone.
    let signer = BenchSigner(domain: "google.example", selector: "s1", key: try! .init(keySize: .bits2048))
    var g = SeededGenerator(seed: 7)
    let r = benchReport(1, &g, domainCount: 10, dayCount: 3)
    var mail = MailBuilder.message(parts: [MailBuilder.part(ReportEncoder(pretty: false).encode(r), .gzipBase64)])
    mail = mail.replacingOccurrences(of: "sender.example", with: "google.example")
    let bytes = Array(signer.sign(mail, time: 1_795_500_000).utf8)
    let record = signer.record
    let verifier = DKIMVerifier()
    precondition(verifier.verify(bytes) { _ in .record(record) }.isPass)
    if let n = argument("--iterations").flatMap(Int.init) {
        // For a profiler: n verifications and nothing else.
        var passed = 0
        for _ in 0..<n where verifier.verify(bytes, keys: { _ in .record(record) }).isPass { passed += 1 }
        print("\(passed) of \(n) passed")
        exit(0)
    }
    measure("DKIM verify (rsa-sha256, 2 KB mail)", unit: "mails/s") {
        verifier.verify(bytes) { _ in .record(record) }.isPass ? 1 : 0
    }
    let data = Array("x".utf8)
    let sig = try! signer.key.signature(for: data, padding: .insecurePKCS1v1_5)
    let pub = signer.key.publicKey
    measure("RSA-2048 PKCS#1 v1.5 verify alone", unit: "checks/s") {
        pub.isValidSignature(sig, for: data, padding: .insecurePKCS1v1_5) ? 1 : 0
    }
}

if cases.contains("make-signed-mail") {
    // N random reports (as make-files) as report mails in one mbox, each signed with its
    // organization's RSA-2048 key (one selector per sender, as in real life), and the key
    // records as unbound `local-data` lines: scripts/bench-dkim.
    let n = Int(argument("--count") ?? "20000")!
    let dir = argument("--dir") ?? "/tmp/tlsrpt-bench-dkim"
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let signers = benchOrganizations.map { org in
        BenchSigner(domain: benchMailDomain(org), selector: "tlsrpt2026", key: try! .init(keySize: .bits2048))
    }
    var zone = ""
    for s in signers {
        zone += "local-zone: \"\(s.domain).\" static\n"
        // TXT strings are at most 255 bytes: the record goes in pieces, joined by the reader.
        let record = Array(s.record)
        let pieces = stride(from: 0, to: record.count, by: 200).map {
            "\"" + String(record[$0..<min($0 + 200, record.count)]) + "\""
        }
        zone += "local-data: '\(s.selector)._domainkey.\(s.domain). TXT \(pieces.joined(separator: " "))'\n"
    }
    FileManager.default.createFile(atPath: "\(dir)/zone.conf", contents: Data(zone.utf8))
    var g = SeededGenerator(seed: 20_000)
    var mbox = ""
    for i in 0..<n {
        let r = benchReport(i, &g, domainCount: 1000, dayCount: 30)
        let signer = signers[i % signers.count]
        let part = MailBuilder.part(ReportEncoder(pretty: false).encode(r), .gzipBase64)
        var mail = MailBuilder.message(
            parts: [part], domain: r.policies[0].domain, messageID: "<r\(i)@\(signer.domain)>")
        mail = mail.replacingOccurrences(of: "tlsrpt@sender.example", with: "noreply-tlsrpt@\(signer.domain)")
            .replacingOccurrences(
                of: "TLS-Report-Submitter: sender.example", with: "TLS-Report-Submitter: \(signer.domain)")
        mbox += "From noreply-tlsrpt@\(signer.domain) Sun Nov 22 06:00:00 2026\n"
        mbox += signer.sign(mail, time: 1_795_500_000 + i) + "\n"
    }
    FileManager.default.createFile(atPath: "\(dir)/signed.mbox", contents: Data(mbox.utf8))
    print(
        "wrote \(n) signed mails (\(mbox.utf8.count / n) bytes each on average) to \(dir)/signed.mbox, keys in \(dir)/zone.conf"
    )
}

if cases.contains("make-files") {
    // N random reports as .json.gz files (what a mail export or an HTTPS spool directory holds).
    let n = Int(argument("--count") ?? "20000")!
    let dir = argument("--dir") ?? "/tmp/tlsrpt-bench-files"
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    // Default shape: 1,000 policy domains, 5 sending organizations, 30 days (a month of a
    // large mailbox); each report one or two policies with random failure details and text.
    // `--domains` and `--days` change the spread (fewer domains, more days: more rollup rows shared).
    let domainCount = Int(argument("--domains") ?? "1000")!
    let dayCount = Int(argument("--days") ?? "30")!
    // `--registered-types`: policy types only those RFC 8460 registers (parsedmarc refuses a
    // whole report for an unknown one, so it then reads every file in full, as tlsrpt does).
    let registeredTypes = CommandLine.arguments.contains("--registered-types")
    var g = SeededGenerator(seed: 20_000)
    var bytes = 0
    for i in 0..<n {
        let r = benchReport(
            i, &g, domainCount: domainCount, dayCount: dayCount, registeredTypes: registeredTypes)
        let gz = Gzip.compress(Array(ReportEncoder(pretty: false).encode(r).utf8))
        bytes += gz.count
        FileManager.default.createFile(atPath: "\(dir)/report-\(i).json.gz", contents: Data(gz))
    }
    print("wrote \(n) files, \(bytes / n) bytes each on average, to \(dir)")
}

if cases.contains("read-files") {
    // The reading side of a bulk ingest on one thread, with no database: walk a directory, read
    // each file, gunzip, parse, normalize and hash it (what `ingest` does before the writer).
    // With `sqlite_floor` (scripts/bench-floor) it bounds what an ingest can reach.
    let dir = argument("--dir") ?? "/tmp/tlsrpt-bench-files"
    let start = DispatchTime.now().uptimeNanoseconds
    var cpu = rusage()
    getrusage(RUSAGE_SELF.rawValue, &cpu)
    let cpu0 =
        Double(cpu.ru_utime.tv_sec + cpu.ru_stime.tv_sec) + Double(cpu.ru_utime.tv_usec + cpu.ru_stime.tv_usec) / 1e6
    // --rollups: also gather each batch's rollup changes as a pipelined ingest does (same batch
    // sizes and tables): work any ingest of this design does besides reading and SQL.
    let gatherRollups = CommandLine.arguments.contains("--rollups")
    var rollups = BatchRollups()
    var reports = 0
    var hashed = 0
    ReportExtractor().extract([dir]) { item in
        if case .report(let report, _) = item {
            reports += 1
            hashed &+= Int(contentHash(of: report)[0])
            if gatherRollups { rollups.add(report) }
        }
    }
    if gatherRollups {
        rollups.finish()
        hashed &+= rollups.keys
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    getrusage(RUSAGE_SELF.rawValue, &cpu)
    let cpu1 =
        Double(cpu.ru_utime.tv_sec + cpu.ru_stime.tv_sec) + Double(cpu.ru_utime.tv_usec + cpu.ru_stime.tv_usec) / 1e6
    print(
        String(
            format:
                "read-files: %d reports read, parsed and hashed%@ on one thread in %.3f s (%.3f s CPU) = %.0f reports/s",
            reports, (gatherRollups ? ", rollup changes gathered," : "") as NSString, elapsed, cpu1 - cpu0,
            Double(reports) / elapsed))
    if hashed == -1 { print("") }  // keeps the hashes from being optimized away
}

if cases.contains("make-big-db") {
    // One year x 1,000 domains: one report per domain and day, ~27 failure details each (~10 M rows).
    let path = argument("--db") ?? "/tmp/tlsrpt-bench-big.sqlite"
    let domains = Int(argument("--domains") ?? "1000")!
    let days = Int(argument("--days") ?? "365")!
    let details = Int(argument("--details") ?? "27")!
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try! SQLiteStore(path: path)
    let session = IngestSession(store: store, batchSize: 2000)
    let first = Day("2025-11-01")!
    let types = ResultType.registered
    let start = Date()
    var rows = 0
    for d in 0..<days {
        let day = first.adding(days: d)
        for k in 0..<domains {
            let failureDetails = (0..<details).map { j in
                FailureDetail(
                    resultType: types[(j + k) % types.count], sendingMTAIP: "192.0.2.\(j)",
                    receivingMXHostname: "mx\(j % 3).d\(k).example", receivingIP: "198.51.100.\(j)",
                    failedSessionCount: Int64(j + 1))
            }
            rows += failureDetails.count
            let report = Report(
                organizationName: k % 2 == 0 ? "Google Inc." : "Microsoft Corporation",
                contactInfo: "tlsrpt@reporter.example", reportID: "\(day)_d\(k)", start: day.start,
                end: Timestamp(seconds: day.start.seconds + 86_399),
                policies: [
                    Policy(
                        type: .sts, domain: "d\(k).example", policyStrings: ["version: STSv1", "mode: enforce"],
                        stsMode: .enforce, successfulSessionCount: 1000, failedSessionCount: Int64(details),
                        failureDetails: failureDetails)
                ])
            try! session.add(.report(report, Payload(provenance: Provenance(origin: "bench"), bytes: Array("{}".utf8))))
        }
    }
    try! session.flush()
    print(
        String(
            format: "built %@: %d reports, %d failure rows in %.0f s", path, days * domains, rows,
            Date().timeIntervalSince(start)))
}

if cases.contains("summary") {
    let path = argument("--db") ?? "/tmp/tlsrpt-bench-big.sqlite"
    let store = try! SQLiteStore(path: path)
    let counts = try! store.counts()
    print("database: \(counts.reports) reports, \(counts.failureDetails) failure rows")
    for (label, filter) in [
        ("summary, all time, all domains", ReportFilter()),
        ("summary, one domain, all time", ReportFilter(domains: ["d7.example"])),
        ("summary, 45 days across months", ReportFilter(since: Day("2026-01-20"), until: Day("2026-03-05"))),
    ] {
        var best = Double.infinity
        var domains = 0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            domains = try! store.summary(filter).count
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        print(String(format: "%-34@ %8.1f ms (best of 5, %d domains)", label as NSString, best, domains))
    }
}

if cases.contains("write-sample") {
    // The benchmark report, for comparing other parsers on the same bytes.
    let path = argument("--out") ?? "/tmp/tlsrpt-bench-sample.json.gz"
    FileManager.default.createFile(atPath: path, contents: Data(gz))
    print("wrote \(path): \(json.count) bytes JSON, \(gz.count) bytes gzipped")
}
