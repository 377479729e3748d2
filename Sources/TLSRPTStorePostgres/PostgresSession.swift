import Foundation
import Logging
import NIOCore
import PostgresNIO
import TLSRPTStore

/// A value bound to a query parameter (`$1`, `$2`…): text, a number, bytes (bytea), or SQL NULL.
enum SQLValue {
    case text(String?)
    case int(Int64?)
    case bytes([UInt8]?)
    case texts([String])
    case ints([Int64])
}

/// One connection's queries, run one at a time and waited for: the store's callers are
/// synchronous threads (the ingest's writer, a command), never the event loop.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `sql` with `values` bound to `$1…`; returns the rows.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = []) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let s): if let s { binds.append(s) } else { binds.appendNull() }
            case .int(let n): if let n { binds.append(n) } else { binds.appendNull() }
            case .bytes(let b): if let b { binds.append(ByteBuffer(bytes: b)) } else { binds.appendNull() }
            case .texts(let list): binds.append(list)
            case .ints(let list): binds.append(list)
            }
        }
        return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
    }

    /// Runs `sql` and returns the first column of the first row as a number (0 when none).
    func count(_ sql: String, _ values: [SQLValue] = []) throws -> Int64 {
        for row in try query(sql, values) {
            return try row.decode(Int64?.self) ?? 0
        }
        return 0
    }
}

extension ByteBuffer {
    /// The buffer's readable bytes.
    var bytes: [UInt8] { Array(readableBytesView) }
}

/// The SQL for a 64-bit count summed as `numeric` (sums never overflow in the database),
/// held at the largest or smallest 64-bit value as the SQLite store's saturating sums are.
func clamped(_ sum: String) -> String {
    "LEAST(GREATEST(\(sum), -9223372036854775808), 9223372036854775807)::bigint"
}

/// A result row's columns read straight from their binary wire form: postgres-nio's generic
/// `decode` costs ~10 µs a row in type metadata lookups, which made a summary over 60,000
/// rollup rows spend most of a second decoding.
struct Columns {
    private let cells: [PostgresCell]

    init(_ row: PostgresRow) { cells = Array(row) }

    /// An integer column (`int2`, `int4`, `int8`), or nil for NULL.
    func optionalInt(_ i: Int) throws -> Int64? {
        let cell = cells[i]
        guard var bytes = cell.bytes else { return nil }
        if cell.format == .text {
            guard let n = Int64(String(buffer: bytes)) else { throw mismatch(cell) }
            return n
        }
        switch cell.dataType {
        case .int8: if let n = bytes.readInteger(as: Int64.self) { return n }
        case .int4: if let n = bytes.readInteger(as: Int32.self) { return Int64(n) }
        case .int2: if let n = bytes.readInteger(as: Int16.self) { return Int64(n) }
        default: break
        }
        throw mismatch(cell)
    }

    /// An integer column that is never NULL.
    func int(_ i: Int) throws -> Int64 {
        guard let n = try optionalInt(i) else { throw mismatch(cells[i]) }
        return n
    }

    /// A text column, or nil for NULL.
    func optionalText(_ i: Int) -> String? {
        cells[i].bytes.map { String(buffer: $0) }
    }

    /// A text column that is never NULL.
    func text(_ i: Int) throws -> String {
        guard let s = optionalText(i) else { throw mismatch(cells[i]) }
        return s
    }

    /// A `bytea` column, or nil for NULL.
    func bytes(_ i: Int) -> [UInt8]? {
        cells[i].bytes?.bytes
    }

    private func mismatch(_ cell: PostgresCell) -> StoreError {
        StoreError("column \(cell.columnName) (\(cell.dataType)) is not what the store expects")
    }
}
