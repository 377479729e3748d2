import GRDB
import TLSRPT

/// Which reports a query covers. Dates are inclusive UTC days matched against a report's start
/// (its `day`); no date means all time.
public struct ReportFilter: Sendable, Equatable {
    /// First day included.
    public var since: Day?
    /// Last day included.
    public var until: Day?
    /// Policy domains (normalized: lower case, no trailing dot); empty means all.
    public var domains: [String]
    /// Sending organizations (`organization-name`, compared ignoring case); empty means all.
    public var reporters: [String]
    /// Result types (lower case); empty means all.
    public var resultTypes: [String]

    /// Creates a filter; values are normalized here.
    public init(
        since: Day? = nil, until: Day? = nil, domains: [String] = [], reporters: [String] = [],
        resultTypes: [String] = []
    ) {
        self.since = since
        self.until = until
        self.domains = domains.map(normalizeDomain)
        self.reporters = reporters
        self.resultTypes = resultTypes.map { ResultType($0).rawValue }
    }

    /// The periods of the rollup tables that exactly cover the date range: whole months from
    /// the monthly table, the partial months at either end from the daily table.
    struct Periods {
        /// Inclusive `YYYY-MM` bounds in the monthly tables, if any whole month is covered.
        var months: (String, String)?
        /// Inclusive `YYYY-MM-DD` bounds in the daily tables.
        var days: [(String, String)]
    }

    var periods: Periods {
        guard since != nil || until != nil else { return Periods(months: ("0000-00", "9999-99"), days: []) }
        let lo = since ?? Day(daysSinceEpoch: Int32.min / 2)
        let hi = until ?? Day(daysSinceEpoch: Int32.max / 2)
        guard lo <= hi else { return Periods(months: nil, days: []) }
        let loMonth = String(lo.description.prefix(7))
        let hiMonth = String(hi.description.prefix(7))
        if since == nil { return plan(loFull: true, lo: lo, hi: hi, loMonth: loMonth, hiMonth: hiMonth) }
        if until == nil { return plan(loFull: false, lo: lo, hi: hi, loMonth: loMonth, hiMonth: hiMonth, hiFull: true) }
        return plan(loFull: false, lo: lo, hi: hi, loMonth: loMonth, hiMonth: hiMonth)
    }

    private func plan(loFull: Bool, lo: Day, hi: Day, loMonth: String, hiMonth: String, hiFull: Bool = false) -> Periods
    {
        // Is lo the first day of its month, hi the last of its?
        let loStartsMonth = loFull || lo.description.hasSuffix("-01")
        let hiEndsMonth = hiFull || hi.adding(days: 1).description.hasSuffix("-01")
        if loMonth == hiMonth {
            if loStartsMonth && hiEndsMonth { return Periods(months: (loMonth, hiMonth), days: []) }
            return Periods(months: nil, days: [(lo.description, hi.description)])
        }
        var days: [(String, String)] = []
        var firstMonth = loMonth
        var lastMonth = hiMonth
        if !loStartsMonth {
            days.append((lo.description, loMonth + "-31"))
            firstMonth = Self.nextMonth(loMonth)
        }
        if !hiEndsMonth {
            days.append((hiMonth + "-01", hi.description))
            lastMonth = Self.previousMonth(hiMonth)
        }
        let months: (String, String)? = firstMonth <= lastMonth ? (firstMonth, lastMonth) : nil
        return Periods(months: months, days: days)
    }

    static func nextMonth(_ m: String) -> String {
        var y = Int(m.prefix(4))!
        var mo = Int(m.suffix(2))! + 1
        if mo == 13 {
            mo = 1
            y += 1
        }
        return String(format4(y)) + "-" + (mo < 10 ? "0\(mo)" : "\(mo)")
    }

    static func previousMonth(_ m: String) -> String {
        var y = Int(m.prefix(4))!
        var mo = Int(m.suffix(2))! - 1
        if mo == 0 {
            mo = 12
            y -= 1
        }
        return String(format4(y)) + "-" + (mo < 10 ? "0\(mo)" : "\(mo)")
    }

    private static func format4(_ y: Int) -> String {
        let s = String(y)
        return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }

    /// One rollup table and period range to read.
    struct RollupSource {
        /// `_total`, `_month` or `_day`.
        var grain: String
        var from: String
        var to: String
    }

    /// The rollup reads that exactly cover the date range: the all-time table without dates,
    /// else whole months from the monthly table and partial months from the daily one.
    var rollupSources: [RollupSource] {
        guard since != nil || until != nil else { return [RollupSource(grain: "_total", from: "", to: "")] }
        let p = periods
        var out: [RollupSource] = []
        if let (a, b) = p.months { out.append(RollupSource(grain: "_month", from: a, to: b)) }
        for (a, b) in p.days { out.append(RollupSource(grain: "_day", from: a, to: b)) }
        return out
    }

    /// Runs `SELECT columns FROM table<grain> WHERE period range AND conditions GROUP BY groupBy`
    /// for each rollup source, calling `row` for every result row.
    func eachRollupRow(
        _ db: Database, table: String, columns: String, groupBy: String, conditions: [String],
        arguments: [any DatabaseValueConvertible], _ row: (Row) throws -> Void
    ) throws {
        let extra = conditions.isEmpty ? "" : " AND " + conditions.joined(separator: " AND ")
        for source in rollupSources {
            let sql = """
                SELECT \(columns) FROM \(table)\(source.grain) WHERE period BETWEEN ? AND ?\(extra) GROUP BY \(groupBy)
                """
            let args: [any DatabaseValueConvertible] = [source.from, source.to] + arguments
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            while let r = try cursor.next() { try row(r) }
        }
    }

    /// `column IN (?, ?, …)` for a list, or nil for an empty list.
    static func inList(_ column: String, _ values: [String], collateNoCase: Bool = false) -> String? {
        guard !values.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
        return "\(column)\(collateNoCase ? " COLLATE NOCASE" : "") IN (\(marks))"
    }
}
