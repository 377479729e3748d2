import GRDB
import TLSRPT
import TLSRPTStore

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

    /// Recomputes the rollup cells of `domains` for `day`, its month and all time: the day
    /// cell from the stored reports, the month cell from the day cells, the all-time cell from
    /// the month cells. Run after the batch's own rollup changes are applied.
    static func refreshRollups(_ db: Database, day: String, domains: Set<String>) throws {
        guard let parsed = Day(day) else { return }
        let month = RollupPeriod.month(parsed)
        for domain in domains.sorted() {
            let id = try RollupCells.textID(db, domain)
            let dayKey = RollupCells.Key(period: RollupPeriod.day(parsed), domain: id)
            let fresh = try RollupCells.fresh(
                db, filter: "r.day = ?1 AND p.policy_domain = ?2", arguments: [day, domain])
            try RollupCells.replace(db, .day, keys: [dayKey], with: fresh)
            let days = try RollupCells.load(
                db, .day, from: month * 100, to: month * 100 + 99, condition: "domain_id = ?", arguments: [id])
            try RollupCells.replace(
                db, .month, keys: [RollupCells.Key(period: month, domain: id)],
                with: RollupCells.coarser(days, period: RollupPeriod.monthOf))
            let months = try RollupCells.load(db, .month, condition: "domain_id = ?", arguments: [id])
            try RollupCells.replace(
                db, .total, keys: [RollupCells.Key(period: RollupPeriod.allTime, domain: id)],
                with: RollupCells.coarser(months) { _ in RollupPeriod.allTime })
        }
    }
}
