/// How each rollup table is recomputed from what it summarizes, in one place: the day grain
/// from the stored reports, the month and all-time grains from the day grain. `verify` compares
/// the stored rollups with these; a report that learns a policy domain (`DomainUpgrade`) has
/// the rows of that day and domain rebuilt with them.
enum RollupQueries {
    /// The three kinds of rollup, each kept at three grains (`_day`, `_month`, `_total`).
    enum Kind: CaseIterable {
        case sessions, mx, modes

        /// Table name without the grain suffix.
        var table: String {
            switch self {
            case .sessions: return "rollup"
            case .mx: return "mx_rollup"
            case .modes: return "mode_rollup"
            }
        }

        /// The key columns after the period, in table order.
        var keys: String {
            switch self {
            case .sessions: return "policy_domain, organization_name, policy_type, result_type"
            case .mx: return "policy_domain, receiving_mx_hostname, result_type"
            case .modes: return "policy_domain, sts_mode"
            }
        }

        /// The summed columns, in table order.
        var sums: String {
            switch self {
            case .sessions: return "SUM(successful_session_count), SUM(failed_session_count), SUM(policy_count)"
            case .mx: return "SUM(failed_session_count)"
            case .modes: return "SUM(policy_count)"
            }
        }
    }

    /// A SELECT giving the day rows of `kind` from the stored reports (`r` reports, `p`
    /// policies), for the rows `filter` (an SQL condition on `r` and `p`) keeps.
    static func day(_ kind: Kind, filter: String = "1") -> String {
        switch kind {
        case .sessions:
            return """
                SELECT r.day, p.policy_domain, r.organization_name, p.policy_type, '',
                    SUM(p.successful_session_count), SUM(p.failed_session_count), COUNT(*)
                FROM policies p JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT r.day, p.policy_domain, r.organization_name, p.policy_type, f.result_type,
                    0, SUM(f.failed_session_count), COUNT(*)
                FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) GROUP BY 1, 2, 3, 4, 5
                """
        case .mx:
            return """
                SELECT r.day, p.policy_domain, f.receiving_mx_hostname, f.result_type, SUM(f.failed_session_count)
                FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) AND f.receiving_mx_hostname IS NOT NULL AND f.receiving_mx_hostname != ''
                GROUP BY 1, 2, 3, 4
                """
        case .modes:
            return """
                SELECT r.day, p.policy_domain, p.sts_mode, COUNT(*)
                FROM policies p JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) AND p.sts_mode IS NOT NULL
                GROUP BY 1, 2, 3
                """
        }
    }

    /// A SELECT giving coarser rows of `kind` from its day rows: `period` is the SQL expression
    /// of the new period (`substr(period, 1, 7)` for months, `''` for all time), `filter` a
    /// condition on the day rows.
    static func coarser(_ kind: Kind, period: String, filter: String = "1") -> String {
        "SELECT \(period), \(kind.keys), \(kind.sums) FROM \(kind.table)_day WHERE \(filter) GROUP BY 1, \(kind.keys)"
    }
}
