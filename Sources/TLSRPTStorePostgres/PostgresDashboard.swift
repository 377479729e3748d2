import PostgresNIO
import TLSRPT
import TLSRPTStore

extension PostgresStore {
    public func dailySummaries(_ filter: ReportFilter, topHosts: Int) throws -> [Day: [DomainSummary]] {
        guard let from = filter.since, let to = filter.until, from <= to else { return [:] }
        return try snapshot { s in
            var values: [SQLValue] = []
            let rows: RollupRows
            if filter.dkimPassOnly {
                rows = try FreshRollups.dayRows(
                    s, where: Self.reportCondition(filter, &values) + " AND r.dkim_pass", values)
            } else {
                values = [.int(RollupPeriod.day(from)), .int(RollupPeriod.day(to))]
                var condition = "grain = 0 AND period BETWEEN $1 AND $2"
                if !filter.domains.isEmpty {
                    values.append(.texts(filter.domains))
                    condition += " AND domain = ANY($3)"
                }
                rows = try Self.storedRows(s, condition, values, keepPeriods: true)
            }
            var out: [Day: [DomainSummary]] = [:]
            for row in Self.summaries(rows, filter, topHosts: topHosts, byPeriod: true) {
                out[RollupPeriod.dayOf(row.period), default: []].append(row.summary)
            }
            return out
        }
    }

    public func dailySessions(_ filter: ReportFilter) throws -> (total: [DailyPoint], byDomain: [String: [DailyPoint]])
    {
        try snapshot { s in try Self.dailySeries(s, filter) }
    }

    public func reportDays() throws -> ClosedRange<Day>? {
        try snapshot { s in
            for row in try s.query("SELECT MIN(day), MAX(day) FROM reports") {
                let c = Columns(row)
                guard let first = c.optionalText(0).flatMap(Day.init), let last = c.optionalText(1).flatMap(Day.init),
                    first <= last
                else { return nil }
                return first...last
            }
            return nil
        }
    }

    /// The reports (`r`) `filter` selects, as SQL: dates, a policy for one of its domains,
    /// its reporters (any case), with `resultTypes` a failure of one of its types.
    private static func listCondition(_ filter: ReportFilter, resultTypes: Bool, _ values: inout [SQLValue])
        -> String
    {
        var conditions = ["true"]
        if let since = filter.since {
            values.append(.text(since.description))
            conditions.append("r.day >= $\(values.count)")
        }
        if let until = filter.until {
            values.append(.text(until.description))
            conditions.append("r.day <= $\(values.count)")
        }
        if !filter.domains.isEmpty {
            values.append(.texts(filter.domains))
            conditions.append(
                "EXISTS (SELECT 1 FROM policies p WHERE p.report_ref = r.id AND p.policy_domain = ANY($\(values.count)))"
            )
        }
        if !filter.reporters.isEmpty {
            values.append(.texts(filter.reporters.map { $0.lowercased() }))
            conditions.append("lower(r.organization_name) = ANY($\(values.count))")
        }
        if resultTypes && !filter.resultTypes.isEmpty {
            values.append(.texts(filter.resultTypes))
            conditions.append(
                """
                EXISTS (SELECT 1 FROM failure_details f JOIN policies p ON p.id = f.policy_ref
                    WHERE p.report_ref = r.id AND f.result_type = ANY($\(values.count)))
                """)
        }
        if filter.dkimPassOnly { conditions.append("r.dkim_pass") }
        return conditions.joined(separator: " AND ")
    }

    public func listReports(_ filter: ReportFilter, offset: Int, limit: Int) throws -> ReportListPage {
        try snapshot { s in
            var values: [SQLValue] = []
            let condition = Self.listCondition(filter, resultTypes: true, &values)
            let total = try s.count("SELECT COUNT(*) FROM reports r WHERE \(condition)", values)
            values += [.int(Int64(max(0, limit))), .int(Int64(max(0, offset)))]
            var listings: [ReportListing] = []
            for row in try s.query(
                """
                SELECT r.id, r.organization_name, r.report_id, r.day, r.dkim_pass FROM reports r
                WHERE \(condition) ORDER BY r.day DESC, r.id DESC LIMIT $\(values.count - 1) OFFSET $\(values.count)
                """, values)
            {
                let c = Columns(row)
                listings.append(
                    ReportListing(
                        id: try c.int(0), organizationName: try c.text(1), reportID: try c.text(2),
                        day: try c.text(3), domains: [], successfulSessionCount: 0, failedSessionCount: 0,
                        resultTypes: [], dkimPass: try row.makeRandomAccess()[4].decode(Bool.self)))
            }
            let ids = listings.map(\.id)
            var domains: [Int64: Set<String>] = [:]
            var sessions: [Int64: (Int64, Int64)] = [:]
            for row in try s.query(
                """
                SELECT report_ref, policy_domain, successful_session_count, failed_session_count
                FROM policies WHERE report_ref = ANY($1)
                """, [.ints(ids)])
            {
                let c = Columns(row)
                let id = try c.int(0)
                domains[id, default: []].insert(try c.text(1))
                var v = sessions[id] ?? (0, 0)
                v.0.saturate(adding: try c.int(2))
                v.1.saturate(adding: try c.int(3))
                sessions[id] = v
            }
            var types: [Int64: Set<String>] = [:]
            for row in try s.query(
                """
                SELECT DISTINCT p.report_ref, f.result_type FROM failure_details f JOIN policies p ON p.id = f.policy_ref
                WHERE p.report_ref = ANY($1)
                """, [.ints(ids)])
            {
                let c = Columns(row)
                types[try c.int(0), default: []].insert(try c.text(1))
            }
            for i in listings.indices {
                let id = listings[i].id
                listings[i].domains = domains[id, default: []].sorted()
                listings[i].successfulSessionCount = sessions[id]?.0 ?? 0
                listings[i].failedSessionCount = sessions[id]?.1 ?? 0
                listings[i].resultTypes = types[id, default: []].sorted()
            }
            return ReportListPage(total: Int(total), reports: listings)
        }
    }

    public func policiesSeen(_ filter: ReportFilter) throws -> [PolicySeen] {
        try snapshot { s in
            var values: [SQLValue] = []
            var condition = Self.listCondition(
                ReportFilter(
                    since: filter.since, until: filter.until, reporters: filter.reporters,
                    dkimPassOnly: filter.dkimPassOnly), resultTypes: false, &values)
            if !filter.domains.isEmpty {
                values.append(.texts(filter.domains))
                condition += " AND p.policy_domain = ANY($\(values.count))"
            }
            var rows:
                [(
                    type: String, mode: String?, mx: String, strings: String, organization: String, count: Int64,
                    firstDay: String, lastDay: String
                )] = []
            for row in try s.query(
                """
                SELECT p.policy_type, p.sts_mode, p.mx_patterns, p.policy_strings, r.organization_name,
                    COUNT(*), MIN(r.day), MAX(r.day)
                FROM policies p JOIN reports r ON r.id = p.report_ref
                WHERE \(condition)
                GROUP BY 1, 2, 3, 4, 5
                """, values)
            {
                let c = Columns(row)
                rows.append(
                    (
                        try c.text(0), c.optionalText(1), try c.text(2), try c.text(3), try c.text(4), try c.int(5),
                        try c.text(6), try c.text(7)
                    ))
            }
            return PolicySeen.grouped(rows)
        }
    }
}
