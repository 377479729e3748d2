import Foundation
import TLSRPTStore
import TLSRPTTestSupport
import Testing

/// Whether the Dovecot tests run: Dovecot is installed, or outside tools are required (then a
/// missing Dovecot fails them).
let dovecot = IMAPTestServer.available || TestTools.toolsRequired

/// `tlsrpt fetch` against a real Dovecot (scripts/imap-test-server), checked with Python's
/// imaplib (scripts/imap_tool.py).
@Suite(.enabled(if: dovecot, "dovecot-imapd is not installed"))
struct FetchTests {
    func database() throws -> String {
        try TestBackend.newDatabase("fetch-db")
    }

    /// Three report mails of the project's own (one report each: gzip, JSON quoted-printable, zip).
    func projectMails() throws -> [String] {
        let dir = try TestPaths.temporaryDirectory("report-mails")
        let kinds: [MailBuilder.Attachment] = [.gzipBase64, .jsonQuotedPrintable, .zip]
        return try kinds.enumerated().map { i, kind in
            let mail = MailBuilder.message(
                parts: [MailBuilder.part(MailBuilder.reportJSON(id: "imap-\(i)", failure: i), kind, eol: "\r\n")],
                eol: "\r\n", messageID: "<imap-\(i)@sender.example>")
            let u = dir.appendingPathComponent("m\(i).eml")
            try Data(mail.utf8).write(to: u)
            return u.path
        }
    }

    func noReportMail() throws -> String {
        let u = try TestPaths.temporaryDirectory("plain-mail").appendingPathComponent("hello.eml")
        try Data("From: a@example.org\r\nTo: reports@example.com\r\nSubject: hello\r\n\r\nNot a report.\r\n".utf8)
            .write(
                to: u)
        return u.path
    }

    func badReportMail() throws -> String {
        let u = try TestPaths.temporaryDirectory("bad-mail").appendingPathComponent("bad.eml")
        let mail = """
            From: noreply@sender.example\r
            Subject: Report Domain: example.com\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=tlsrpt; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            report\r
            --b\r
            Content-Type: application/tlsrpt+json\r
            \r
            {"organization-name": "Broken", "report-id": "x", "policies": []}\r
            --b--\r

            """
        try Data(mail.utf8).write(to: u)
        return u.path
    }

    func summaryJSON(_ db: String) throws -> String {
        let out = try CLI.run(["summary", "--db", db, "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout
    }

    @Test func fetchesTheSameAsIngestOverImplicitTLSAndNothingTheSecondTime() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        var mails = try projectMails()
        if let corpus = TestPaths.sharedCorpus {
            let found = FileManager.default.enumerator(atPath: corpus.path)!.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".eml") && !$0.hasSuffix("empty.eml") }.sorted()
            mails += found.map { corpus.appendingPathComponent($0).path }
        }
        if RealSender.available {
            mails.append(try RealSender.run().directory.appendingPathComponent("reports.mbox").path)
        }
        let appended = try server.append(mails)
        #expect(appended >= mails.count)

        let reference = try database()
        let ingest = try CLI.run(["ingest", "--quiet", "--db", reference] + mails)
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let db = try database()
        let pw = try server.passwordFile()
        let first = try CLI.run(["fetch", server.url(), "--password-file", pw, "--ca-file", server.caFile, "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        // The same stored count as ingest of the same files, and the same totals.
        let ingestStored = ingest.stdout.split(separator: ",").first.map(String.init) ?? ""
        #expect(
            first.stdout.hasPrefix("fetch: " + ingestStored.dropFirst("ingest: ".count) + ","),
            "\(first.stdout) vs \(ingest.stdout)")
        #expect(try summaryJSON(db) == summaryJSON(reference))
        // The same reports, policies and failure details; rollups exact (on either backend).
        let verified = try CLI.run(["verify", "--db", db])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("rollups exact"), "\(verified.stdout)")
        let counts = { (out: String) in out.split(separator: ";").first.map(String.init) ?? "" }
        #expect(counts(verified.stdout) == counts(try CLI.run(["verify", "--db", reference]).stdout))

        // Nothing new: nothing fetched, the messages untouched (not even \Seen).
        let second = try CLI.run(["fetch", server.url(), "--password-file", pw, "--ca-file", server.caFile, "--db", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            second.stdout
                == "fetch: 0 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n")
        let inbox = try server.digest("INBOX")
        #expect(inbox.count == appended)
        #expect(inbox.seen == 0)

        // One new message: only it is read.
        try server.append([try noReportMail()])
        let third = try CLI.run(["fetch", server.url(), "--password-file", pw, "--ca-file", server.caFile, "--db", db])
        #expect(
            third.stdout
                == "fetch: 0 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 1 message(s) without a report\n")
    }

    @Test func startTLSAndPlainTextRules() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        try server.append(try projectMails())
        let pw = try server.passwordFile()
        let db = try database()
        let tls = try CLI.run([
            "fetch", server.plainURL(), "--starttls", "--password-file", pw, "--ca-file", server.caFile, "--db", db,
        ])
        #expect(tls.status == 0, "\(tls.stderr)")
        #expect(tls.stdout.hasPrefix("fetch: 3 stored, "), "\(tls.stdout)")

        // imap:// alone would send the password in clear: refused before connecting.
        let refused = try CLI.run(["fetch", server.plainURL(), "--password-file", pw, "--db", db])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--starttls"))
        // --insecure-plain connects, but Dovecot refuses a login in clear from another address.
        let plain = try CLI.run(["fetch", server.plainURL(), "--insecure-plain", "--password-file", pw, "--db", db])
        #expect(plain.status == 2)
        #expect(plain.stderr.contains("LOGINDISABLED"), "\(plain.stderr)")
        #expect(!plain.stderr.contains(server.password))
    }

    @Test func wrongPasswordAndUntrustedCertificateAreClearErrors() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        let db = try database()
        let wrong = try CLI.run(
            ["fetch", server.url(), "--ca-file", server.caFile, "--db", db],
            environment: ["TLSRPT_IMAP_PASSWORD": "not-the-password-42"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("login refused"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-password-42") && !wrong.stdout.contains("not-the-password-42"))
        #expect(!wrong.stderr.contains("Fatal error"))

        let untrusted = try CLI.run(
            ["fetch", server.url(), "--db", db], environment: ["TLSRPT_IMAP_PASSWORD": server.password])
        #expect(untrusted.status == 2)
        #expect(untrusted.stderr.contains("certificate"), "\(untrusted.stderr)")
        #expect(!untrusted.stderr.contains(server.password))

        // A password file every user can read works, with a note; one only its owner reads, without.
        let pw = try server.passwordFile()
        chmod(pw, 0o644)
        let open = try CLI.run(["fetch", server.url(), "--password-file", pw, "--ca-file", server.caFile, "--db", db])
        #expect(open.status == 0, "\(open.stderr)")
        #expect(open.stderr.contains("is readable by every user"), "\(open.stderr)")
        chmod(pw, 0o600)
        let closed = try CLI.run(["fetch", server.url(), "--password-file", pw, "--ca-file", server.caFile, "--db", db])
        #expect(closed.status == 0 && !closed.stderr.contains("readable by every user"), "\(closed.stderr)")

        let noPassword = try CLI.run(["fetch", server.url(), "--db", db], environment: ["TLSRPT_IMAP_PASSWORD": ""])
        #expect(noPassword.status == 64)
        #expect(noPassword.stderr.contains("--password-file"))
    }

    @Test func archiveAndInvalidFoldersHoldTheRightMessages() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        let good = try projectMails()
        let bad = [try noReportMail(), try badReportMail()]
        try server.append(good + bad)
        let goodHashes = try hashesOf(good, server: server)
        let badHashes = try hashesOf(bad, server: server)
        let db = try database()
        // One report is already stored: its message is archived too (already present).
        let pre = try CLI.run(["ingest", "--quiet", "--db", db, good[0]])
        #expect(pre.status == 0)
        let out = try CLI.run([
            "fetch", server.url(), "--password-file", try server.passwordFile(), "--ca-file", server.caFile, "--db", db,
            "--archive-folder", "TLS/Archive", "--invalid-folder", "TLS/Invalid", "--batch-size", "2",
        ])
        #expect(out.status == 1, "a part was rejected: \(out.stderr)")
        #expect(
            out.stdout == "fetch: 2 stored, 1 duplicate(s), 0 conflict(s), 1 rejected, 1 message(s) without a report\n")
        #expect(try server.digest("INBOX").count == 0)
        #expect(try server.digest("TLS/Archive").hashes == goodHashes)
        #expect(try server.digest("TLS/Invalid").hashes == badHashes)
        // The rejected part names the message by its IMAP URL (RFC 5092: UIDVALIDITY and UID).
        let rejected = try CLI.run(["rejected", "--db", db, "--format", "json"])
        #expect(rejected.stdout.contains("imaps://reports@127.0.0.2:\(server.tlsPort)/INBOX;UIDVALIDITY="))
        #expect(rejected.stdout.contains("/;UID=5"), "\(rejected.stdout)")
    }

    @Test func withoutMOVEMessagesAreCopiedFlaggedAndExpunged() throws {
        // Dovecot announcing no MOVE after login (it would still take it): the client must use
        // UID COPY, STORE \Deleted and UID EXPUNGE (UIDPLUS).
        let server = try IMAPTestServer(capability: "IMAP4rev1 SASL-IR LITERAL+ IDLE UIDPLUS NAMESPACE")
        defer { server.stop() }
        let good = try projectMails()
        try server.append(good + [try noReportMail()])
        let db = try database()
        let out = try CLI.run([
            "fetch", server.url(), "--password-file", try server.passwordFile(), "--ca-file", server.caFile, "--db", db,
            "--archive-folder", "Archive", "--invalid-folder", "Invalid",
        ])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(
            out.stdout == "fetch: 3 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 1 message(s) without a report\n")
        #expect(try server.digest("INBOX").count == 0)
        #expect(try server.digest("Archive").hashes == hashesOf(good, server: server))
        #expect(try server.digest("Invalid").count == 1)
        let log =
            (try? String(contentsOf: server.directory.appendingPathComponent("dovecot.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("Error"), "\(log)")
    }

    /// SHA-256 of each message as the server stores it (appended with CRLF line ends).
    func hashesOf(_ files: [String], server: IMAPTestServer) throws -> [String] {
        let scratch = try IMAPTestServer()
        defer { scratch.stop() }
        try scratch.append(files, to: "X")
        return try scratch.digest("X").hashes
    }

    @Test func aMessageOverTheCapIsRejectedWithoutBeingLoaded() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        let big = try TestPaths.temporaryDirectory("big").appendingPathComponent("big.eml")
        var mail = "From: a@example.org\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n"
        mail += String(repeating: String(repeating: "x", count: 998) + "\r\n", count: 5_500)
        try Data(mail.utf8).write(to: big)
        try server.append([big.path] + (try projectMails()))
        let db = try database()
        // --max-report-bytes 1000000: mails over 5.33 MB (base64 of the cap plus 4 MB) are refused.
        let out = try CLI.run([
            "fetch", server.url(), "--password-file", try server.passwordFile(), "--ca-file", server.caFile, "--db", db,
            "--max-report-bytes", "1000000", "--invalid-folder", "Invalid",
        ])
        #expect(out.status == 1)
        #expect(out.stdout.hasPrefix("fetch: 3 stored, 0 duplicate(s), 0 conflict(s), 1 rejected"), "\(out.stdout)")
        #expect(out.stderr.contains("over the") && out.stderr.contains("not fetched"), "\(out.stderr)")
        #expect(try server.digest("Invalid").count == 1)
        #expect(try server.digest("INBOX").count == 3)
    }

    /// `fetch` with `dkim: require` in its config file: the mails signed by dkimpy whose
    /// signature passes are stored (one report, duplicates after the first), the others refused
    /// with their whole message kept and moved to the invalid folder; keys from a real unbound.
    @Test(.enabled(if: DNSTestServer.available || TestTools.toolsRequired, "unbound is not installed"))
    func dkimRequireStoresOnlyVerifiedMailAndMovesTheRestAside() throws {
        let fixtures = TestPaths.repositoryRoot.appendingPathComponent("Tests/DKIMTests/Fixtures")
        let keys =
            try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("keys.json")))
            as! [String: String]
        let dns = try DNSTestServer(zones: ["sender.example", "other.example"], txt: keys)
        defer { dns.stop() }
        let server = try IMAPTestServer()
        defer { server.stop() }
        let passing = ["rsa2048-relaxed.eml", "ed25519-simple.eml", "lf-line-ends.eml"].map {
            fixtures.appendingPathComponent($0).path
        }
        let failing = ["unsigned.eml", "body-changed.eml", "expired.eml"].map {
            fixtures.appendingPathComponent($0).path
        }
        try server.append(passing + failing)
        let dir = try TestPaths.temporaryDirectory("dkim-fetch")
        let db = dir.appendingPathComponent("t.sqlite").path
        let config = dir.appendingPathComponent("fetch.yaml")
        try Data(
            """
            url: \(server.url())
            password-file: \(try server.passwordFile())
            ca-file: \(server.caFile)
            archive-folder: Done
            invalid-folder: Invalid
            dkim: require
            dns-server: \(dns.address)
            dns-timeout: 2
            db: \(db)

            """.utf8
        ).write(to: config)
        let out = try CLI.run(["fetch", "--config", config.path])
        #expect(out.status == 1, "\(out.stderr)")
        #expect(
            out.stdout == "fetch: 1 stored, 2 duplicate(s), 0 conflict(s), 3 rejected, 0 message(s) without a report\n")
        #expect(try server.digest("Done").hashes == hashesOf(passing, server: server))
        #expect(try server.digest("Invalid").hashes == hashesOf(failing, server: server))
        let rejected = try CLI.run(["rejected", "--db", db, "--format", "json"])
        let list = try JSONSerialization.jsonObject(with: Data(rejected.stdout.utf8)) as! [[String: Any]]
        #expect(list.count == 3 && list.allSatisfy { $0["kind"] as? String == "dkim" })
        #expect(rejected.stdout.contains("DKIM none") && rejected.stdout.contains("body hash does not match"))
        #expect(rejected.stdout.contains("signature expired"))
        // A kept message is the whole mail as the server holds it: it ingests (as unverified) later.
        let id = try #require(list.first?["id"] as? Int)
        let kept = try CLI.run(["rejected", "--db", db, "--bytes", String(id)])
        #expect(kept.stdout.contains("DKIM-Signature") || kept.stdout.contains("TLS-Report-Submitter"))
        let verdicts = try CLI.run(["export", "--db", db, "--table", "policies", "--format", "json"])
        #expect(verdicts.stdout.contains("\"dkim\":\"pass\""), "\(verdicts.stdout)")
        // A config value that is not a mode is an error naming it.
        try Data("url: \(server.url())\ndkim: strict\n".utf8).write(to: config)
        let bad = try CLI.run(["fetch", "--config", config.path, "--password-file", try server.passwordFile()])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("dkim must be off, record or require"), "\(bad.stderr)")
    }

}

@Suite(.enabled(if: dovecot, "dovecot-imapd is not installed"))
struct FetchSettingsTests {
    func mails(_ n: Int) throws -> [String] {
        let dir = try TestPaths.temporaryDirectory("cfg-mails")
        return try (0..<n).map { i in
            let u = dir.appendingPathComponent("m\(i).eml")
            let m = MailBuilder.message(
                parts: [MailBuilder.part(MailBuilder.reportJSON(id: "cfg-\(i)"), .gzipBase64, eol: "\r\n")],
                eol: "\r\n", messageID: "<cfg-\(i)@sender.example>")
            try Data(m.utf8).write(to: u)
            return u.path
        }
    }

    @Test func aConfigFileHoldsEveryOptionAndRejectsUnknownOnes() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        try server.append(try mails(2))
        let dir = try TestPaths.temporaryDirectory("cfg")
        let db = dir.appendingPathComponent("t.sqlite").path
        let config = dir.appendingPathComponent("fetch.yaml")
        try Data(
            """
            # tlsrpt fetch settings
            url: \(server.url())
            password-file: \(try server.passwordFile())
            ca-file: \(server.caFile)
            archive-folder: "TLS/Done"
            batch-size: 1
            db: \(db)

            """.utf8
        ).write(to: config)
        let out = try CLI.run(["fetch", "--config", config.path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("fetch: 2 stored, "))
        #expect(try server.digest("TLS/Done").count == 2)
        #expect(reportCount(db) == 2)

        try Data("url: \(server.url())\narchive-folder: X\npasword-file: /tmp/x\n".utf8).write(to: config)
        let bad = try CLI.run(["fetch", "--config", config.path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("line 3") && bad.stderr.contains("pasword-file"), "\(bad.stderr)")
    }

    @Test func aNewUIDValidityReadsTheFolderAgainAsDuplicates() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        let files = try mails(3)
        try server.append(files, to: "Reports")
        let db = try TestPaths.temporaryDirectory("uv").appendingPathComponent("t.sqlite").path
        let args = ["fetch", server.url("Reports"), "--ca-file", server.caFile, "--db", db]
        let env = ["TLSRPT_IMAP_PASSWORD": server.password]
        let first = try CLI.run(args, environment: env)
        #expect(first.stdout.hasPrefix("fetch: 3 stored, 0 duplicate(s)"), "\(first.stdout) \(first.stderr)")
        // The folder deleted and made again: new UIDVALIDITY, UIDs from 1 again.
        try server.tool(["delete", "Reports"])
        try server.append(files + (try mails(4)).suffix(1), to: "Reports")
        let second = try CLI.run(args, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("UIDVALIDITY changed"), "\(second.stderr)")
        #expect(second.stdout.hasPrefix("fetch: 1 stored, 3 duplicate(s)"), "\(second.stdout)")
        #expect(reportCount(db) == 4)
    }
}
