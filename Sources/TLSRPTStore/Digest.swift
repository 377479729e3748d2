import GRDB
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

extension ReportStore {
    /// The digest for `day`, optionally for some domains only; with `dkimPassOnly`, of the
    /// DKIM-verified reports only (`--dkim-pass`).
    public func digest(day: Day, domains: [String] = [], dkimPassOnly: Bool = false) throws -> Digest {
        try read { db in
            func filter(_ from: Day, _ to: Day) -> ReportFilter {
                ReportFilter(since: from, until: to, domains: domains, dkimPassOnly: dkimPassOnly)
            }
            let today = try Self.summary(db, filter(day, day), topHosts: 5)
            let week = try Self.summary(db, filter(day.adding(days: -7), day.adding(days: -1)), topHosts: 5)
            let month = try Self.summary(db, filter(day.adding(days: -30), day.adding(days: -1)), topHosts: 0)
            let weekByDomain = Dictionary(uniqueKeysWithValues: week.map { ($0.policyDomain, $0) })
            let monthByDomain = Dictionary(uniqueKeysWithValues: month.map { ($0.policyDomain, $0) })
            let series = try Self.dailySeries(db, filter(day.adding(days: -29), day))
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
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM reports WHERE day = ?\(dkimPassOnly ? " AND dkim_pass = 1" : "")",
                    arguments: [day.description]) ?? 0
            return Digest(day: day, reportCount: count, domains: out, daily: series.total)
        }
    }

    static func emptySeries(_ day: Day) -> [DailyPoint] {
        (0..<30).map { DailyPoint(day: day.adding(days: $0 - 29), successfulSessionCount: 0, failedSessionCount: 0) }
    }

    /// Per day from `filter.since` to `filter.until` (both given), the sessions of all
    /// domains and of each, from the day cells.
    static func dailySeries(_ db: Database, _ filter: ReportFilter) throws -> (
        total: [DailyPoint], byDomain: [String: [DailyPoint]]
    ) {
        guard let from = filter.since, let to = filter.until else { return ([], [:]) }
        var reader = RollupReader(db)
        var rows: [(day: Day, domain: Int64, ok: Int64, failed: Int64)] = []
        // Day cells only (not whole months), read from the rollups or recomputed (--dkim-pass).
        let cells = filter.dkimPassOnly ? try filter.dkimPassCells(db) : nil
        func each(_ body: (RollupCells.Key, UnsafeRawBufferPointer) throws -> Void) throws {
            if let cells {
                for (key, cell) in cells { try cell.encoded().withUnsafeBytes { try body(key, $0) } }
                return
            }
            try RollupCells.each(
                db, .day, from: RollupPeriod.day(from), to: RollupPeriod.day(to),
                condition: RollupReader.idsIn("domain_id", filter.domains), arguments: filter.domains, body)
        }
        if let sessionsRow = try reader.ids(of: [""]).first {
            try each { key, bytes in
                var ok: Int64 = 0
                var failed: Int64 = 0
                try RollupCell.visit(
                    bytes,
                    sessions: { k, c in
                        guard k.resultType == sessionsRow else { return }
                        ok.saturate(adding: c.successful)
                        failed.saturate(adding: c.failed)
                    }, mx: { _, _ in }, modes: { _, _ in })
                rows.append((RollupPeriod.dayOf(key.period), key.domain, ok, failed))
            }
        }
        let n = Int(to.daysSinceEpoch - from.daysSinceEpoch) + 1
        var total = (0..<n).map {
            DailyPoint(day: from.adding(days: $0), successfulSessionCount: 0, failedSessionCount: 0)
        }
        var byDomain: [String: [DailyPoint]] = [:]
        for row in rows {
            let i = Int(row.day.daysSinceEpoch - from.daysSinceEpoch)
            guard i >= 0 && i < n else { continue }
            let domain = try reader.text(row.domain)
            total[i].successfulSessionCount.saturate(adding: row.ok)
            total[i].failedSessionCount.saturate(adding: row.failed)
            var series =
                byDomain[domain]
                ?? total.map { DailyPoint(day: $0.day, successfulSessionCount: 0, failedSessionCount: 0) }
            series[i].successfulSessionCount.saturate(adding: row.ok)
            series[i].failedSessionCount.saturate(adding: row.failed)
            byDomain[domain] = series
        }
        return (total, byDomain)
    }
}
