import Foundation
import TLSRPT
import TLSRPTStore

/// What `/` shows of one policy domain: the range's summary, the last 30 days' sessions, and
/// what is new in the range's last 7 days against the 30 days before them.
struct OverviewRow: Sendable {
    var summary: DomainSummary
    /// 30 days up to the range's end, oldest first.
    var daily: [DailyPoint]
    var newResultTypes: [String]
    var newFailingMX: [String]
    var newReporters: [String]

    var failureRate: Double { 1 - summary.successRate }
}

extension OverviewRow {
    /// The rows for `q` (its range filled in), worst first: highest failure rate, then most
    /// failed sessions, then by domain.
    static func rows(_ store: any ReportStore, _ q: WebQuery) throws -> [OverviewRow] {
        guard let until = q.until else { return [] }
        let summaries = try store.summary(q.filter(), topHosts: 0)
        var week = q
        week.since = until.adding(days: -6)
        var before = q
        before.since = until.adding(days: -36)
        before.until = until.adding(days: -7)
        var spark = q
        spark.since = until.adding(days: -29)
        spark.reporters = []
        spark.resultTypes = []
        let thisWeek = Dictionary(
            uniqueKeysWithValues: try store.summary(week.filter(), topHosts: Int.max).map { ($0.policyDomain, $0) })
        let earlier = Dictionary(
            uniqueKeysWithValues: try store.summary(before.filter(), topHosts: Int.max).map { ($0.policyDomain, $0) })
        let series = try store.dailySessions(spark.filter()).byDomain
        let empty = spark.days.map { DailyPoint(day: $0, successfulSessionCount: 0, failedSessionCount: 0) }
        return summaries.map { s in
            let now = thisWeek[s.policyDomain]
            let old = earlier[s.policyDomain]
            let oldTypes = Set(old?.resultTypes.filter { $0.value > 0 }.keys.map { $0 } ?? [])
            let oldMX = Set(old?.mxHosts.map(\.hostname) ?? [])
            let oldReporters = Set(old?.reporters.map(\.organizationName) ?? [])
            return OverviewRow(
                summary: s, daily: series[s.policyDomain] ?? empty,
                newResultTypes: (now?.resultTypes.filter { $0.value > 0 }.keys.filter { !oldTypes.contains($0) } ?? [])
                    .sorted(),
                newFailingMX: (now?.mxHosts.map(\.hostname).filter { !oldMX.contains($0) } ?? []).sorted(),
                newReporters: (now?.reporters.map(\.organizationName).filter { !oldReporters.contains($0) } ?? [])
                    .sorted())
        }.sorted { a, b in
            if a.failureRate != b.failureRate { return a.failureRate > b.failureRate }
            if a.summary.failedSessionCount != b.summary.failedSessionCount {
                return a.summary.failedSessionCount > b.summary.failedSessionCount
            }
            return a.summary.policyDomain < b.summary.policyDomain
        }
    }
}
