import GRDB
import TLSRPTStore

/// The texts behind the ids of rollup cells, for queries (each looked up once), and SQL
/// conditions on ids by text.
struct RollupReader {
    let db: Database
    private var texts: [Int64: String] = [:]

    init(_ db: Database) { self.db = db }

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

    /// The ids of these texts (those that have one); with `ignoringCase`, of every text equal
    /// to one of them but for ASCII case.
    func ids(of values: [String], ignoringCase: Bool = false) throws -> Set<Int64> {
        guard let list = ReportFilter.inList("text", values, collateNoCase: ignoringCase) else { return [] }
        return Set(
            try Int64.fetchAll(
                db, sql: "SELECT id FROM rollup_texts WHERE \(list)", arguments: StatementArguments(values)))
    }
}
