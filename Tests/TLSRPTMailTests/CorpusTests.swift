import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

/// Every report in ../shared/corpus (real reports from public repositories) parses, with the
/// exact totals read off each file by Python's json/email/gzip (see the table). Skipped cleanly
/// when the checkout has no ../shared.
@Suite(.enabled(if: TestPaths.sharedCorpus != nil, "../shared/corpus is not present"))
struct CorpusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var org: String
        var reportID: String
        var day: String
        var policies: Int
        var success: Int64
        var failure: Int64
        var details: Int
        var detailSum: Int64
        init(
            _ path: String, _ org: String, _ reportID: String, _ day: String, policies: Int, success: Int64,
            failure: Int64, details: Int, detailSum: Int64
        ) {
            self.path = path
            self.org = org
            self.reportID = reportID
            self.day = day
            self.policies = policies
            self.success = success
            self.failure = failure
            self.details = details
            self.detailSum = detailSum
        }
        var testDescription: String { path }
    }

    static let cases: [Case] = [
        .init(
            "DmarcAnalyzerApp/sample-google-tls.json", "Example Mail Provider", "2026-08-01T00:00:00Z_acme.example",
            "2026-08-01", policies: 3, success: 160, failure: 3, details: 2, detailSum: 3),
        .init(
            "DmarcAnalyzerApp/sample-lenient-tls.json", "Quirky Reporter", "quirky-001", "2026-08-02", policies: 2,
            success: 43, failure: 7, details: 2, detailSum: 5),
        .init(
            "DmarcAnalyzerApp/sample-rfc8460-tls.json", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
            "2016-04-01", policies: 1, success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "DmarcAnalyzerApp/sample-successonly-tls.json", "Clean Reporter", "clean-42", "2026-08-03", policies: 1,
            success: 5000, failure: 0, details: 0, detailSum: 0),
        .init(
            "dmarc-report-viewer/google.json", "Google Inc.", "2025-05-22T00:00:00Z_foo-bar.io", "2025-05-22",
            policies: 1, success: 1, failure: 0, details: 0, detailSum: 0),
        .init(
            "dmarc-report-viewer/microsoft.json", "Microsoft Corporation", "133925885310113267+random.net",
            "2025-05-23", policies: 2, success: 4, failure: 0, details: 0, detailSum: 0),
        .init(
            "dmarc-report-viewer/no-contact.json", "server.com", "123_456", "2026-01-11", policies: 1, success: 1,
            failure: 0, details: 0, detailSum: 0),
        .init(
            "dmarc-report-viewer/no-policy.json", "Google Inc.", "2025-03-27T00:00:00Z_foo-bar.io", "2025-03-27",
            policies: 1, success: 1, failure: 0, details: 0, detailSum: 0),
        .init(
            "dmarc-report-viewer/no_ip_and_mx.json", "Microsoft Corporation", "1234567890+", "2025-06-14", policies: 1,
            success: 0, failure: 3, details: 1, detailSum: 3),
        .init(
            "dmarc-report-viewer/rfc-example.json", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "2016-04-01",
            policies: 1, success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "mail-tls-rpt/email.eml", "Google Inc.", "2020-03-02T00:00:00Z_fastmaildmarc.com", "2020-03-02",
            policies: 1, success: 343, failure: 0, details: 0, detailSum: 0),
        .init(
            "mail-tls-rpt/report.json", "Google Inc.", "2020-03-02T00:00:00Z_fastmaildmarc.com", "2020-03-02",
            policies: 1, success: 343, failure: 0, details: 0, detailSum: 0),
        .init(
            "mox/example.eml", "Google Inc.", "2022-09-15T00:00:00Z_test.xmox.nl", "2022-09-15", policies: 1,
            success: 3, failure: 0, details: 0, detailSum: 0),
        .init(
            "mox/google.com!test.xmox.nl!1663200000!1663286399!001.json", "Google Inc.",
            "2022-09-15T00:00:00Z_test.xmox.nl", "2022-09-15", policies: 1, success: 3, failure: 0, details: 0,
            detailSum: 0),
        .init(
            "mox/microsoft.com!test.xmox.nl!1673308800!1673395199!133198585438131172.json", "Microsoft Corporation",
            "133198585438131172+test.xmox.nl", "2023-01-10", policies: 1, success: 2, failure: 0, details: 0,
            detailSum: 0),
        .init(
            "mox/microsoft.eml", "Microsoft Corporation", "133198585438131172+test.xmox.nl", "2023-01-10", policies: 1,
            success: 2, failure: 0, details: 0, detailSum: 0),
        .init(
            "parsedmarc/google.com!cardinalhealth.ca!1725321600!1725407999!001.json", "Google Inc.",
            "2024-09-03T00:00:00Z_cardinalhealth.ca", "2024-09-03", policies: 1, success: 48, failure: 0, details: 0,
            detailSum: 0),
        .init(
            "parsedmarc/google.com_smtp_tls_report.eml", "Google Inc.", "2024-09-03T00:00:00Z_cardinalhealth.ca",
            "2024-09-03", policies: 1, success: 48, failure: 0, details: 0, detailSum: 0),
        .init(
            "parsedmarc/mail.ru.json", "Mail.ru", "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru", "2024-02-22",
            policies: 1, success: 0, failure: 1, details: 2, detailSum: 2),
        .init(
            "parsedmarc/rfc8460.json", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "2016-04-01", policies: 1,
            success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "parsedmarc/smtp_tls.json", "Example Inc.", "2024-01-09T00:00:00Z_example.com", "2024-01-09", policies: 1,
            success: 0, failure: 3, details: 2, detailSum: 3),
        .init(
            "stalwart/rpt01.eml", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "2016-04-01", policies: 1,
            success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "stalwart/rpt01.json", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "2016-04-01", policies: 1,
            success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "stalwart/rpt02.eml", "Google Inc.", "2020-01-01T00:00:00Z_example.com", "2020-01-01", policies: 1,
            success: 23, failure: 1, details: 1, detailSum: 1),
        .init(
            "stalwart/rpt02.json", "Google Inc.", "2020-01-01T00:00:00Z_example.com", "2020-01-01", policies: 1,
            success: 23, failure: 1, details: 1, detailSum: 1),
        .init(
            "stalwart/rpt03.json", "Google Inc.", "2019-04-14T00:00:00Z_example.org", "2019-04-14", policies: 2,
            success: 2, failure: 0, details: 0, detailSum: 0),
        .init(
            "tls-rpt-monitor/microsoft-report.json", "Microsoft Corporation", "133988091029006454+josh.scot",
            "2025-08-03", policies: 1, success: 2, failure: 2, details: 1, detailSum: 3),
        .init(
            "tls-rpt-monitor/microsoft-report.json.gz", "Microsoft Corporation", "133988091029006454+josh.scot",
            "2025-08-03", policies: 1, success: 2, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-digest/tlsrpt_failure.eml", "Google Inc.", "2026-02-08T00:00:00Z_example.com", "2026-02-08",
            policies: 1, success: 4523, failure: 2, details: 1, detailSum: 2),
        .init(
            "tlsrpt-digest/tlsrpt_success_google_1.eml", "Google Inc.", "2026-05-11T00:00:00Z_example.com",
            "2026-05-11", policies: 1, success: 1, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-digest/tlsrpt_success_google_2.eml", "Google Inc.", "2026-05-12T00:00:00Z_example.com",
            "2026-05-12", policies: 1, success: 4, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-digest/tlsrpt_success_microsoft.eml", "Microsoft Corporation", "134232617934286362+example.com",
            "2026-05-13", policies: 1, success: 2, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-rs/google1.eml", "Google Inc.", "2024-09-15T00:00:00Z_krvtz.net", "2024-09-15", policies: 1,
            success: 1, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-rs/google2.eml", "Google Inc.", "2024-09-18T00:00:00Z_krvtz.net", "2024-09-18", policies: 1,
            success: 2, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-rs/mail.ru.eml", "Mail.ru", "c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru", "2023-01-25",
            policies: 1, success: 0, failure: 1, details: 1, detailSum: 1),
        .init(
            "tlsrpt-rs/mail.ru.json", "Mail.ru", "c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru", "2023-01-25",
            policies: 1, success: 0, failure: 1, details: 1, detailSum: 1),
        .init(
            "tlsrpt-rs/microsoft1.eml", "Microsoft Corporation", "133708152202987951+krvtz.net", "2024-09-13",
            policies: 2, success: 4, failure: 0, details: 0, detailSum: 0),
        .init(
            "tlsrpt-rs/rfc8460.json", "Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "2016-04-01", policies: 1,
            success: 5326, failure: 303, details: 3, detailSum: 303),
        .init(
            "unattributed-mailflow-ovh/google-2020-02-06.json", "Google Inc.", "2020-02-06T00:00:00Z_test.mailflow.ovh",
            "2020-02-06", policies: 3, success: 1, failure: 13, details: 8, detailSum: 13),
        .init(
            "unattributed-mailflow-ovh/socketlabs-2020-02-27.json", "socketlabs.com",
            "13B8FEDF21D3DBD6997654968E563122", "2020-02-27", policies: 2, success: 12, failure: 2, details: 1,
            detailSum: 2),
    ]

    /// Extracts every item from one path.
    static func items(_ path: String) -> [ExtractedItem] {
        var items: [ExtractedItem] = []
        ReportExtractor().extract([path]) { items.append($0) }
        return items
    }

    @Test(arguments: cases)
    func parsesWithExactTotals(_ c: Case) throws {
        let url = try #require(TestPaths.sharedCorpus).appendingPathComponent(c.path)
        let items = Self.items(url.path)
        try #require(items.count == 1, "\(items)")
        guard case .report(let r, _) = items[0] else {
            Issue.record("not a report: \(items[0])")
            return
        }
        #expect(r.organizationName == c.org)
        #expect(r.reportID == c.reportID)
        #expect(r.day.description == c.day)
        #expect(r.policies.count == c.policies)
        #expect(r.successfulSessionCount == c.success)
        #expect(r.failedSessionCount == c.failure)
        #expect(r.policies.reduce(0) { $0 + $1.failureDetails.count } == c.details)
        #expect(r.policies.flatMap(\.failureDetails).reduce(0) { $0 + $1.failedSessionCount } == c.detailSum)
        #expect(
            r.policies.allSatisfy { !$0.domain.isEmpty } || c.path == "stalwart/rpt03.json"
                || c.path.contains("lenient"))
    }

    @Test func cronMailIsNoReport() throws {
        let url = try #require(TestPaths.sharedCorpus).appendingPathComponent("tlsrpt-rs/empty.eml")
        let items = Self.items(url.path)
        try #require(items.count == 1)
        guard case .rejected(_, let error, _, _) = items[0] else {
            Issue.record("expected a rejection, got \(items[0])")
            return
        }
        #expect(error.kind == .noReport)
        #expect(error.message.hasPrefix("no report"))
    }

    @Test func wholeCorpusDirectory() throws {
        let corpus = try #require(TestPaths.sharedCorpus)
        var reports = 0
        var rejected: [String] = []
        var skipped = 0
        ReportExtractor().extract([corpus.path]) { item in
            switch item {
            case .report: reports += 1
            case .rejected(let p, let e, _, _): rejected.append("\(p): \(e)")
            case .messageWithoutReport: skipped += 1
            }
        }
        #expect(reports == Self.cases.count)
        #expect(rejected.isEmpty, "\(rejected)")
        // empty.eml, SAMPLES.md, INVENTORY.tsv, PROVENANCE.txt
        #expect(skipped == 4)
    }
}
