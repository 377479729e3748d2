import Foundation
import Synchronization

/// A real PostgreSQL server for the tests (`scripts/pg-test-server`: Debian's PostgreSQL in a
/// throwaway cluster on 127.0.0.1 and a Unix socket), started once per test process; each test
/// gets a database of its own (`newDatabase`).
public final class PostgresTestServer: @unchecked Sendable {
    /// Its directory (data, socket, log).
    public let directory: URL
    /// Its TCP port on 127.0.0.1.
    public let port: Int
    /// The superuser's password over TCP (the socket needs none).
    public static let password = "tlsrpt-test"
    private let databases = Mutex(0)

    /// Whether PostgreSQL's server programs are installed.
    public static var available: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
        }
    }

    /// The server of this test process, started on first use.
    public static func shared() throws -> PostgresTestServer {
        try sharedServer.withLock { server in
            if let server { return server }
            let started = try PostgresTestServer()
            server = started
            atexit { PostgresTestServer.stopShared() }
            return started
        }
    }

    private static let sharedServer = Mutex<PostgresTestServer?>(nil)

    private static func stopShared() {
        sharedServer.withLock { $0?.stop() }
    }

    /// Starts a server of its own (the tests that stop and restart it).
    public init() throws {
        directory = try TestPaths.temporaryDirectory("postgres")
        var lastError = ""
        for _ in 0..<10 {
            let p = Int.random(in: 20_000...59_000)
            let out = try IMAPTestServer.spawn(Self.script, ["start", directory.path, String(p)])
            if out.status == 0 {
                port = p
                return
            }
            lastError = out.stdout
        }
        throw NSError(
            domain: "PostgresTestServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "PostgreSQL: \(lastError)"])
    }

    private static var script: String {
        TestPaths.repositoryRoot.appendingPathComponent("scripts/pg-test-server").path
    }

    /// A new, empty database; returns its `--db` URL over TCP (password in `environment`).
    public func newDatabase() throws -> String {
        let n = databases.withLock {
            $0 += 1
            return $0
        }
        let name = "t\(getpid())_\(n)"
        try psql("CREATE DATABASE \(name)")
        return url(name)
    }

    /// The TCP URL of database `name`.
    public func url(_ name: String) -> String { "postgres://tlsrpt@127.0.0.1:\(port)/\(name)" }

    /// The Unix-socket URL of database `name`.
    public func socketURL(_ name: String) -> String {
        "postgres://tlsrpt@/\(name)?host=\(directory.path)&port=\(port)"
    }

    /// What the CLI needs to log in over TCP.
    public var environment: [String: String] { ["PGPASSWORD": Self.password] }

    /// Runs `sql` as the superuser in database `database`; returns psql's output (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let out = try TestTools.run(
            "/usr/bin/psql", ["-h", directory.path, "-p", String(port), "-U", "tlsrpt", "-d", database, "-qAtc", sql],
            environment: [:])
        guard out.status == 0 else {
            throw NSError(
                domain: "PostgresTestServer", code: 2, userInfo: [NSLocalizedDescriptionKey: "psql: \(out.stderr)"])
        }
        return out.stdout
    }

    /// Stops the server (fast shutdown).
    public func stop() {
        _ = try? IMAPTestServer.spawn(Self.script, ["stop", directory.path])
    }

    /// Starts it again after `stop`, same port and data.
    public func start() throws {
        _ = try IMAPTestServer.spawn(Self.script, ["restart", directory.path])
    }
}
