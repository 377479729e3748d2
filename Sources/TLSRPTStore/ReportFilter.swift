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
    package struct RollupSource: Equatable {
        package var grain: RollupGrain
        package var from: Int64
        package var to: Int64
    }

    /// The rollup reads that exactly cover the date range: the all-time rows without dates,
    /// else whole months from the monthly rows and the partial months at either end from the
    /// daily rows.
    package var rollupSources: [RollupSource] {
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
    package static func nextMonth(_ month: Int64) -> Int64 {
        month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1
    }

    /// The `YYYYMM` before `month`.
    package static func previousMonth(_ month: Int64) -> Int64 {
        month % 100 == 1 ? (month / 100 - 1) * 100 + 12 : month - 1
    }
}
