import GRDB
import GRDBSQLite
import TLSRPTStore

/// Binds and steps a prepared INSERT with SQLite's C API directly. GRDB's
/// `execute(arguments:)` boxes every argument as an existential; on the ingest hot path
/// (5–10 inserts per report) that overhead was larger than SQLite's own work (BENCHMARKS.md).
/// Used only inside a GRDB write transaction, on a statement GRDB prepared and caches.
struct FastInsert {
    let statement: Statement
    let db: Database

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
    }

    /// Binds the values `bind` gives, runs the statement, and resets it.
    func run(_ bind: (inout Binder) -> Void) throws {
        let stmt = statement.sqliteStatement
        var binder = Binder(stmt: stmt)
        bind(&binder)
        let rc = sqlite3_step(stmt)
        // Every parameter is bound again before the next step, so no clear_bindings.
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: statement.sql)
        }
    }

    /// Binds parameters in order.
    struct Binder {
        let stmt: OpaquePointer
        var index: Int32 = 1
        static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        mutating func text(_ s: String?) {
            defer { index += 1 }
            guard var s else {
                sqlite3_bind_null(stmt, index)
                return
            }
            s.withUTF8 { p in
                p.withMemoryRebound(to: CChar.self) { c in
                    // An empty string still needs a non-null pointer, or SQLite binds NULL.
                    let base = c.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    _ = sqlite3_bind_text(stmt, index, base, Int32(c.count), Self.transient)
                }
            }
        }

        mutating func int(_ v: Int64) {
            sqlite3_bind_int64(stmt, index, v)
            index += 1
        }

        mutating func int(_ v: Int) { int(Int64(v)) }

        mutating func blob(_ bytes: [UInt8]?) {
            defer { index += 1 }
            guard let bytes else {
                sqlite3_bind_null(stmt, index)
                return
            }
            bytes.withUnsafeBytes { p in
                _ = sqlite3_bind_blob(
                    stmt, index, p.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(p.count), Self.transient)
            }
        }
    }
}

extension FastInsert.Binder: FieldSink {}
