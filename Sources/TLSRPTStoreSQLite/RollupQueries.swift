import TLSRPT
import TLSRPTStore

/// How the day cells are recomputed from the stored reports, in SQL (`RollupCells.fresh` makes
/// cells of the rows); month and all-time cells are added up from day cells. `verify` compares
/// the stored cells with these; a report that learns a policy domain (`DomainUpgrade`) has the
/// cells of that day and domain rebuilt with them.
enum RollupQueries {
    /// The three kinds of count a cell holds.
    enum Kind: CaseIterable {
        case sessions, mx, modes

        /// Schema v1's table name, without the grain suffix (v2 keeps all three kinds in one
        /// cell per domain and period: `RollupCell`).
        var v1Table: String {
            switch self {
            case .sessions: return "rollup"
            case .mx: return "mx_rollup"
            case .modes: return "mode_rollup"
            }
        }
    }

    /// The `rollup_texts` id of a text column (-1 when the text has none: a mismatch).
    static func id(_ column: String) -> String {
        "COALESCE((SELECT id FROM rollup_texts WHERE text = \(column)), -1)"
    }

    /// The `YYYYMMDD` period of a `reports.day` text column.
    static func dayPeriod(_ column: String) -> String { "CAST(replace(\(column), '-', '') AS INTEGER)" }

    /// A SELECT giving, per day, policy domain and sender, the number of reports that passed
    /// DKIM (`RollupCell.dkimPassMarker` entries), for the rows `filter` keeps. Always grouped:
    /// these counts are of reports, they cannot overflow.
    static func dkimPasses(filter: String = "1") -> String {
        """
        SELECT \(dayPeriod("r.day")), \(id("p.policy_domain")), \(id("r.organization_name")), COUNT(DISTINCT r.id)
        FROM policies p JOIN reports r ON r.id = p.report_ref
        WHERE (\(filter)) AND r.dkim_pass = 1
        GROUP BY r.day, p.policy_domain, r.organization_name
        """
    }

    /// A SELECT giving the day rows of `kind` from the stored reports (`r` reports, `p`
    /// policies), for the rows `filter` (an SQL condition on `r` and `p`) keeps. `grouped`
    /// false gives one row per policy or detail instead of their sums, for adding up in Swift:
    /// SQLite's SUM stops with an error where a hostile report's counts overflow 64 bits, and
    /// the rollups hold such sums at the largest value (`saturatingAdd`).
    static func day(_ kind: Kind, filter: String = "1", grouped: Bool = true) -> String {
        func sum(_ column: String) -> String { grouped ? "SUM(\(column))" : column }
        let count = grouped ? "COUNT(*)" : "1"
        func groupBy(_ columns: String) -> String { grouped ? "GROUP BY \(columns)" : "" }
        switch kind {
        case .sessions:
            return """
                SELECT \(dayPeriod("r.day")), \(id("p.policy_domain")), \(id("r.organization_name")),
                    \(id("p.policy_type")), \(id("''")),
                    \(sum("p.successful_session_count")), \(sum("p.failed_session_count")), \(count)
                FROM policies p JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) \(groupBy("r.day, p.policy_domain, r.organization_name, p.policy_type"))
                UNION ALL
                SELECT \(dayPeriod("r.day")), \(id("p.policy_domain")), \(id("r.organization_name")),
                    \(id("p.policy_type")), \(id("f.result_type")),
                    0, \(sum("f.failed_session_count")), \(count)
                FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) \(groupBy("r.day, p.policy_domain, r.organization_name, p.policy_type, f.result_type"))
                """
        case .mx:
            return """
                SELECT \(dayPeriod("r.day")), \(id("p.policy_domain")), \(id("f.receiving_mx_hostname")),
                    \(id("f.result_type")), \(sum("f.failed_session_count"))
                FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) AND f.receiving_mx_hostname IS NOT NULL AND f.receiving_mx_hostname != ''
                \(groupBy("r.day, p.policy_domain, f.receiving_mx_hostname, f.result_type"))
                """
        case .modes:
            return """
                SELECT \(dayPeriod("r.day")), \(id("p.policy_domain")), \(id("p.sts_mode")), \(count)
                FROM policies p JOIN reports r ON r.id = p.report_ref
                WHERE \(filter) AND p.sts_mode IS NOT NULL
                \(groupBy("r.day, p.policy_domain, p.sts_mode"))
                """
        }
    }
}
