import TLSRPT
import TLSRPTStore

/// Day rollup rows computed from the reports themselves rather than read from the rollup
/// tables: for `--dkim-pass` (the verified reports only), for the days a copy changed (a domain
/// filled in, a report verified), and for `verify`.
enum FreshRollups {
    /// `YYYYMMDD` of a `day` column.
    static let dayPeriod = "CAST(replace(r.day, '-', '') AS bigint)"

    /// The day rows of the reports (`r`) and policies (`p`) `condition` selects.
    static func dayRows(_ s: PostgresSession, where condition: String, _ values: [SQLValue]) throws -> RollupRows {
        var rows = RollupRows()
        let from = "FROM policies p JOIN reports r ON r.id = p.report_ref"
        let details =
            "FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref"
        for row in try s.query(
            """
            SELECT \(dayPeriod), p.policy_domain, r.organization_name, p.policy_type, '',
                \(clamped("SUM(p.successful_session_count::numeric)")), \(clamped("SUM(p.failed_session_count::numeric)")),
                COUNT(*)
            \(from) WHERE \(condition) GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT \(dayPeriod), p.policy_domain, r.organization_name, p.policy_type, f.result_type, 0,
                \(clamped("SUM(f.failed_session_count::numeric)")), COUNT(*)
            \(details) WHERE \(condition) GROUP BY 1, 2, 3, 4, 5
            """, values)
        {
            let c = Columns(row)
            let (period, domain, org, type, result, ok, failed, n) = (
                try c.int(0), try c.text(1), try c.text(2), try c.text(3), try c.text(4), try c.int(5), try c.int(6),
                try c.int(7)
            )
            rows.sessions[
                .init(
                    grain: 0, period: period, domain: domain, organization: org, policyType: type, resultType: result)] =
                (ok, failed, n)
        }
        for row in try s.query(
            """
            SELECT \(dayPeriod), p.policy_domain, f.receiving_mx_hostname, f.result_type,
                \(clamped("SUM(f.failed_session_count::numeric)")), COUNT(*)
            \(details) WHERE (\(condition)) AND f.receiving_mx_hostname <> '' GROUP BY 1, 2, 3, 4
            """, values)
        {
            let c = Columns(row)
            let (period, domain, host, result, failed, n) = (
                try c.int(0), try c.text(1), try c.text(2), try c.text(3), try c.int(4), try c.int(5)
            )
            rows.mx[.init(grain: 0, period: period, domain: domain, host: host, resultType: result)] = (failed, n)
        }
        for row in try s.query(
            """
            SELECT \(dayPeriod), p.policy_domain, p.sts_mode, COUNT(*)
            \(from) WHERE (\(condition)) AND p.sts_mode IS NOT NULL GROUP BY 1, 2, 3
            """, values)
        {
            let c = Columns(row)
            let (period, domain, mode, n) = (try c.int(0), try c.text(1), try c.text(2), try c.int(3))
            rows.modes[.init(grain: 0, period: period, domain: domain, mode: mode)] = n
        }
        for row in try s.query(
            """
            SELECT \(dayPeriod), p.policy_domain, r.organization_name, COUNT(DISTINCT r.id)
            \(from) WHERE (\(condition)) AND r.dkim_pass GROUP BY 1, 2, 3
            """, values)
        {
            let c = Columns(row)
            let (period, domain, org, n) = (try c.int(0), try c.text(1), try c.text(2), try c.int(3))
            rows.dkim[.init(grain: 0, period: period, domain: domain, organization: org)] = n
        }
        return rows
    }

    /// The stored rollup rows (any grain) `condition` selects, over `grain`, `period` and `domain`.
    static func stored(_ s: PostgresSession, where condition: String, _ values: [SQLValue]) throws -> RollupRows {
        var rows = RollupRows()
        for row in try s.query(
            """
            SELECT grain::bigint, period, domain, organization, policy_type, result_type, \(clamped("successful")),
                \(clamped("failed")), policies
            FROM rollup_sessions WHERE \(condition)
            """, values)
        {
            let c = Columns(row)
            let (g, period, domain, org, type, result, ok, failed, n) = (
                try c.int(0), try c.int(1), try c.text(2), try c.text(3), try c.text(4), try c.text(5), try c.int(6),
                try c.int(7), try c.int(8)
            )
            rows.sessions[
                .init(
                    grain: g, period: period, domain: domain, organization: org, policyType: type, resultType: result)] =
                (ok, failed, n)
        }
        for row in try s.query(
            """
            SELECT grain::bigint, period, domain, host, result_type, \(clamped("failed")), contributors FROM rollup_mx
            WHERE \(condition)
            """, values)
        {
            let c = Columns(row)
            let (g, period, domain, host, result, failed, n) = (
                try c.int(0), try c.int(1), try c.text(2), try c.text(3), try c.text(4), try c.int(5), try c.int(6)
            )
            rows.mx[.init(grain: g, period: period, domain: domain, host: host, resultType: result)] = (failed, n)
        }
        for row in try s.query(
            "SELECT grain::bigint, period, domain, mode, policies FROM rollup_modes WHERE \(condition)", values)
        {
            let c = Columns(row)
            let (g, period, domain, mode, n) = (try c.int(0), try c.int(1), try c.text(2), try c.text(3), try c.int(4))
            rows.modes[.init(grain: g, period: period, domain: domain, mode: mode)] = n
        }
        for row in try s.query(
            "SELECT grain::bigint, period, domain, organization, reports FROM rollup_dkim WHERE \(condition)", values)
        {
            let c = Columns(row)
            let (g, period, domain, org, n) = (try c.int(0), try c.int(1), try c.text(2), try c.text(3), try c.int(4))
            rows.dkim[.init(grain: g, period: period, domain: domain, organization: org)] = n
        }
        return rows
    }
}

/// Days whose rollups must be computed again for some domains, at the end of a batch.
struct UpgradedDays {
    private var days: [String: Set<String>] = [:]

    mutating func add(day: String, domains: [String]) {
        days[day, default: []].formUnion(domains)
    }

    /// For each day and domain: the day rows made again from the reports, and the month and
    /// all-time rows changed by the difference.
    func refresh(_ s: PostgresSession) throws {
        for (day, domains) in days.sorted(by: { $0.key < $1.key }) {
            guard let parsed = Day(day) else { continue }
            let period = RollupPeriod.day(parsed)
            for domain in domains.sorted() {
                let fresh = try FreshRollups.dayRows(
                    s, where: "r.day = $1 AND p.policy_domain = $2", [.text(day), .text(domain)])
                let stored = try FreshRollups.stored(
                    s, where: "grain = 0 AND period = $1 AND domain = $2", [.int(period), .text(domain)])
                var change = RollupRows()
                change.addDayRows(fresh, sign: 1)
                change.addDayRows(stored, sign: -1)
                try change.apply(s)
            }
        }
    }
}
