import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTRender
import TLSRPTStore
import TLSRPTTestSupport
import Testing

/// Summaries from the rollups equal the same sums computed directly from the reports, for
/// random reports spread over months and random filters (the day/month split is the risk).
@Suite struct QueryTests {
    /// Brute force: per domain (successful, failed, result types) from reports.
    static func expected(_ reports: [Report], _ f: ReportFilter) -> [String: (Int64, Int64, [String: Int64])] {
        var out: [String: (Int64, Int64, [String: Int64])] = [:]
        var seen = Set<ReportIdentity>()
        for r in reports where seen.insert(r.identity).inserted {
            if let s = f.since, r.day < s { continue }
            if let u = f.until, r.day > u { continue }
            if !f.reporters.isEmpty
                && !f.reporters.contains(where: { $0.lowercased() == r.organizationName.lowercased() })
            {
                continue
            }
            for p in r.policies {
                if !f.domains.isEmpty && !f.domains.contains(p.domain) { continue }
                var e = out[p.domain] ?? (0, 0, [:])
                e.0 += p.successfulSessionCount
                e.1 += p.failedSessionCount
                for d in p.failureDetails { e.2[d.resultType.rawValue, default: 0] += d.failedSessionCount }
                out[p.domain] = e
            }
        }
        if !f.resultTypes.isEmpty {
            out = out.compactMapValues { e in
                let types = e.2.filter { f.resultTypes.contains($0.key) }
                return types.isEmpty ? nil : (e.0, e.1, types)
            }
        }
        return out
    }

    @Test func summariesMatchBruteForceUnderRandomFilters() throws {
        var g = SeededGenerator(seed: 2026)
        var reports: [Report] = []
        for i in 0..<400 {
            var r = RandomReports.report(&g, index: i)
            // Spread over ~100 days across three months and a year boundary.
            let day = Day("2025-11-15")!.adding(days: Int.random(in: 0..<100, using: &g))
            r.start = Timestamp(seconds: day.start.seconds + Int64.random(in: 0..<3600, using: &g))
            r.end = Timestamp(seconds: day.start.seconds + 86_399)
            reports.append(r)
        }
        let store = try freshStore()
        try ingest(store, reports: reports)
        #expect(try store.rollupMismatches() == 0)
        let base = Day("2025-11-10")!
        for round in 0..<60 {
            var f = ReportFilter()
            if round % 4 != 0 { f.since = base.adding(days: Int.random(in: 0..<110, using: &g)) }
            if round % 3 != 0 { f.until = (f.since ?? base).adding(days: Int.random(in: 0..<80, using: &g)) }
            if round % 5 == 0 { f.domains = ["example.com"] }
            if round % 7 == 0 { f.reporters = ["google inc."] }
            if round % 6 == 0 { f.resultTypes = ["certificate-expired", "vendor-3"] }
            let got = try store.summary(f)
            let want = Self.expected(reports, f)
            #expect(Set(got.map(\.policyDomain)) == Set(want.keys), "round \(round) \(f)")
            for s in got {
                guard let w = want[s.policyDomain] else { continue }
                #expect(s.successfulSessionCount == w.0, "round \(round) \(s.policyDomain)")
                #expect(s.failedSessionCount == w.1, "round \(round) \(s.policyDomain)")
                #expect(s.resultTypes == w.2, "round \(round) \(s.policyDomain)")
            }
        }
    }

    @Test func exportRowsCarryPolicyDomainAndTypeAndUTCInstants() throws {
        let store = try freshStore()
        try ingest(store, [TestPaths.repositoryRoot.appendingPathComponent("samples").path])
        let sink = OutputSink.memory()
        let n = try ExportRenderer.write(
            store: store, table: .failures, filter: ReportFilter(domains: ["example.com"]), format: .csv,
            layout: .tlsrpt,
            to: sink)
        #expect(n == 3)
        let lines = sink.text.split(separator: "\n").map(String.init)
        #expect(
            lines[0].hasPrefix(
                "organization_name,report_id,begin,end,policy_type,policy_domain,result_type,failed_session_count,sending_mta_ip,receiving_mx_hostname,receiving_mx_helo,receiving_ip,additional_information,failure_reason_code"
            ))
        #expect(
            lines[1].hasPrefix(
                "Google Inc.,2026-11-21T00:00:00Z_example.com,2026-11-21T00:00:00Z,2026-11-21T23:59:59Z,sts,example.com,certificate-expired,3,209.85.220.41,mx2.example.com,,192.0.2.12,,"
            ))
        let policies = OutputSink.memory()
        try ExportRenderer.write(
            store: store, table: .policies, filter: ReportFilter(since: Day("2026-11-21"), until: Day("2026-11-21")),
            format: .json, layout: .tlsrpt, to: policies)
        let objects = policies.text.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 5)
        // The Microsoft sample has no time zone: exported as UTC with Z.
        let ms = objects.first { ($0["organization_name"] as? String) == "Microsoft Corporation" }
        #expect(ms?["begin"] as? String == "2026-11-21T00:00:00Z")
        #expect(objects.allSatisfy { $0["policy_type"] is String && $0["policy_domain"] is String })
    }

    @Test func csvSurvivesHostileTextAndNeutralisesFormulas() throws {
        var g = SeededGenerator(seed: 99)
        var reports = (0..<40).map { RandomReports.report(&g, index: $0) }
        reports[0].policies[0].failureDetails = [
            FailureDetail(
                resultType: .validationFailure, sendingMTAIP: "=1+1", receivingMXHostname: "@mx.example",
                receivingMXHelo: "-cmd|' /C calc'!A0", failedSessionCount: 1,
                additionalInformation: "a,\"b\"\nc\r\nd", failureReasonCode: "+SUM(A1)")
        ]
        let store = try freshStore()
        try ingest(store, reports: reports)
        let sink = OutputSink.memory()
        try ExportRenderer.write(
            store: store, table: .failures, filter: ReportFilter(), format: .csv, layout: .tlsrpt, to: sink)
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("f.csv")
        try Data(sink.text.utf8).write(to: file)
        // Read it back with Python's csv module, an independent RFC 4180 reader.
        let script = """
            import csv, json, sys
            rows = list(csv.reader(open(sys.argv[1], newline='')))
            print(json.dumps(rows))
            """
        let out = try TestTools.run("python3", ["-c", script, file.path])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as! [[String]]
        let expectedRows = reports.reduce(0) { $0 + $1.policies.reduce(0) { $0 + $1.failureDetails.count } }
        #expect(rows.count == expectedRows + 1)
        #expect(rows.allSatisfy { $0.count == ExportTable.failures.columns.count })
        for row in rows.dropFirst() {
            for cell in row { #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "\(cell)") }
        }
        let hostile = try #require(rows.first { $0.contains("'=1+1") })
        #expect(hostile[9] == "'@mx.example")
        #expect(hostile[12] == "a,\"b\"\nc\r\nd")
        #expect(hostile[13] == "'+SUM(A1)")
    }

    @Test func tableFitsHundredColumnsAndStripsControls() throws {
        var s = DomainSummary(policyDomain: "evil\u{1B}[31m.example")
        s.successfulSessionCount = 1
        s.failedSessionCount = 2
        s.resultTypes = ["x\u{7}\u{202E}": 2, String(repeating: "long-type-", count: 20): 1]
        s.reporters = [
            .init(organizationName: "Org\u{1B}]0;title\u{7}", successfulSessionCount: 1, failedSessionCount: 2)
        ]
        let text = SummaryRenderer.table([s])
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.unicodeScalars.contains { $0.value == 0x202E })
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(text.contains("evil?[31m.example"))
    }

    @Test func summaryJSONHasTheContractKeys() throws {
        let store = try freshStore()
        try ingest(store, [TestPaths.repositoryRoot.appendingPathComponent("samples").path])
        let json = SummaryRenderer.json(try store.summary(ReportFilter(domains: ["example.net"])))
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let domains = root["policy_domains"] as! [[String: Any]]
        #expect(domains.count == 1)
        #expect(domains[0]["policy_domain"] as? String == "example.net")
        #expect(domains[0]["successful_session_count"] as? Int == 220)
        #expect(domains[0]["failed_session_count"] as? Int == 14)
        #expect(domains[0]["result_types"] as? [String: Int] == ["tlsa-invalid": 12, "dnssec-invalid": 2])
    }
}
