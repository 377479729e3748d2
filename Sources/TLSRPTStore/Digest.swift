import TLSRPT

/// One day's sessions, for charts.
public struct DailyPoint: Sendable, Equatable {
    public var day: Day
    public var successfulSessionCount: Int64
    public var failedSessionCount: Int64

    /// Failed share of the day's sessions, 0…1 (0 with no sessions).
    public var failureRate: Double {
        let total = successfulSessionCount.saturatingAdd(failedSessionCount)
        return total == 0 ? 0 : Double(failedSessionCount) / Double(total)
    }

    /// Creates it from its parts.
    package init(day: Day, successfulSessionCount: Int64, failedSessionCount: Int64) {
        self.day = day
        self.successfulSessionCount = successfulSessionCount
        self.failedSessionCount = failedSessionCount
    }
}

/// What a daily digest says about one policy domain.
public struct DigestDomain: Sendable, Equatable {
    /// The day's summary.
    public var today: DomainSummary
    /// The 7 days before, added up (nil when nothing was reported for the domain then).
    public var previousWeek: DomainSummary?
    /// Result types on the day that the 30 days before did not have.
    public var newResultTypes: [String]
    /// Sending organizations on the day that the 30 days before did not have.
    public var newReporters: [String]
    /// The domain's last 30 days, oldest first (days without reports have zero counts).
    public var daily: [DailyPoint]

    /// Failure rate on the day, 0…1.
    public var failureRate: Double { 1 - today.successRate }
    /// Failure rate over the previous week, 0…1, if there was any traffic.
    public var previousFailureRate: Double? {
        guard let p = previousWeek, p.totalSessionCount > 0 else { return nil }
        return 1 - p.successRate
    }
}

/// A daily digest: per domain the day's totals, the change against the previous 7 days, what is new.
public struct Digest: Sendable, Equatable {
    /// The UTC day covered (reports whose start falls on it).
    public var day: Day
    /// Reports filed under the day.
    public var reportCount: Int
    /// Per domain, ordered by domain.
    public var domains: [DigestDomain]
    /// All domains together over the last 30 days, oldest first.
    public var daily: [DailyPoint]
}

extension Digest {
    /// The digest of `day` made from its parts, the same for every backend: the day's
    /// summaries (`today`), those of the seven days before it and of the 30 days before it,
    /// the daily sessions of the 30 days up to it (all domains, and per domain), and the number
    /// of reports of the day. A result type or reporter is new when the 30 days before had none
    /// of it; a domain without a daily series gets one of zeros.
    public init(
        day: Day, today: [DomainSummary], previousWeek: [DomainSummary], previous30Days: [DomainSummary],
        series: (total: [DailyPoint], byDomain: [String: [DailyPoint]]), reportCount: Int
    ) {
        let weekByDomain = Dictionary(uniqueKeysWithValues: previousWeek.map { ($0.policyDomain, $0) })
        let monthByDomain = Dictionary(uniqueKeysWithValues: previous30Days.map { ($0.policyDomain, $0) })
        var out: [DigestDomain] = []
        for s in today {
            let before = monthByDomain[s.policyDomain]
            let newTypes = s.resultTypes.keys.filter { (before?.resultTypes[$0] ?? 0) == 0 }.sorted()
            let knownReporters = Set(before?.reporters.map(\.organizationName) ?? [])
            let newReporters = s.reporters.map(\.organizationName).filter { !knownReporters.contains($0) }.sorted()
            out.append(
                DigestDomain(
                    today: s, previousWeek: weekByDomain[s.policyDomain], newResultTypes: newTypes,
                    newReporters: newReporters, daily: series.byDomain[s.policyDomain] ?? Self.emptySeries(day)))
        }
        self.init(day: day, reportCount: reportCount, domains: out, daily: series.total)
    }

    /// 30 days of zeros up to `day`.
    static func emptySeries(_ day: Day) -> [DailyPoint] {
        (0..<30).map { DailyPoint(day: day.adding(days: $0 - 29), successfulSessionCount: 0, failedSessionCount: 0) }
    }
}

extension DailyPoint {
    /// The daily series from `from` to `to` (both included) of all domains and of each, from
    /// per-day, per-domain session counts (`points`; days outside the range are left out, a
    /// domain's days without counts are zero). The same arithmetic for every backend.
    package static func series(
        from: Day, to: Day, _ points: [(day: Day, domain: String, ok: Int64, failed: Int64)]
    ) -> (total: [DailyPoint], byDomain: [String: [DailyPoint]]) {
        let n = Int(to.daysSinceEpoch - from.daysSinceEpoch) + 1
        guard n > 0 else { return ([], [:]) }
        var total = (0..<n).map {
            DailyPoint(day: from.adding(days: $0), successfulSessionCount: 0, failedSessionCount: 0)
        }
        var byDomain: [String: [DailyPoint]] = [:]
        for point in points {
            let i = Int(point.day.daysSinceEpoch - from.daysSinceEpoch)
            guard i >= 0 && i < n else { continue }
            total[i].successfulSessionCount.saturate(adding: point.ok)
            total[i].failedSessionCount.saturate(adding: point.failed)
            var series =
                byDomain[point.domain]
                ?? total.map { DailyPoint(day: $0.day, successfulSessionCount: 0, failedSessionCount: 0) }
            series[i].successfulSessionCount.saturate(adding: point.ok)
            series[i].failedSessionCount.saturate(adding: point.failed)
            byDomain[point.domain] = series
        }
        return (total, byDomain)
    }
}
