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
    /// stored reports. Run after the batch's own rollup changes are applied.
    static func refreshRollups(_ db: Database, day: String, domains: Set<String>) throws {
        let month = String(day.prefix(7))
        for domain in domains.sorted() {
            for sql in dayStatements { try db.execute(sql: sql, arguments: [day, domain]) }
            for statement in coarserStatements {
                try db.execute(sql: statement.sql, arguments: [statement.monthly ? month : "", domain])
            }
        }
    }

    /// Each statement takes ?1 = the day and ?2 = the domain.
    static let dayStatements = [
        "DELETE FROM rollup_day WHERE period = ?1 AND policy_domain = ?2",
        """
        INSERT INTO rollup_day
        SELECT r.day, p.policy_domain, r.organization_name, p.policy_type, '',
            SUM(p.successful_session_count), SUM(p.failed_session_count), COUNT(*)
        FROM policies p JOIN reports r ON r.id = p.report_ref
        WHERE r.day = ?1 AND p.policy_domain = ?2 GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT r.day, p.policy_domain, r.organization_name, p.policy_type, f.result_type,
            0, SUM(f.failed_session_count), COUNT(*)
        FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
        WHERE r.day = ?1 AND p.policy_domain = ?2 GROUP BY 1, 2, 3, 4, 5
        """,
        "DELETE FROM mx_rollup_day WHERE period = ?1 AND policy_domain = ?2",
        """
        INSERT INTO mx_rollup_day
        SELECT r.day, p.policy_domain, f.receiving_mx_hostname, f.result_type, SUM(f.failed_session_count)
        FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
        WHERE r.day = ?1 AND p.policy_domain = ?2
            AND f.receiving_mx_hostname IS NOT NULL AND f.receiving_mx_hostname != ''
        GROUP BY 1, 2, 3, 4
        """,
        "DELETE FROM mode_rollup_day WHERE period = ?1 AND policy_domain = ?2",
        """
        INSERT INTO mode_rollup_day
        SELECT r.day, p.policy_domain, p.sts_mode, COUNT(*)
        FROM policies p JOIN reports r ON r.id = p.report_ref
        WHERE r.day = ?1 AND p.policy_domain = ?2 AND p.sts_mode IS NOT NULL
        GROUP BY 1, 2, 3
        """,
    ]

    /// The month (?1 = `YYYY-MM`) and all-time (?1 = '') rows of domain ?2, from the day rows.
    static let coarserStatements: [(sql: String, monthly: Bool)] = [("_month", true), ("_total", false)].flatMap {
        grain, monthly in
        let range = monthly ? "substr(period, 1, 7) = ?1" : "?1 = ''"
        return [
            "DELETE FROM rollup\(grain) WHERE period = ?1 AND policy_domain = ?2",
            """
            INSERT INTO rollup\(grain)
            SELECT ?1, policy_domain, organization_name, policy_type, result_type,
                SUM(successful_session_count), SUM(failed_session_count), SUM(policy_count)
            FROM rollup_day WHERE \(range) AND policy_domain = ?2
            GROUP BY policy_domain, organization_name, policy_type, result_type
            """,
            "DELETE FROM mx_rollup\(grain) WHERE period = ?1 AND policy_domain = ?2",
            """
            INSERT INTO mx_rollup\(grain)
            SELECT ?1, policy_domain, receiving_mx_hostname, result_type, SUM(failed_session_count)
            FROM mx_rollup_day WHERE \(range) AND policy_domain = ?2
            GROUP BY policy_domain, receiving_mx_hostname, result_type
            """,
            "DELETE FROM mode_rollup\(grain) WHERE period = ?1 AND policy_domain = ?2",
            """
            INSERT INTO mode_rollup\(grain)
            SELECT ?1, policy_domain, sts_mode, SUM(policy_count)
            FROM mode_rollup_day WHERE \(range) AND policy_domain = ?2
            GROUP BY policy_domain, sts_mode
            """,
        ].map { (sql: $0, monthly: monthly) }
    }
}
