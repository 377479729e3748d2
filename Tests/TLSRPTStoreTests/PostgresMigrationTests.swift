import Foundation
import Synchronization
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStorePostgres

/// The PostgreSQL schema's versioned migrations: an older database is brought up to date by the
/// first command that opens it, once, however many processes start at once.
@Suite(.enabled(if: PostgresTestServer.available || TestTools.toolsRequired, "PostgreSQL is not installed"))
struct PostgresMigrationTests {
    @Test func aVersion1DatabaseIsMigratedOnceByTwoProcessesAtOnce() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.newDatabase()
        let name = String(db.split(separator: "/").last!)
        // A database as the first release of the PostgreSQL store left it: migration 1 only.
        try server.psql(
            """
            CREATE TABLE tlsrpt_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL);
            \(PostgresSchema.migrations[0].joined(separator: ";\n"));
            INSERT INTO tlsrpt_migrations VALUES (1, 0);
            """, database: name)
        let foreignKeys = "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'"
        #expect(try server.psql(foreignKeys, database: name) == "4\n")

        let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path
        let cli = try CLI.path
        let outputs = Mutex<[TestTools.Output?]>([nil, nil])
        let environment = server.environment
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let out = try? TestTools.run(cli, ["ingest", "--quiet", "--db", db, samples], environment: environment)
            outputs.withLock { $0[i] = out }
        }
        for out in outputs.withLock({ $0 }) {
            let out = try #require(out)
            #expect(out.status == 0, "\(out.stderr)")
        }
        #expect(
            try server.psql("SELECT version FROM tlsrpt_migrations ORDER BY 1", database: name)
                == (1...PostgresSchema.migrations.count).map { "\($0)\n" }.joined())
        #expect(try server.psql(foreignKeys, database: name) == "0\n")
        let verify = try CLI.run(["verify", "--db", db], environment: server.environment)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("file ok; rollups exact"), "\(verify.stdout)")
    }

    @Test func aDatabaseFromANewerTlsrptIsRefused() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.newDatabase()
        let name = String(db.split(separator: "/").last!)
        _ = try CLI.run(["summary", "--db", db], environment: server.environment)
        let newer = PostgresSchema.migrations.count + 1
        try server.psql("INSERT INTO tlsrpt_migrations VALUES (\(newer), 0)", database: name)
        let out = try CLI.run(["summary", "--db", db], environment: server.environment)
        #expect(out.status == 2)
        #expect(
            out.stderr.contains(
                "the database is at schema version \(newer); this tlsrpt knows \(PostgresSchema.migrations.count)"),
            "\(out.stderr)")
    }

    /// `verify` finds rows whose report is gone (the tables have no foreign keys since v2).
    @Test func verifyCountsRowsWithoutTheirReport() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.newDatabase()
        let name = String(db.split(separator: "/").last!)
        let samples = TestPaths.repositoryRoot.appendingPathComponent("samples").path
        let ingest = try CLI.run(["ingest", "--quiet", "--db", db, samples], environment: server.environment)
        #expect(ingest.status == 0)
        try server.psql("DELETE FROM reports WHERE id = (SELECT MIN(id) FROM reports)", database: name)
        let out = try CLI.run(["verify", "--db", db], environment: server.environment)
        #expect(out.status == 1)
        #expect(out.stdout.contains("file damaged"), "\(out.stdout)")
        #expect(out.stderr.contains("postgresql: raw_reports: 1 row(s) whose report is gone"), "\(out.stderr)")
        #expect(out.stderr.contains("postgresql: policies: "), "\(out.stderr)")
    }
}
