import GRDB
import TLSRPT

/// A report stored without the domain of a no-policy-found policy (Postfix with sys4's
/// tlsrpt-reporter omits `policy-domain` there, RFC 8460 §4.4 leaves it out for that type, and
/// an HTTPS POST has no `TLS-Report-Domain` header to fall back on) learns it when a mail copy
/// of the same report arrives: the mail's header names the domain. The stored policies take it,
/// and the rollups of the day are recomputed for both domains, so they stay exact.
enum DomainUpgrade {
    /// The positions of `report`'s policies whose domain came from the mail header and whose
    /// stored copy (report row `reportRef`) has none; their domains are written. Returns the
    /// domains written (empty: nothing to do).
    static func apply(_ db: Database, reportRef: Int64, _ report: Report) throws -> [String] {
        guard report.policies.contains(where: { $0.domainFromMailHeader && !$0.domain.isEmpty }) else { return [] }
        var written: [String] = []
        for (i, p) in report.policies.enumerated() where p.domainFromMailHeader && !p.domain.isEmpty {
            try db.execute(
                sql:
                    "UPDATE policies SET policy_domain = ? WHERE report_ref = ? AND position = ? AND policy_domain = ''",
                arguments: [p.domain, reportRef, i])
            if db.changesCount > 0 { written.append(p.domain) }
        }
        return written
    }

    /// Recomputes every rollup row of `domains` for `day` (and its month, and all time) from the
    /// stored reports (`RollupQueries`). Run after the batch's own rollup changes are applied.
    static func refreshRollups(_ db: Database, day: String, domains: Set<String>) throws {
        guard let parsed = Day(day) else { return }
        let periods = [RollupPeriod.day(parsed), RollupPeriod.month(parsed), RollupPeriod.allTime]
        for domain in domains.sorted() {
            // The domain may be new to the rollups.
            try db.execute(sql: "INSERT OR IGNORE INTO rollup_texts (text) VALUES (?)", arguments: [domain])
            for kind in RollupQueries.Kind.allCases {
                // ?1 is the period of the rows rebuilt, ?2 the domain, ?3 the day as text.
                let domainID = RollupQueries.id("?2")
                let selects = [
                    RollupQueries.day(kind, filter: "r.day = ?3 AND p.policy_domain = ?2"),
                    RollupQueries.coarser(
                        kind, period: "?1",
                        filter: "period BETWEEN ?1 * 100 AND ?1 * 100 + 99 AND domain_id = \(domainID)"),
                    RollupQueries.coarser(kind, period: "?1", filter: "domain_id = \(domainID)"),
                ]
                for (grain, (period, select)) in zip(RollupGrain.allCases, zip(periods, selects)) {
                    let table = kind.table + grain.suffix
                    try db.execute(
                        sql: "DELETE FROM \(table) WHERE period = ?1 AND domain_id = \(domainID)",
                        arguments: [period, domain])
                    // Only the day grain's SELECT reads the raw rows, and so the day text (?3).
                    try db.execute(
                        sql: "INSERT INTO \(table) \(select)",
                        arguments: grain == .day ? [period, domain, day] : [period, domain])
                }
            }
        }
    }
}
