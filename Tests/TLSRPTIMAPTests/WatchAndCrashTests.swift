import Foundation
import TLSRPTStore
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// A `tlsrpt` process in the background, its output in files.
final class Background: @unchecked Sendable {
    let process = Process()
    let out: URL
    let err: URL

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let dir = try TestPaths.temporaryDirectory("bg")
        out = dir.appendingPathComponent("out")
        err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: try CLI.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for the process to end; true when it did.
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    func kill(_ signal: Int32) { _ = Glibc.kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { kill(SIGKILL) }
    }
}

/// Reports in the database at `path` (0 while it does not exist yet).
func reportCount(_ path: String) -> Int {
    guard FileManager.default.fileExists(atPath: path), let store = try? SQLiteStore(path: path) else { return 0 }
    return (try? store.counts().reports) ?? 0
}

/// Polls until `condition` holds or `seconds` pass; returns whether it held.
func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.enabled(if: dovecot, "dovecot-imapd is not installed"))
struct WatchAndCrashTests {
    func mail(_ id: String) throws -> String {
        let u = try TestPaths.temporaryDirectory("watch-mail").appendingPathComponent("\(id).eml")
        let m = MailBuilder.message(
            parts: [MailBuilder.part(MailBuilder.reportJSON(id: id), .gzipBase64, eol: "\r\n")], eol: "\r\n",
            messageID: "<\(id)@sender.example>")
        try Data(m.utf8).write(to: u)
        return u.path
    }

    @Test func watchPicksUpNewMailSurvivesARestartAndStopsOnSIGTERM() throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        try server.append([try mail("w1"), try mail("w2")])
        let db = try TestPaths.temporaryDirectory("watch-db").appendingPathComponent("t.sqlite").path
        // IDLE renewed every 2 s, so the test also sees renewals work.
        let watch = try Background(
            [
                "fetch", server.url(), "--watch", "--idle-renew", "2", "--reconnect-max", "2", "--ca-file",
                server.caFile,
                "--db", db, "--archive-folder", "Done",
            ], environment: ["TLSRPT_IMAP_PASSWORD": server.password])
        #expect(eventually(20) { reportCount(db) == 2 }, "\(watch.stderr)")
        // After a renewal, a new message is read within seconds of its arrival.
        usleep(2_500_000)
        try server.append([try mail("w3")])
        let arrived = Date()
        #expect(eventually(10) { reportCount(db) == 3 }, "\(watch.stderr)")
        #expect(Date().timeIntervalSince(arrived) < 5)
        #expect(eventually(5) { (try? server.digest("Done").count) == 3 })

        // Dovecot restarted: the watcher reconnects by itself and goes on.
        server.stop()
        usleep(1_000_000)
        try server.restart()
        try server.append([try mail("w4")])
        #expect(eventually(30) { reportCount(db) == 4 }, "\(watch.stderr)")
        #expect(watch.stderr.contains("reconnect"), "\(watch.stderr)")
        #expect(watch.process.isRunning)

        watch.kill(SIGTERM)
        #expect(watch.wait(seconds: 10))
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr)")
        #expect(
            watch.stdout
                == "fetch: 4 stored, 0 duplicate(s), 0 conflict(s), 0 rejected, 0 message(s) without a report\n")
        #expect(try server.digest("INBOX").count == 0)
        #expect(try server.digest("Done").count == 4)
    }

    @Test(arguments: [false, true])
    func killMinus9AndRerunEndsWithExactTotalsAndEveryMessage(archive: Bool) throws {
        let server = try IMAPTestServer()
        defer { server.stop() }
        let total = 3000
        _ = try server.tool(["append-synthetic", "INBOX", String(total)])
        let original = try server.digest("INBOX")
        #expect(original.count == total)
        let db = try TestPaths.temporaryDirectory("crash-db").appendingPathComponent("t.sqlite").path
        let args =
            ["fetch", server.url(), "--ca-file", server.caFile, "--db", db, "--batch-size", "40", "--quiet"]
            + (archive ? ["--archive-folder", "Archive"] : [])
        let env = ["TLSRPT_IMAP_PASSWORD": server.password]
        let first = try Background(args, environment: env)
        #expect(eventually(60) { reportCount(db) >= 200 })
        first.kill(SIGKILL)
        #expect(first.wait(seconds: 10))
        let atKill = reportCount(db)
        #expect(atKill < total, "the fetch ended before it could be killed")

        let second = try CLI.run(args, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(reportCount(db) == total)
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        // synthetic-i has 100 + i % 13 successful sessions and i % 3 failed ones.
        let summary = try CLI.run(["summary", "--db", db, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any]
        let domains = json?["policy_domains"] as? [[String: Any]] ?? []
        let ok = domains.reduce(0) { $0 + (($1["successful_session_count"] as? Int) ?? 0) }
        let failed = domains.reduce(0) { $0 + (($1["failed_session_count"] as? Int) ?? 0) }
        #expect(ok == (0..<total).reduce(0) { $0 + 100 + $1 % 13 })
        #expect(failed == (0..<total).reduce(0) { $0 + $1 % 3 })
        // Every original message is on the server once: in the folder or the archive.
        let inbox = try server.digest("INBOX")
        let archived = try server.digest("Archive")
        #expect((inbox.hashes + archived.hashes).sorted() == original.hashes)
        if archive { #expect(inbox.count == 0) } else { #expect(archived.count == 0) }
        // A third run has nothing to do.
        let third = try CLI.run(args, environment: env)
        #expect(third.stdout.hasPrefix("fetch: 0 stored, 0 duplicate(s)"), "\(third.stdout)")
    }
}
