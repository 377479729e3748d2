import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

/// Interoperability with a real sender: sys4's tlsrpt-reporter run end to end by
/// ../shared/tools/realsender, its mail (mbox, Maildir, .eml) and HTTPS bodies read back with
/// exactly the totals it says it sent.
@Suite(.enabled(if: RealSender.available, "../shared/tools/realsender is not present"))
struct RealSenderTests {
    static let scenarios: [[String]] = [[], ["--seed", "42"]]

    /// Reads `paths` and checks every report against `expected`, each id at least once.
    func check(_ paths: [String], expected: [String: RealSender.Totals], messages: Int?) throws {
        let o = extract(paths)
        #expect(o.rejected.isEmpty, "\(o.rejected)")
        #expect(o.skipped.isEmpty, "\(o.skipped)")
        if let messages { #expect(o.reports.count == messages) }
        #expect(Set(o.reportIDs) == Set(expected.keys))
        for (report, payload) in o.reports {
            let want = try #require(expected[report.reportID], "unexpected report \(report.reportID)")
            #expect(RealSender.totals(of: report) == want, "\(payload.provenance)")
        }
    }

    @Test(arguments: scenarios)
    func mailboxesMaildirAndRawMail(arguments: [String]) throws {
        let e = try RealSender.run(arguments)
        let dir = e.directory
        #expect(!e.mailed.isEmpty)
        try check([dir.appendingPathComponent("reports.mbox").path], expected: e.mailed, messages: e.messages)
        try check([dir.appendingPathComponent("Maildir").path], expected: e.mailed, messages: e.messages)
        let raw = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("mail-raw").path)
            .filter { $0.hasSuffix(".eml") }.sorted().map { dir.appendingPathComponent("mail-raw/\($0)").path }
        #expect(raw.count == e.messages)
        try check(raw, expected: e.mailed, messages: e.messages)
    }

    @Test(arguments: scenarios)
    func httpsBodies(arguments: [String]) throws {
        let e = try RealSender.run(arguments)
        let bodies = try FileManager.default.contentsOfDirectory(
            atPath: e.directory.appendingPathComponent("http-sent").path
        ).filter { $0.hasSuffix(".body") }.sorted().map { e.directory.appendingPathComponent("http-sent/\($0)").path }
        #expect(bodies.count == e.posts)
        try check(bodies, expected: e.posted, messages: e.posts)
    }

    @Test func standardInputIsSniffedLikeAFile() throws {
        let e = try RealSender.run([])
        let mbox = try TestPaths.bytes(e.directory.appendingPathComponent("reports.mbox"))
        let out = try TestTools.run(try CLI.path, ["check", "--format", "json", "-"], stdin: mbox)
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as! [String: Any]
        #expect(json["valid"] as? Int == e.messages)
        #expect(json["rejected"] as? Int == 0)
    }
}
