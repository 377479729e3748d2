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
    /// Only reports of which some copy came in a mail with a passing DKIM signature
    /// (`--dkim-pass`). Read from the report rows, not the rollups: slower on a large store.
    public var dkimPassOnly: Bool

    /// Creates a filter; values are normalized here.
    public init(
        since: Day? = nil, until: Day? = nil, domains: [String] = [], reporters: [String] = [],
        resultTypes: [String] = [], dkimPassOnly: Bool = false
    ) {
        self.dkimPassOnly = dkimPassOnly
        self.since = since
        self.until = until
        self.domains = domains.map(normalizeDomain)
        self.reporters = reporters
        self.resultTypes = resultTypes.map { ResultType($0).rawValue }
    }

    /// One rollup grain and inclusive period range to read (`RollupPeriod` values).
    struct RollupSource: Equatable {
        var grain: RollupGrain
        var from: Int64
        var to: Int64
    }

    /// The rollup reads that exactly cover the date range: the all-time rows without dates,
    /// else whole months from the monthly rows and the partial months at either end from the
    /// daily rows.
    var rollupSources: [RollupSource] {
        guard since != nil || until != nil else {
            return [RollupSource(grain: .total, from: RollupPeriod.allTime, to: RollupPeriod.allTime)]
        }
        if let since, let until, since > until { return [] }
        // Whole months from firstMonth to lastMonth; nil bounds are open.
        var firstMonth: Int64? = since.map(RollupPeriod.month)
        var lastMonth: Int64? = until.map(RollupPeriod.month)
        var out: [RollupSource] = []
        if let since, since.civil.day != 1 {
            // since's month is partial: its days up to the month's end (or to until, if sooner).
            let monthEnd = RollupPeriod.month(since) * 100 + 31
            let to = until.map { min(RollupPeriod.day($0), monthEnd) } ?? monthEnd
            out.append(RollupSource(grain: .day, from: RollupPeriod.day(since), to: to))
            firstMonth = Self.nextMonth(RollupPeriod.month(since))
        }
        if let until, until.adding(days: 1).civil.day != 1 {
            // until's month is partial (and not already read above with since's month).
            let monthStart = RollupPeriod.month(until) * 100 + 1
            if since.map({ RollupPeriod.month($0) != RollupPeriod.month(until) || $0.civil.day == 1 }) ?? true {
                let from = since.map { max(RollupPeriod.day($0), monthStart) } ?? monthStart
                out.append(RollupSource(grain: .day, from: from, to: RollupPeriod.day(until)))
            }
            lastMonth = Self.previousMonth(RollupPeriod.month(until))
        }
        let lo = firstMonth ?? Int64.min
        let hi = lastMonth ?? Int64.max
        if lo <= hi { out.insert(RollupSource(grain: .month, from: lo, to: hi), at: 0) }
        return out
    }

    /// The `YYYYMM` after `month`.
    static func nextMonth(_ month: Int64) -> Int64 { month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1 }

    /// The `YYYYMM` before `month`.
    static func previousMonth(_ month: Int64) -> Int64 { month % 100 == 1 ? (month / 100 - 1) * 100 + 12 : month - 1 }

    /// The day cells of the verified reports this filter covers, recomputed from the report
    /// rows (`--dkim-pass`: the rollups count every report).
    func dkimPassCells(_ db: Database) throws -> [RollupCells.Key: RollupCell] {
        var conditions = ["r.dkim_pass = 1"]
        var args: [any DatabaseValueConvertible] = []
        // Numbered parameters: the condition appears in each part of the UNION.
        func parameter(_ value: String) -> String {
            args.append(value)
            return "?\(args.count)"
        }
        if let since { conditions.append("r.day >= \(parameter(since.description))") }
        if let until { conditions.append("r.day <= \(parameter(until.description))") }
        if !domains.isEmpty {
            conditions.append("p.policy_domain IN (\(domains.map(parameter).joined(separator: ", ")))")
        }
        return try RollupCells.fresh(db, filter: conditions.joined(separator: " AND "), arguments: args)
    }

    /// Calls `body` with every rollup cell this filter reads: the stored cells of its
    /// `rollupSources`, or with `dkimPassOnly` the day cells of the verified reports.
    func eachCell(_ db: Database, _ body: (RollupCells.Key, UnsafeRawBufferPointer) throws -> Void) throws {
        if dkimPassOnly {
            for (key, cell) in try dkimPassCells(db).sorted(by: {
                ($0.key.period, $0.key.domain) < ($1.key.period, $1.key.domain)
            }) {
                try cell.encoded().withUnsafeBytes { try body(key, $0) }
            }
            return
        }
        for source in rollupSources {
            try RollupCells.each(
                db, source.grain, from: source.from, to: source.to,
                condition: RollupReader.idsIn("domain_id", domains), arguments: domains, body)
        }
    }

    /// `column IN (?, ?, …)` for a list, or nil for an empty list.
    static func inList(_ column: String, _ values: [String], collateNoCase: Bool = false) -> String? {
        guard !values.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
        return "\(column)\(collateNoCase ? " COLLATE NOCASE" : "") IN (\(marks))"
    }
}
