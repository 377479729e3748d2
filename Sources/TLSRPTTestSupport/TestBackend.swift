import Foundation

/// The store backend the CLI tests run against: SQLite files by default; with
/// `TLSRPT_TEST_BACKEND=postgres` a new database for each test in the shared throwaway
/// PostgreSQL cluster (`scripts/test` runs `CLITests` both ways).
public enum TestBackend {
    /// Whether the tests run against PostgreSQL.
    public static var isPostgres: Bool {
        ProcessInfo.processInfo.environment["TLSRPT_TEST_BACKEND"] == "postgres"
    }

    /// A new, empty database for a test: a SQLite file in a temporary folder named after
    /// `folder`, or a PostgreSQL URL (its password set in this process's environment, which
    /// the commands the tests run inherit).
    public static func newDatabase(_ folder: String) throws -> String {
        guard isPostgres else {
            return try TestPaths.temporaryDirectory(folder).appendingPathComponent("t.sqlite").path
        }
        setenv("PGPASSWORD", PostgresTestServer.password, 1)
        return try PostgresTestServer.shared().newDatabase()
    }
}
