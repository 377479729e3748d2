import TLSRPT

/// What the digest's history alerts (baseline, new MX, new and silent reporters) look back on:
/// each domain's day summaries of the 30 days up to the digest's day, and the reporters each
/// domain had before it. Read through the store seam (day rollups; no report rows), so it is
/// the same on every backend.
public struct AlertHistory: Sendable, Equatable {
    /// The digest's day.
    public var day: Day
    /// Per day from `day − 30` to `day`, per policy domain, its summary (every MX host named).
    public var daily: [Day: [String: DomainSummary]]
    /// Per policy domain, the sending organizations of every report before `day`.
    public var reportersBefore: [String: Set<String>]

    /// Creates it from its parts.
    public init(day: Day, daily: [Day: [String: DomainSummary]], reportersBefore: [String: Set<String>]) {
        self.day = day
        self.daily = daily
        self.reportersBefore = reportersBefore
    }

    /// The history of `day` for `domains` (all when empty), of DKIM-verified reports only when
    /// asked, from `store`.
    public static func load(_ store: any ReportStore, day: Day, domains: [String], dkimPassOnly: Bool) throws
        -> AlertHistory
    {
        let recent = try store.dailySummaries(
            ReportFilter(since: day.adding(days: -30), until: day, domains: domains, dkimPassOnly: dkimPassOnly),
            topHosts: Int.max)
        let before = try store.summary(
            ReportFilter(until: day.adding(days: -1), domains: domains, dkimPassOnly: dkimPassOnly), topHosts: 0)
        return AlertHistory(
            day: day,
            daily: recent.mapValues { Dictionary($0.map { ($0.policyDomain, $0) }, uniquingKeysWith: { a, _ in a }) },
            reportersBefore: Dictionary(
                before.map { ($0.policyDomain, Set($0.reporters.map(\.organizationName))) },
                uniquingKeysWith: { a, b in a.union(b) }))
    }

    /// `domain`'s summary on `day`, if it had reports.
    public func summary(_ domain: String, on day: Day) -> DomainSummary? { daily[day]?[domain] }

    /// Every domain with a report in the history.
    public var domains: [String] { Set(daily.values.flatMap(\.keys)).sorted() }
}
