import Foundation
import TLSRPT
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// `--dkim off|record|require` end to end: mails signed by dkimpy (Tests/DKIMTests/Fixtures,
/// written by scripts/make_dkim_fixtures.py), keys served by a real unbound on loopback, the
/// `tlsrpt` command as a user runs it, the verdicts read back from the store.
@Suite(.enabled(if: DNSTestServer.available || TestTools.toolsRequired, "unbound is not installed"))
struct DKIMIngestTests {
    static let fixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/DKIMTests/Fixtures")

    struct Case: Decodable {
        var file: String
        var expected: String
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    static let keys: [String: String] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("keys.json"))
        return try! JSONDecoder().decode([String: String].self, from: data)
    }()

    static func mail(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    func keyServer() throws -> DNSTestServer {
        try DNSTestServer(zones: ["sender.example", "other.example"], txt: Self.keys)
    }

    func database() throws -> String {
        try TestBackend.newDatabase("dkim")
    }

    func summaryJSON(_ db: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try CLI.run(["summary", "--db", db, "--format", "json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        return object["policy_domains"] as! [[String: Any]]
    }

    /// Every fixture mail holds the same report: the first stored, the others duplicates, each
    /// copy with its own verdict, equal to the fixture's expected one.
    @Test func recordStoresEveryCopysVerdict() throws {
        let dns = try keyServer()
        defer { dns.stop() }
        let db = try database()
        // The unsigned mail first: the report is stored unverified, then verified by a later copy.
        let order = ["unsigned.eml"] + Self.cases.map(\.file).filter { $0 != "unsigned.eml" }
        let r = try CLI.run(["ingest", "--db", db, "--dns-server", dns.address] + order.map(Self.mail))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == "ingest: 1 stored, \(order.count - 1) duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n"
        )
        let store = try openStore(db)
        let copies = try store.copiesReceived(organizationName: "Sender Example", reportID: "dkim-1")
        #expect(copies.count == order.count)
        for c in Self.cases {
            let copy = try #require(copies.first { $0.source.hasPrefix(Self.mail(c.file) + ":") }, "\(c.file)")
            #expect(copy.channel == "mail")
            #expect(copy.dkim == c.expected, "\(c.file): \(copy)")
            if c.expected == "pass" {
                #expect(copy.dkimDomain == "sender.example")
                #expect(copy.dkimSelector != nil && copy.dkimReason == nil)
            } else if c.expected == "fail" {
                #expect(copy.dkimReason?.isEmpty == false && copy.dkimDomain == nil)
            }
        }
        #expect(copies.first?.outcome == "stored" && copies.first?.dkim == "none")
        #expect(try store.isDKIMVerified(organizationName: "Sender Example", reportID: "dkim-1"))
        // The summary counts the report once as verified for its sender; the rollups stay exact.
        let summary = try summaryJSON(db)
        let reporters = try #require(summary.first?["reporters"] as? [[String: Any]])
        #expect(reporters.count == 1)
        #expect(reporters[0]["dkim_pass_report_count"] as? Int == 1)
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("rollups exact"))
        // The export's last column.
        let export = try CLI.run(["export", "--db", db, "--table", "failures"])
        let lines = export.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix(",detail_index,dkim"))
        #expect(lines[1].hasSuffix(",0,0,pass"))
    }

    /// `--dkim require`: a mail without a passing signature is refused with its verdict, the
    /// whole mail kept; ingested again from the kept bytes it is stored; a signed copy later
    /// makes it verified (and `--dkim-pass` then shows it).
    @Test func requireRefusesKeepsTheMailAndStoresItLater() throws {
        let dns = try keyServer()
        defer { dns.stop() }
        let db = try database()
        let refused = try CLI.run([
            "ingest", "--db", db, "--dkim", "require", "--dns-server", dns.address, Self.mail("unsigned.eml"),
            Self.mail("body-changed.eml"),
        ])
        #expect(refused.status == 1)
        #expect(refused.stdout.hasPrefix("ingest: 0 stored, 0 duplicate(s), 0 conflict(s), 2 rejected"))
        #expect(refused.stderr.contains("DKIM none: not stored under --dkim require"))
        #expect(refused.stderr.contains("DKIM fail (body hash does not match)"))
        let list = try CLI.run(["rejected", "--db", db, "--format", "json"])
        let rejected = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(rejected.count == 2)
        #expect(rejected.allSatisfy { $0["kind"] as? String == "dkim" && $0["channel"] as? String == "mail" })
        let unsigned = try #require(rejected.first { ($0["source"] as? String)?.contains("unsigned.eml") == true })
        let original = try TestPaths.bytes(Self.fixtures.appendingPathComponent("unsigned.eml"))
        #expect(unsigned["byte_count"] as? Int == original.count)
        let id = try #require(unsigned["id"] as? Int)
        let kept = try CLI.run(["rejected", "--db", db, "--bytes", String(id)])
        #expect(Array(kept.stdout.utf8) == original)
        #expect(try summaryJSON(db).isEmpty)

        // The kept bytes, ingested again with the verdict recorded: stored, unverified.
        let again = try CLI.run(["ingest", "--db", db, "--dns-server", dns.address, "-"], stdin: original)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("ingest: 1 stored"))
        #expect(try summaryJSON(db, ["--dkim-pass"]).isEmpty)
        // A signed copy: a duplicate, and the report is now verified.
        let signed = try CLI.run([
            "ingest", "--db", db, "--dkim", "require", "--dns-server", dns.address, Self.mail("ed25519-simple.eml"),
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.hasPrefix("ingest: 0 stored, 1 duplicate(s)"))
        let verified = try summaryJSON(db, ["--dkim-pass"])
        #expect(verified.count == 1)
        #expect(verified.first?["successful_session_count"] as? Int == 12)
        #expect(verified.first?["failed_session_count"] as? Int == 1)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }

    /// `--dkim-pass` on summary, export and digest keeps the verified reports only, exactly;
    /// reports from files are `n/a`, mail under `--dkim off` has no verdict.
    @Test func dkimPassFilterAndVerdictsOfFilesAndOff() throws {
        let dns = try keyServer()
        defer { dns.stop() }
        let db = try database()
        // Another report for the same domain and day, from a file.
        let file = try TestPaths.temporaryDirectory("dkim-file").appendingPathComponent("other.json").path
        try Data(
            #"""
            {"organization-name":"File Sender","report-id":"file-1","date-range":{"start-datetime":"2026-11-30T00:00:00Z","end-datetime":"2026-11-30T23:59:59Z"},
             "policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":100,"total-failure-session-count":7},
             "failure-details":[{"result-type":"starttls-not-supported","failed-session-count":7}]}]}
            """#.utf8
        ).write(to: URL(fileURLWithPath: file))
        // A mail under --dkim off: no verdict.
        let off = try CLI.run(["ingest", "--db", db, "--dkim", "off", Self.mail("rsa2048-relaxed.eml")])
        #expect(off.status == 0, "\(off.stderr)")
        let r = try CLI.run(["ingest", "--db", db, "--dns-server", dns.address, file])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try openStore(db)
        #expect(try store.copiesReceived(organizationName: "File Sender", reportID: "file-1").map(\.dkim) == ["n/a"])
        #expect(try store.copiesReceived(organizationName: "Sender Example", reportID: "dkim-1").map(\.dkim) == [nil])

        let all = try summaryJSON(db)
        #expect(all.first?["successful_session_count"] as? Int == 112)
        #expect(try summaryJSON(db, ["--dkim-pass"]).isEmpty)
        // Now a verified copy of dkim-1.
        _ = try CLI.run(["ingest", "--db", db, "--dns-server", dns.address, Self.mail("rsa1024-simple.eml")])
        let verified = try summaryJSON(db, ["--dkim-pass", "--since", "2026-11-30", "--until", "2026-11-30"])
        #expect(verified.count == 1)
        #expect(verified.first?["successful_session_count"] as? Int == 12)
        #expect((verified.first?["result_types"] as? [String: Int]) == ["certificate-expired": 1])
        let reporters = try #require(try summaryJSON(db).first?["reporters"] as? [[String: Any]])
        #expect(
            Dictionary(
                uniqueKeysWithValues: reporters.map {
                    ($0["organization_name"] as! String, $0["dkim_pass_report_count"] as! Int)
                }) == ["Sender Example": 1, "File Sender": 0])

        let export = try CLI.run(["export", "--db", db, "--table", "policies"])
        #expect(export.stdout.split(separator: "\n").count == 3)
        #expect(export.stdout.contains("File Sender,file-1,") && export.stdout.contains(",n/a\n"))
        let exportPass = try CLI.run(["export", "--db", db, "--table", "policies", "--format", "json", "--dkim-pass"])
        let rows = exportPass.stdout.split(separator: "\n")
        #expect(rows.count == 1)
        let row = try JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as! [String: Any]
        #expect(row["report_id"] as? String == "dkim-1" && row["dkim"] as? String == "pass")

        let digest = try CLI.run(["digest", "--db", db, "--day", "2026-11-30"])
        #expect(digest.stdout.contains("2 report(s)"))
        #expect(digest.stdout.contains("example.com: 120 sessions, 8 failed"))
        let digestPass = try CLI.run(["digest", "--db", db, "--day", "2026-11-30", "--dkim-pass"])
        #expect(digestPass.stdout.contains("1 report(s)"))
        #expect(digestPass.stdout.contains("example.com: 13 sessions, 1 failed"))
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }

    /// A DNS server that never answers: `temperror` after the timeout, and the ingest goes on.
    @Test func aSilentDNSServerIsATemporaryErrorAndTheIngestGoesOn() throws {
        let silent = SilentUDPPort()  // bound, never answers
        let port = silent.port
        let db = try database()
        let start = Date()
        let r = try CLI.run([
            "ingest", "--db", db, "--dns-server", "127.0.0.1:\(port)", "--dns-timeout", "1",
            Self.mail("rsa2048-relaxed.eml"), Self.mail("lf-line-ends.eml"), Self.mail("unsigned.eml"),
        ])
        #expect(Date().timeIntervalSince(start) >= 1)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("ingest: 1 stored, 2 duplicate(s)"))
        let copies = try openStore(db).copiesReceived(organizationName: "Sender Example", reportID: "dkim-1")
        #expect(copies.map(\.dkim) == ["temperror", "temperror", "none"])
        try #require(copies.count == 3)
        #expect(
            copies[0].dkimReason
                == "key r2048._domainkey.sender.example: no answer from 127.0.0.1:\(port) for r2048._domainkey.sender.example"
        )
        // `check` says the same, and under --dkim require nothing unverified is stored.
        let check = try CLI.run([
            "check", "--format", "json", "--dns-server", "127.0.0.1:\(port)", "--dns-timeout", "1",
            Self.mail("rsa2048-relaxed.eml"),
        ])
        #expect(check.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as! [String: Any]
        let reports = object["reports"] as! [[String: Any]]
        #expect(reports.first?["dkim"] as? String == "temperror")
    }

    /// The corpus's real mails (Google, Microsoft, Mail.ru, …) keep ingesting under `record`
    /// with a DNS server that cannot give their keys: the same tally as before, every verdict
    /// `temperror`, `none` or a `fail` found before any key was needed (an expired `x=`).
    @Test(.enabled(if: TestPaths.sharedCorpus != nil, "../shared/corpus is not present"))
    func corpusIngestsUnderRecord() throws {
        let corpus = try #require(TestPaths.sharedCorpus)
        let dns = try DNSTestServer(zones: [], txt: [:], refusing: ["."])
        defer { dns.stop() }
        let db = try database()
        let r = try CLI.run(["ingest", "--quiet", "--db", db, "--dns-server", dns.address, corpus.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == "ingest: 28 stored, 6 duplicate(s), 6 conflict(s), 0 rejected, 4 message(s) without a report\n")
        let export = try CLI.run(["export", "--db", db, "--table", "policies", "--format", "json"])
        var verdicts: [String: Int] = [:]
        for line in export.stdout.split(separator: "\n") {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            verdicts[row["dkim"] as? String ?? "null", default: 0] += 1
        }
        #expect(Set(verdicts.keys).isSubset(of: ["temperror", "none", "fail", "n/a"]), "\(verdicts)")
        #expect(verdicts["temperror", default: 0] > 0 && verdicts["n/a", default: 0] > 0, "\(verdicts)")
        let check = try CLI.run(["check", "--dns-server", dns.address, corpus.path])
        for line in check.stdout.split(separator: "\n") where line.contains("; DKIM fail") {
            #expect(line.contains("signature expired"), "\(line)")
        }
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }
}
