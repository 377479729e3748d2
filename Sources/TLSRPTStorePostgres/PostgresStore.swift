import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization
import TLSRPT
import TLSRPTStore

/// Why the PostgreSQL store could not do what was asked.
enum PostgresStoreError: Error, CustomStringConvertible {
    case newerSchema(Int, known: Int)
    case olderSchema(Int, known: Int)
    case unavailable(String)

    var description: String {
        switch self {
        case .newerSchema(let v, let known):
            return "the database is at schema version \(v); this tlsrpt knows \(known) (upgrade tlsrpt)"
        case .olderSchema(let v, let known):
            return
                "the database is at schema version \(v), this tlsrpt needs \(known): run a command that writes (`tlsrpt verify`, `ingest`) once to migrate it"
        case .unavailable(let what):
            return "\(what) is not available on PostgreSQL yet"
        }
    }
}

/// The store in a PostgreSQL database that several collectors share (`--db postgres://…`):
/// any number of `serve`, `ingest` and `fetch` processes, on any machines, write at once.
/// Identity and deduplication are the database's (a unique key on the report identity and
/// `INSERT … ON CONFLICT DO NOTHING`), rollups are rows added to with `ON CONFLICT DO UPDATE`,
/// so concurrent batches neither lose nor double a count.
public final class PostgresStore: ReportStore {
    /// The database, as its URL names it (without password).
    public let postgres: PostgresLocation
    public var location: String { postgres.redacted }
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    /// Connections not in use; a query takes one (or opens one) and gives it back after.
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Mutex(0)

    /// Whether every transaction is read-only (`tlsrpt web`).
    public let readOnly: Bool

    /// Opens the database `location` names and brings its schema up to date; `readOnly`
    /// writes nothing (it only checks the schema is current) and makes every session read-only.
    public init(_ location: PostgresLocation, readOnly: Bool = false) throws {
        self.readOnly = readOnly
        postgres = location
        var logger = Logger(label: "tlsrpt.postgres")
        logger.logLevel = .critical
        self.logger = logger
        configuration = try Self.configuration(location)
        if readOnly {
            try withSession { try PostgresSchema.checkCurrent($0) }
        } else {
            try withSession { try PostgresSchema.migrate($0, now: Int64(Date().timeIntervalSince1970)) }
        }
    }

    deinit {
        for connection in idle.withLock({ $0 }) { _ = try? connection.close().wait() }
    }

    private static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        var config: PostgresConnection.Configuration
        switch location.endpoint {
        case .socket(let directory):
            config = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        case .tcp(let host):
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable:
                tls = .disable
            case .prefer, .require:
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .none
                let context = try NIOSSLContext(configuration: t)
                tls = location.tls == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = .fullVerification
                if let ca = location.rootCertificatePath {
                    do {
                        t.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
                    } catch {
                        throw StoreError("database \(location.redacted): sslrootcert \(ca) holds no PEM certificate")
                    }
                }
                tls = .require(try NIOSSLContext(configuration: t))
            }
            config = .init(
                host: host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: tls)
        }
        config.options.connectTimeout = .seconds(10)
        return config
    }

    /// Runs `body` with a connection of its own. After any failure the connection is closed,
    /// not reused and not asked anything more: closing it ends its transaction on the server
    /// (a rollback), and a query sent on a connection the server has just terminated (a fast
    /// shutdown's FATAL) may never be answered.
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let connection = try take()
        do {
            let result = try body(PostgresSession(connection: connection, logger: logger))
            giveBack(connection)
            return result
        } catch {
            // Not waited for (the server may be gone); held until closed, as postgres-nio asks.
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
            throw Self.describe(error, location: postgres.redacted)
        }
    }

    /// Runs `body` in one transaction (a failure rolls it back: `withSession`); a deadlock or
    /// serialization failure between writers (another collector's batch took the same keys in
    /// another order) is retried.
    func transaction<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try withSession { s in
                    try s.query("BEGIN")
                    let result = try body(s)
                    try s.query("COMMIT")
                    return result
                }
            } catch let error as PostgresFailure where error.retriable && attempt < 8 {
                attempt += 1
                usleep(UInt32(10_000 * attempt))
            }
        }
    }

    private func take() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = nextID.withLock {
            $0 += 1
            return $0
        }
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
            ).wait()
            if readOnly {
                _ = try PostgresSession(connection: connection, logger: logger).query(
                    "SET default_transaction_read_only = on")
            }
            return connection
        } catch {
            throw Self.describe(error, location: postgres.redacted)
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        idle.withLock { $0.append(connection) }
    }

    /// A failure as the user should read it: the database, and what the server (or the
    /// connection) said.
    static func describe(_ error: any Error, location: String) -> any Error {
        if error is PostgresFailure || error is StoreError { return error }
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState]
            let message =
                error.serverInfo?[.message] ?? error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
            return PostgresFailure(
                message: "database \(location): \(message)", sqlState: state,
                connectionLost: error.serverInfo == nil)
        }
        if let error = error as? PostgresStoreError {
            return StoreError("database \(location): \(error)")
        }
        return PostgresFailure(message: "database \(location): \(error)", sqlState: nil, connectionLost: true)
    }

    public func beginBulkWrite() -> (any BulkWrite)? { nil }
}

/// A failed PostgreSQL query or connection.
public struct PostgresFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// The server's SQLSTATE, when it answered.
    public var sqlState: String?
    /// Whether the server could not be reached or the connection broke (the database may be
    /// down: a receiver answers 503 and tries again later).
    public var connectionLost: Bool

    public var description: String { message }

    /// A deadlock (40P01) or serialization failure (40001): the transaction may be run again.
    var retriable: Bool { sqlState == "40P01" || sqlState == "40001" }
}
