import Foundation
import Synchronization
import TLSRPT
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore

/// `--db` values: which database they name, and how a PostgreSQL login is found.
@Suite struct StoreLocationTests {
    @Test func anythingButAPostgresURLIsASQLiteFile() throws {
        #expect(try StoreLocation.parse("./tlsrpt.sqlite") == .sqlite(path: "./tlsrpt.sqlite"))
        #expect(try StoreLocation.parse("/var/lib/postgres.db") == .sqlite(path: "/var/lib/postgres.db"))
        #expect(try StoreLocation.parse("postgres.sqlite") == .sqlite(path: "postgres.sqlite"))
    }

    @Test func tcpURLWithEveryPart() throws {
        guard
            case .postgres(let p) = try StoreLocation.parse(
                "postgresql://alice:s%40cret@db.example:6543/reports?sslmode=verify-full&sslrootcert=/etc/ca.pem",
                environment: [:])
        else {
            Issue.record("not postgres")
            return
        }
        #expect(p.endpoint == .tcp(host: "db.example"))
        #expect(p.port == 6543)
        #expect(p.user == "alice")
        #expect(p.password == "s@cret")
        #expect(p.database == "reports")
        #expect(p.tls == .verifyFull)
        #expect(p.rootCertificatePath == "/etc/ca.pem")
        #expect(p.redacted == "postgres://alice@db.example:6543/reports?sslmode=verify-full&sslrootcert=/etc/ca.pem")
    }

    @Test func libpqDefaultsAndTheSocketForm() throws {
        let env = ["PGUSER": "collector", "PGPASSWORD": "pw", "HOME": "/nonexistent"]
        guard
            case .postgres(let p) = try StoreLocation.parse("postgres:///tlsrpt?host=/run/postgresql", environment: env)
        else {
            Issue.record("not postgres")
            return
        }
        #expect(p.endpoint == .socket(directory: "/run/postgresql"))
        #expect(p.port == 5432)
        #expect(p.user == "collector")
        #expect(p.password == "pw")
        #expect(p.database == "tlsrpt")
        #expect(p.tls == .prefer)
        guard
            case .postgres(let q) = try StoreLocation.parse(
                "postgres://bob@localhost", environment: ["HOME": "/nonexistent"])
        else {
            Issue.record("not postgres")
            return
        }
        #expect(q.database == "bob")
        #expect(q.port == 5432)
        #expect(q.password == nil)
        #expect(q.endpoint == .tcp(host: "localhost"))
    }

    @Test(arguments: [
        ("postgres://h/db?sslmode=sometimes", "sslmode must be disable, prefer, require or verify-full"),
        ("postgres://h/db?colour=blue", "unknown parameter colour"),
        ("postgres://h/db?host=relative/dir", "host= must be a socket directory"),
        ("postgres://h:0/db", "bad port 0"),
        ("postgres://u:secret@h/a/b", "the database name cannot hold '/'"),
    ])
    func badURLsAreErrorsThatHideThePassword(url: String, why: String) {
        #expect {
            try StoreLocation.parse(url, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains(why) && !text.contains("secret")
        }
    }

    @Test func passwordFileAsLibpqReadsIt() throws {
        let file = PasswordFile(
            text: """
                # comment
                db.example:5432:reports:alice:first
                *:*:reports:alice:second
                *:*:*:*:any\\:thing
                """)
        #expect(file.password(host: "db.example", port: 5432, database: "reports", user: "alice") == "first")
        #expect(file.password(host: "other", port: 5433, database: "reports", user: "alice") == "second")
        #expect(file.password(host: "other", port: 1, database: "x", user: "y") == "any:thing")

        let dir = try TestPaths.temporaryDirectory("pgpass")
        let path = dir.appendingPathComponent("pgpass").path
        try Data("*:*:*:carol:from-file\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let env = ["PGPASSFILE": path]
        guard case .postgres(let open) = try StoreLocation.parse("postgres://carol@h/d", environment: env) else {
            Issue.record("not postgres")
            return
        }
        #expect(open.password == nil)  // others may read it: ignored, as libpq does
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        guard case .postgres(let closed) = try StoreLocation.parse("postgres://carol@h/d", environment: env) else {
            Issue.record("not postgres")
            return
        }
        #expect(closed.password == "from-file")
    }
}

/// The same inputs give the same output on both backends, command by command, byte for byte.
@Suite(
    .enabled(if: PostgresTestServer.available || TestTools.toolsRequired, "PostgreSQL is not installed"),
    .serialized)
struct BackendParityTests {
    static let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path

    /// The inputs: the shipped samples, a bad file, and where the checkout has `../shared` the
    /// corpus and the real sender's mails.
    static func inputs() throws -> [String] {
        let bad = try TestPaths.temporaryDirectory("parity").appendingPathComponent("bad.json")
        try Data("{\"organization-name\": 1}".utf8).write(to: bad)
        var paths = [samples, bad.path] + (TestPaths.sharedCorpus.map { [$0.path] } ?? [])
        if RealSender.available {
            paths.append(try RealSender.run().directory.appendingPathComponent("reports.mbox").path)
        }
        return paths
    }

    /// Runs `arguments` against both databases; expects the same status and output.
    static func same(
        _ arguments: [String], _ sqlite: String, _ postgres: String, _ env: [String: String],
        normalize: (String) -> String = { $0 }, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> TestTools.Output {
        let a = try CLI.run(arguments + ["--db", sqlite])
        let b = try CLI.run(arguments + ["--db", postgres], environment: env)
        #expect(a.status == b.status, "\(arguments)", sourceLocation: sourceLocation)
        #expect(normalize(a.stdout) == normalize(b.stdout), "\(arguments)", sourceLocation: sourceLocation)
        #expect(!b.stderr.contains("database postgres"), "\(arguments): \(b.stderr)", sourceLocation: sourceLocation)
        return b
    }

    @Test func everyCommandGivesTheSameOutput() throws {
        let server = try PostgresTestServer.shared()
        let postgres = try server.newDatabase()
        let env = server.environment
        let sqlite = try TestPaths.temporaryDirectory("parity").appendingPathComponent("t.sqlite").path
        let inputs = try Self.inputs()

        let ingest = try Self.same(["ingest"] + inputs, sqlite, postgres, env)
        #expect(ingest.stdout.contains("rejected"))
        // Again: every report a duplicate on both.
        _ = try Self.same(["ingest"] + inputs, sqlite, postgres, env)

        for format in ["table", "json", "csv"] {
            _ = try Self.same(["summary", "--format", format], sqlite, postgres, env)
            _ = try Self.same(["summary", "--format", format, "--since", "2025-01-01"], sqlite, postgres, env)
            _ = try Self.same(
                ["summary", "--format", format, "--since", "2026-11-21", "--until", "2026-11-21"], sqlite, postgres,
                env)
            _ = try Self.same(
                ["summary", "--format", format, "--result-type", "certificate-expired"], sqlite, postgres, env)
            _ = try Self.same(["summary", "--format", format, "--dkim-pass"], sqlite, postgres, env)
        }
        let json = try Self.same(["summary", "--format", "json"], sqlite, postgres, env)
        #expect(json.stdout.contains("\"policy_domain\""))
        for table in ["policies", "failures"] {
            for format in ["csv", "json"] {
                for layout in ["tlsrpt", "parsedmarc"] {
                    let out = try Self.same(
                        ["export", "--table", table, "--format", format, "--layout", layout], sqlite, postgres, env)
                    #expect(out.stdout.count > 100)
                }
                _ = try Self.same(
                    ["export", "--table", table, "--format", format, "--domain", "example.com"], sqlite, postgres, env)
            }
        }
        for day in ["2026-11-21", "2026-11-22", "2020-01-01"] {
            for format in ["text", "markdown", "html"] {
                _ = try Self.same(["digest", "--day", day, "--format", format], sqlite, postgres, env)
                _ = try Self.same(
                    [
                        "digest", "--day", day, "--format", format, "--max-failure-rate", "0.01",
                        "--alert-new-result-types",
                    ],
                    sqlite, postgres, env)
            }
        }
        // Received times differ by the second the two ingests ran in.
        let stamp = try Regex(#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|"received_at" *: *\d+"#)
        _ = try Self.same(
            ["rejected", "--format", "json"], sqlite, postgres, env, normalize: { $0.replacing(stamp, with: "T") })
        _ = try Self.same(["rejected", "--bytes", "1"], sqlite, postgres, env)
        let verify = try Self.same(["verify"], sqlite, postgres, env)
        #expect(verify.stdout.contains("rollups exact"))
        let prune = try Self.same(["prune", "--older-than", "400"], sqlite, postgres, env)
        #expect(prune.status == 0)
        _ = try Self.same(["summary", "--format", "json"], sqlite, postgres, env)
        let after = try Self.same(["verify"], sqlite, postgres, env)
        #expect(after.stdout.contains("rollups exact"))
    }

    @Test func theSocketFormAndAWrongPassword() throws {
        let server = try PostgresTestServer.shared()
        let tcp = try server.newDatabase()
        let name = String(tcp.split(separator: "/").last!)
        let stored = try CLI.run(["ingest", "--db", server.socketURL(name), Self.samples])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout.contains("6 stored"))
        let again = try CLI.run(["ingest", "--db", tcp, Self.samples], environment: server.environment)
        #expect(again.stdout.contains("0 stored, 6 duplicate(s)"))
        let wrong = try CLI.run(["summary", "--db", tcp], environment: ["PGPASSWORD": "wrong"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("wrong"))
    }

    /// `sslmode=require` and `verify-full` against the server's certificate; a certificate from
    /// another CA is refused, naming why.
    @Test func tlsModes() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.newDatabase()
        let ca = server.directory.appendingPathComponent("ca.pem").path
        let require = try CLI.run(
            ["ingest", "--db", db + "?sslmode=require", Self.samples], environment: server.environment)
        #expect(require.stdout.contains("6 stored"), "\(require.stderr)")
        let verified = try CLI.run(
            ["summary", "--db", db + "?sslmode=verify-full&sslrootcert=" + ca], environment: server.environment)
        #expect(verified.status == 0, "\(verified.stderr)")
        let dir = try TestPaths.temporaryDirectory("other-ca")
        let (other, _) = try ServerProcess.makeCertificate(in: dir)
        let refused = try CLI.run(
            ["summary", "--db", db + "?sslmode=verify-full&sslrootcert=" + other], environment: server.environment)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(refused.stderr)")
        let notPEM = try CLI.run(
            ["summary", "--db", db + "?sslmode=verify-full&sslrootcert=" + Self.samples + "/google-2026-11-20.json"],
            environment: server.environment)
        #expect(notPEM.status == 2)
        #expect(notPEM.stderr.contains("holds no PEM certificate"))
    }

    /// Two `ingest` processes at once on overlapping inputs into one database: each report
    /// stored once, every other copy counted a duplicate, the rollups exact.
    @Test func twoWritersAtOnce() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.newDatabase()
        let dir = try TestPaths.temporaryDirectory("writers")
        // 600 distinct reports in files; writer A takes 0..<400, writer B 200..<600.
        var g = SeededGenerator(seed: 20)
        var paths: [String] = []
        for i in 0..<600 {
            let path = dir.appendingPathComponent("r\(i).json").path
            let json = ReportEncoder().encode(RandomReports.report(&g, index: i))
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let cli = try CLI.path
        let runs: [[String]] = [
            ["ingest", "--batch-size", "37", "--db", db] + Array(paths[0..<400]),
            ["ingest", "--batch-size", "41", "--db", db] + Array(paths[200..<600]).reversed(),
        ]
        let outputs = Mutex<[Int: TestTools.Output]>([:])
        let environment = server.environment
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let out = try? TestTools.run(cli, runs[i], environment: environment)
            outputs.withLock { $0[i] = out }
        }
        let outA = try #require(outputs.withLock { $0[0] })
        let outB = try #require(outputs.withLock { $0[1] })
        #expect(outA.status == 0, "\(outA.stderr)")
        #expect(outB.status == 0, "\(outB.stderr)")
        func count(_ s: String, _ label: String) -> Int {
            let m = s.firstMatch(of: try! Regex("(\\d+) \(label)"))
            return Int(m?.output[1].substring ?? "") ?? -1
        }
        #expect(count(outA.stdout, "stored") + count(outB.stdout, "stored") == 600)
        #expect(count(outA.stdout, "duplicate") + count(outB.stdout, "duplicate") == 200)
        let verify = try CLI.run(["verify", "--db", db], environment: server.environment)
        #expect(verify.stdout.contains("600 report(s)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("rollups exact"), "\(verify.stdout)")
        #expect(
            try server.psql("SELECT COUNT(*) FROM receipts WHERE outcome = 'duplicate'", database: dbName(db))
                == "200\n")
    }

    func dbName(_ url: String) -> String { String(url.split(separator: "/").last!) }
}

/// `tlsrpt copy-db`: SQLite to PostgreSQL and back, nothing lost, idempotent.
@Suite(.enabled(if: PostgresTestServer.available || TestTools.toolsRequired, "PostgreSQL is not installed"))
struct CopyDatabaseTests {
    @Test func sqliteToPostgresAndBack() throws {
        let server = try PostgresTestServer.shared()
        let postgres = try server.newDatabase()
        let env = server.environment
        let dir = try TestPaths.temporaryDirectory("copy-db")
        let first = dir.appendingPathComponent("first.sqlite").path
        let back = dir.appendingPathComponent("back.sqlite").path
        let ingest = try CLI.run(["ingest", "--db", first] + (try BackendParityTests.inputs()))
        #expect(ingest.stdout.contains("stored"))
        // An input position, as `fetch` records one.
        try SQLiteStore(path: first).recordInputPosition(
            InputPosition(source: "imaps://u@h/INBOX", validity: 7, position: 42), at: 1_700_000_000)
        let reports = try SQLiteStore(path: first).counts().reports

        let copy = try CLI.run(["copy-db", first, postgres], environment: env)
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(
            copy.stdout
                == "copy-db: \(reports) report(s) copied, 0 already there; 1 rejected input(s) copied; 1 input position(s)\n"
        )
        let again = try CLI.run(["copy-db", first, postgres], environment: env)
        #expect(
            again.stdout
                == "copy-db: 0 report(s) copied, \(reports) already there; 0 rejected input(s) copied; 1 input position(s)\n"
        )
        let verify = try CLI.run(["verify", "--db", postgres], environment: env)
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("\(reports) report(s)") && verify.stdout.contains("rollups exact"))

        let home = try CLI.run(["copy-db", postgres, back], environment: env)
        #expect(home.status == 0, "\(home.stderr)")
        #expect(try CLI.run(["verify", "--db", back]).stdout.contains("rollups exact"))

        // Every command reads the same from all three; every copy received is there.
        for command in [
            ["summary", "--format", "json"], ["summary", "--format", "csv"], ["export", "--table", "policies"],
            ["export", "--table", "failures", "--format", "json"], ["rejected", "--format", "json"],
            ["digest", "--day", "2026-11-21"],
        ] {
            let a = try CLI.run(command + ["--db", first])
            let b = try CLI.run(command + ["--db", postgres], environment: env)
            let c = try CLI.run(command + ["--db", back])
            #expect(a.stdout == b.stdout, "\(command)")
            #expect(a.stdout == c.stdout, "\(command)")
        }
        let original = try SQLiteStore(path: first)
        let returned = try SQLiteStore(path: back)
        #expect(try original.reportIDs() == returned.reportIDs())
        // Every report's copies and bytes, by (organization, report-id) as the export lists them.
        let lines = try CLI.run(["export", "--table", "policies", "--format", "json", "--db", first]).stdout
            .split(separator: "\n")
        var pairs = Set<[String]>()
        for line in lines {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            pairs.insert([row["organization_name"] as? String ?? "", row["report_id"] as? String ?? ""])
        }
        #expect(pairs.count == reports)
        var copies = 0
        for pair in pairs {
            let a = try original.copiesReceived(organizationName: pair[0], reportID: pair[1])
            #expect(a == (try returned.copiesReceived(organizationName: pair[0], reportID: pair[1])))
            copies += a.count
            #expect(
                try original.rawReport(organizationName: pair[0], reportID: pair[1])
                    == returned.rawReport(organizationName: pair[0], reportID: pair[1]))
        }
        #expect(copies > reports)
        #expect(
            try returned.inputPosition("imaps://u@h/INBOX")
                == InputPosition(source: "imaps://u@h/INBOX", validity: 7, position: 42))
        #expect(try original.counts() == returned.counts())
    }
}
