import GRDB
import GRDBSQLite

/// Reads rollup rows for queries: integer rows stepped with SQLite's C API (a partial-month
/// summary reads ~700,000 of them; GRDB's `Row` cost more than SQLite itself), and the texts of
/// their ids.
struct RollupReader {
    let db: Database
    private var texts: [Int64: String] = [:]

    init(_ db: Database) { self.db = db }

    /// Calls `row` with the columns of each result row of `sql`, all read as integers.
    func eachRow(_ sql: String, _ arguments: [any DatabaseValueConvertible], _ row: (RowValues) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(StatementArguments(arguments))
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
            try row(RowValues(stmt: stmt))
        }
    }

    /// The current row of a statement.
    struct RowValues {
        let stmt: OpaquePointer
        subscript(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    }

    /// Reads rows of `table` (without its grain suffix) for every source of `filter`, with the
    /// `columns` given and extra `conditions` (with their `arguments`).
    func eachRow(
        _ table: String, _ columns: String, _ filter: ReportFilter, conditions: [String],
        arguments: [any DatabaseValueConvertible], _ row: (RowValues) throws -> Void
    ) throws {
        let extra = conditions.map { " AND " + $0 }.joined()
        for source in filter.rollupSources {
            try eachRow(
                "SELECT \(columns) FROM \(table)\(source.grain.suffix) WHERE period BETWEEN ? AND ?\(extra)",
                [source.from, source.to] + arguments, row)
        }
    }

    /// The text of a `rollup_texts` id.
    mutating func text(_ id: Int64) throws -> String {
        if let t = texts[id] { return t }
        let t =
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT text FROM rollup_texts WHERE id = ?"), arguments: [id]) ?? ""
        texts[id] = t
        return t
    }

    /// `column IN (ids of these texts)` for a list, or nil for an empty list; with
    /// `collateNoCase` texts match ignoring ASCII case.
    static func idsIn(_ column: String, _ values: [String], collateNoCase: Bool = false) -> String? {
        guard let list = ReportFilter.inList("text", values, collateNoCase: collateNoCase) else { return nil }
        return "\(column) IN (SELECT id FROM rollup_texts WHERE \(list))"
    }

    /// The ids of these texts (those that have one).
    func ids(of values: [String]) throws -> Set<Int64> {
        guard let list = ReportFilter.inList("text", values) else { return [] }
        return Set(
            try Int64.fetchAll(
                db, sql: "SELECT id FROM rollup_texts WHERE \(list)", arguments: StatementArguments(values)))
    }
}
