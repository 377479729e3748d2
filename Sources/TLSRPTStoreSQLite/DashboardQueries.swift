import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    public func dailySummaries(_ filter: ReportFilter, topHosts: Int) throws -> [Day: [DomainSummary]] {
        guard let from = filter.since, let to = filter.until, from <= to else { return [:] }
        return try read { db in
            let rows = try Self.summaries(db, filter, topHosts: topHosts, byPeriod: true) { body in
                if filter.dkimPassOnly {
                    for (key, cell) in try filter.dkimPassCells(db).sorted(by: {
                        ($0.key.period, $0.key.domain) < ($1.key.period, $1.key.domain)
                    }) {
                        try cell.encoded().withUnsafeBytes { try body(key, $0) }
                    }
                    return
                }
                try RollupCells.each(
                    db, .day, from: RollupPeriod.day(from), to: RollupPeriod.day(to),
                    condition: RollupReader.idsIn("domain_id", filter.domains), arguments: filter.domains, body)
            }
            var out: [Day: [DomainSummary]] = [:]
            for row in rows { out[RollupPeriod.dayOf(row.period), default: []].append(row.summary) }
            return out
        }
    }

    public func dailySessions(_ filter: ReportFilter) throws -> (total: [DailyPoint], byDomain: [String: [DailyPoint]])
    {
        try read { db in try Self.dailySeries(db, filter) }
    }

    public func reportDays() throws -> ClosedRange<Day>? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT MIN(day), MAX(day) FROM reports"),
                let first = (row[0] as String?).flatMap(Day.init), let last = (row[1] as String?).flatMap(Day.init),
                first <= last
            else { return nil }
            return first...last
        }
    }

    /// The reports `filter` selects, as SQL over `reports r`, with its arguments.
    static func reportCondition(_ filter: ReportFilter, resultTypes: Bool) -> (String, [any DatabaseValueConvertible]) {
        var conditions = ["1"]
        var args: [any DatabaseValueConvertible] = []
        if let since = filter.since {
            conditions.append("r.day >= ?")
            args.append(since.description)
        }
        if let until = filter.until {
            conditions.append("r.day <= ?")
            args.append(until.description)
        }
        if let list = ReportFilter.inList("p.policy_domain", filter.domains) {
            conditions.append("EXISTS (SELECT 1 FROM policies p WHERE p.report_ref = r.id AND \(list))")
            args += filter.domains
        }
        if let list = ReportFilter.inList("r.organization_name", filter.reporters, collateNoCase: true) {
            conditions.append(list)
            args += filter.reporters
        }
        if resultTypes, let list = ReportFilter.inList("f.result_type", filter.resultTypes) {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM failure_details f JOIN policies p ON p.id = f.policy_ref
                    WHERE p.report_ref = r.id AND \(list))
                """)
            args += filter.resultTypes
        }
        if filter.dkimPassOnly { conditions.append("r.dkim_pass = 1") }
        return (conditions.joined(separator: " AND "), args)
    }

    public func listReports(_ filter: ReportFilter, offset: Int, limit: Int) throws -> ReportListPage {
        try read { db in
            let (condition, args) = Self.reportCondition(filter, resultTypes: true)
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM reports r WHERE \(condition)", arguments: StatementArguments(args))
                ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.organization_name, r.report_id, r.day, r.dkim_pass FROM reports r
                    WHERE \(condition) ORDER BY r.day DESC, r.id DESC LIMIT ? OFFSET ?
                    """, arguments: StatementArguments(args + [max(0, limit), max(0, offset)]))
            let reports = try rows.map { r -> ReportListing in
                let id: Int64 = r[0]
                var domains = Set<String>()
                var ok: Int64 = 0
                var failed: Int64 = 0
                for p in try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT policy_domain, successful_session_count, failed_session_count
                            FROM policies WHERE report_ref = ?
                            """), arguments: [id])
                {
                    domains.insert(p[0])
                    ok.saturate(adding: p[1])
                    failed.saturate(adding: p[2])
                }
                let types = try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT DISTINCT f.result_type FROM failure_details f JOIN policies p ON p.id = f.policy_ref
                            WHERE p.report_ref = ?
                            """), arguments: [id])
                return ReportListing(
                    id: id, organizationName: r[1], reportID: r[2], day: r[3], domains: domains.sorted(),
                    successfulSessionCount: ok, failedSessionCount: failed, resultTypes: Set(types).sorted(),
                    dkimPass: (r[4] as Int64) != 0)
            }
            return ReportListPage(total: total, reports: reports)
        }
    }

    public func policiesSeen(_ filter: ReportFilter) throws -> [PolicySeen] {
        try read { db in
            // The report conditions without the domains, which apply to each policy here.
            var (condition, args) = Self.reportCondition(
                ReportFilter(
                    since: filter.since, until: filter.until, reporters: filter.reporters,
                    dkimPassOnly: filter.dkimPassOnly), resultTypes: false)
            if let list = ReportFilter.inList("p.policy_domain", filter.domains) {
                condition += " AND " + list
                args += filter.domains
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.policy_type, p.sts_mode, p.mx_patterns, p.policy_strings, r.organization_name,
                        COUNT(*), MIN(r.day), MAX(r.day)
                    FROM policies p JOIN reports r ON r.id = p.report_ref
                    WHERE \(condition)
                    GROUP BY 1, 2, 3, 4, 5
                    """, arguments: StatementArguments(args))
            return PolicySeen.grouped(
                rows.map {
                    (
                        type: $0[0], mode: $0[1], mx: $0[2], strings: $0[3], organization: $0[4], count: $0[5],
                        firstDay: $0[6], lastDay: $0[7]
                    )
                })
        }
    }
}
