import Foundation
import GRDB
import GRDBSQLite
import TLSRPTStore

/// Reading and writing the rollup tables, whose rows are `RollupCell`s: one per grain, period
/// and policy domain (`rollup_day`, `rollup_month`, `rollup_total`).
enum RollupCells {
    /// Which cell: a period (`RollupPeriod`) and a domain's `rollup_texts` id.
    struct Key: Hashable, Sendable {
        var period: Int64
        var domain: Int64
    }

    /// The `rollup_texts` id of `text`, made when it has none.
    static func textID(_ db: Database, _ text: String) throws -> Int64 {
        if let id = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM rollup_texts WHERE text = ?"), arguments: [text])
        {
            return id
        }
        try db.execute(sql: "INSERT INTO rollup_texts (text) VALUES (?)", arguments: [text])
        return db.lastInsertedRowID
    }

    /// Adds each cell's entries to the stored cell of its key (or stores them when there is
    /// none). Cells are written with their lists ordered by key (`RollupCell.merging`).
    static func add(_ db: Database, _ grain: RollupGrain, _ cells: [(key: Key, entries: RollupCell.Entries)]) throws {
        let select = try db.cachedStatement(
            sql: "SELECT cell FROM rollup\(grain.suffix) WHERE period = ? AND domain_id = ?")
        let insert = try FastInsert(db, "INSERT INTO rollup\(grain.suffix) (period, domain_id, cell) VALUES (?, ?, ?)")
        let update = try FastInsert(db, "UPDATE rollup\(grain.suffix) SET cell = ? WHERE period = ? AND domain_id = ?")
        for (key, unordered) in cells where !unordered.isEmpty {
            let entries = unordered.ordered()
            if let bytes = try added(select, key, entries) {
                try update.run { b in
                    b.blob(bytes)
                    b.int(key.period)
                    b.int(key.domain)
                }
            } else {
                var empty = RollupCell()
                let bytes = empty.encoded(adding: entries)
                try insert.run { b in
                    b.int(key.period)
                    b.int(key.domain)
                    b.blob(bytes)
                }
            }
        }
    }

    /// The stored cell of `key` (selected by `statement`) with `entries` added, or nil when
    /// there is no stored cell.
    private static func added(_ statement: Statement, _ key: Key, _ entries: RollupCell.Entries) throws -> [UInt8]? {
        let stmt = statement.sqliteStatement
        sqlite3_reset(stmt)
        sqlite3_bind_int64(stmt, 1, key.period)
        sqlite3_bind_int64(stmt, 2, key.domain)
        defer { sqlite3_reset(stmt) }
        guard sqlite3_step(stmt) == SQLITE_ROW, let p = sqlite3_column_blob(stmt, 0) else { return nil }
        let stored = UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, 0)))
        if let merged = try RollupCell.merging(stored, adding: entries) { return merged }
        // Written unordered by an earlier version: added through dictionaries, written ordered.
        var cell = try RollupCell(decoding: stored)
        return cell.encoded(adding: entries)
    }

    /// Adds each cell to the stored one of its key (or stores it when there is none).
    static func add(_ db: Database, _ grain: RollupGrain, _ cells: [Key: RollupCell]) throws {
        try add(
            db, grain,
            cells.map { key, cell in
                (key, RollupCell.Entries(sessions: Array(cell.sessions), mx: Array(cell.mx), modes: Array(cell.modes)))
            })
    }

    /// Replaces the cells of `keys` with `cells` (a key without a cell, or with an empty one,
    /// loses its row).
    static func replace(_ db: Database, _ grain: RollupGrain, keys: Set<Key>, with cells: [Key: RollupCell]) throws {
        for key in keys.union(cells.keys) {
            try db.execute(
                sql: "DELETE FROM rollup\(grain.suffix) WHERE period = ? AND domain_id = ?",
                arguments: [key.period, key.domain])
            if let cell = cells[key], !cell.isEmpty {
                try db.execute(
                    sql: "INSERT INTO rollup\(grain.suffix) (period, domain_id, cell) VALUES (?, ?, ?)",
                    arguments: [key.period, key.domain, Data(cell.encoded())])
            }
        }
    }

    /// Calls `body` with the key and stored bytes of every cell of `grain` whose period is in
    /// `from...to`, and whose domain `condition` (SQL on `domain_id`, with `arguments`) keeps.
    static func each(
        _ db: Database, _ grain: RollupGrain, from: Int64, to: Int64, condition: String? = nil,
        arguments: [any DatabaseValueConvertible] = [], _ body: (Key, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let sql = """
            SELECT period, domain_id, cell FROM rollup\(grain.suffix) WHERE period BETWEEN ? AND ?\
            \(condition.map { " AND " + $0 } ?? "")
            """
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(StatementArguments([from, to] + arguments))
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: sql)
            }
            let key = Key(period: sqlite3_column_int64(stmt, 0), domain: sqlite3_column_int64(stmt, 1))
            let bytes = UnsafeRawBufferPointer(
                start: sqlite3_column_blob(stmt, 2), count: Int(sqlite3_column_bytes(stmt, 2)))
            try body(key, bytes)
        }
    }

    /// The stored cells of `grain` in a period range (and domain condition), decoded.
    static func load(
        _ db: Database, _ grain: RollupGrain, from: Int64 = .min, to: Int64 = .max, condition: String? = nil,
        arguments: [any DatabaseValueConvertible] = []
    ) throws -> [Key: RollupCell] {
        var out: [Key: RollupCell] = [:]
        try each(db, grain, from: from, to: to, condition: condition, arguments: arguments) { key, bytes in
            out[key] = try RollupCell(decoding: bytes)
        }
        return out
    }

    /// Day cells recomputed from the stored reports (`RollupQueries.day`), for the rows
    /// `filter` (SQL on `r` reports and `p` policies, with `arguments`) keeps.
    static func fresh(
        _ db: Database, filter: String = "1", arguments: [any DatabaseValueConvertible] = []
    ) throws -> [Key: RollupCell] {
        do {
            return try fresh(db, filter: filter, arguments: arguments, grouped: true)
        } catch let error as DatabaseError where error.message?.contains("integer overflow") == true {
            // A hostile report's counts: add the rows up here, saturating as the ingest does.
            return try fresh(db, filter: filter, arguments: arguments, grouped: false)
        }
    }

    private static func fresh(
        _ db: Database, filter: String, arguments: [any DatabaseValueConvertible], grouped: Bool
    ) throws -> [Key: RollupCell] {
        var cells: [Key: RollupCell] = [:]
        let args = StatementArguments(arguments) ?? StatementArguments()
        func rows(_ kind: RollupQueries.Kind) throws -> RowCursor {
            try Row.fetchCursor(db, sql: RollupQueries.day(kind, filter: filter, grouped: grouped), arguments: args)
        }
        let sessions = try rows(.sessions)
        while let row = try sessions.next() {
            let key = RollupCell.SessionKey(organization: row[2], policyType: row[3], resultType: row[4])
            cells[Key(period: row[0], domain: row[1]), default: RollupCell()].sessions[key, default: .init()].add(
                RollupCell.Counts(successful: row[5], failed: row[6], policies: row[7]))
        }
        let mx = try rows(.mx)
        while let row = try mx.next() {
            let key = RollupCell.MXKey(host: row[2], resultType: row[3])
            cells[Key(period: row[0], domain: row[1]), default: RollupCell()].mx[key, default: 0].saturate(
                adding: row[4])
        }
        let modes = try rows(.modes)
        while let row = try modes.next() {
            cells[Key(period: row[0], domain: row[1]), default: RollupCell()].modes[row[2], default: 0].saturate(
                adding: row[3])
        }
        let passes = try Row.fetchCursor(db, sql: RollupQueries.dkimPasses(filter: filter), arguments: args)
        while let row = try passes.next() {
            let key = RollupCell.SessionKey(
                organization: row[2], policyType: RollupCell.dkimPassMarker, resultType: RollupCell.dkimPassMarker)
            cells[Key(period: row[0], domain: row[1]), default: RollupCell()].sessions[key, default: .init()].add(
                RollupCell.Counts(successful: 0, failed: 0, policies: row[3]))
        }
        return cells
    }

    /// Coarser cells made by adding up finer ones: `period` gives each cell's new period
    /// (`RollupPeriod.monthOf` for months, `{ _ in 0 }` for all time).
    static func coarser(_ cells: [Key: RollupCell], period: (Int64) -> Int64) -> [Key: RollupCell] {
        var out: [Key: RollupCell] = [:]
        for (key, cell) in cells {
            out[Key(period: period(key.period), domain: key.domain), default: RollupCell()].merge(cell)
        }
        return out
    }
}
