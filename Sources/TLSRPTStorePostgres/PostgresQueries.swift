import Foundation
import PostgresNIO
import TLSRPT
import TLSRPTStore

extension PostgresStore {
    /// Per-domain summaries for `filter`, from the rollup rows (or, with `dkimPassOnly`, from
    /// the verified reports themselves), built as every backend builds them (`SummaryTotals`).
    public func summary(_ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        try snapshot { s in try Self.summary(s, filter, topHosts: topHosts) }
    }

    public func digest(day: Day, domains: [String], dkimPassOnly: Bool) throws -> Digest {
        try snapshot { s in
            func filter(_ from: Day, _ to: Day) -> ReportFilter {
                ReportFilter(since: from, until: to, domains: domains, dkimPassOnly: dkimPassOnly)
            }
            let today = try Self.summary(s, filter(day, day), topHosts: 5)
            let week = try Self.summary(s, filter(day.adding(days: -7), day.adding(days: -1)), topHosts: 5)
            let month = try Self.summary(s, filter(day.adding(days: -30), day.adding(days: -1)), topHosts: 0)
            let series = try Self.dailySeries(s, filter(day.adding(days: -29), day))
            let count = try s.count(
                "SELECT COUNT(*) FROM reports WHERE day = $1\(dkimPassOnly ? " AND dkim_pass" : "")",
                [.text(day.description)])
            return Digest(
                day: day, today: today, previousWeek: week, previous30Days: month, series: series,
                reportCount: Int(count))
        }
    }

    /// Runs `body` in a read-only transaction that sees one snapshot (repeatable read), as the
    /// SQLite store's reads do.
    func snapshot<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try withSession { s in
            try s.query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            // Summing tens of thousands of rollup rows in a hash table: the default 4 MB made
            // the aggregate spill to disk in 20 batches (300 ms instead of 60 over 63,000 rows).
            try s.query("SET LOCAL work_mem = '256MB'")
            let result = try body(s)
            try s.query("COMMIT")
            return result
        }
    }

    /// The rollup rows `filter` reads: its grains and periods (`ReportFilter.rollupSources`),
    /// its domains; as SQL over a table with `grain`, `period` and `domain` columns.
    static func rollupCondition(_ filter: ReportFilter, _ values: inout [SQLValue]) -> String {
        var parts = filter.rollupSources.map { source -> String in
            values.append(.int(source.from))
            values.append(.int(source.to))
            return "(grain = \(grainNumber(source.grain)) AND period BETWEEN $\(values.count - 1) AND $\(values.count))"
        }
        if parts.isEmpty { parts = ["false"] }
        var condition = "(" + parts.joined(separator: " OR ") + ")"
        if !filter.domains.isEmpty {
            values.append(.texts(filter.domains))
            condition += " AND domain = ANY($\(values.count))"
        }
        return condition
    }

    static func grainNumber(_ grain: RollupGrain) -> Int {
        switch grain {
        case .day: return 0
        case .month: return 1
        case .total: return 2
        }
    }

    static func summary(_ s: PostgresSession, _ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        let rows: RollupRows
        if filter.dkimPassOnly {
            var values: [SQLValue] = []
            rows = try FreshRollups.dayRows(s, where: reportCondition(filter, &values) + " AND r.dkim_pass", values)
        } else {
            var values: [SQLValue] = []
            rows = try storedRows(s, rollupCondition(filter, &values), values, keepPeriods: false)
        }
        return summaries(rows, filter, topHosts: topHosts, byPeriod: false).map(\.summary)
    }

    /// Per-domain summaries of `rows` (and with `byPeriod`, per period and domain; period 0
    /// otherwise), ordered by period, then domain.
    static func summaries(_ rows: RollupRows, _ filter: ReportFilter, topHosts: Int, byPeriod: Bool)
        -> [(period: Int64, summary: DomainSummary)]
    {
        struct Slot: Hashable {
            var period: Int64
            var domain: String
        }
        let reporters = filter.reporters.isEmpty ? nil : Set(filter.reporters.map { $0.lowercased() })
        let wantedResults = filter.resultTypes.isEmpty ? nil : Set(filter.resultTypes)
        var totals: [Slot: SummaryTotals<String>] = [:]
        func slot(_ period: Int64, _ domain: String) -> Slot { Slot(period: byPeriod ? period : 0, domain: domain) }
        for (k, c) in rows.sessions {
            if let reporters, !reporters.contains(k.organization.lowercased()) { continue }
            if k.resultType.isEmpty {
                totals[slot(k.period, k.domain), default: SummaryTotals(domain: k.domain)].addSessions(
                    organization: k.organization, policyType: k.policyType, successful: c.successful,
                    failed: c.failed, policies: c.policies)
            } else {
                totals[slot(k.period, k.domain), default: SummaryTotals(domain: k.domain)].addFailures(
                    resultType: k.resultType, failed: c.failed)
            }
        }
        for (k, n) in rows.dkim {
            if let reporters, !reporters.contains(k.organization.lowercased()) { continue }
            totals[slot(k.period, k.domain), default: SummaryTotals(domain: k.domain)].addDKIMPasses(
                organization: k.organization, reports: n)
        }
        for (k, v) in rows.mx {
            if let wantedResults, !wantedResults.contains(k.resultType) { continue }
            totals[slot(k.period, k.domain), default: SummaryTotals(domain: k.domain)].addHost(
                k.host, resultType: k.resultType, failed: v.failed)
        }
        for (k, n) in rows.modes {
            totals[slot(k.period, k.domain), default: SummaryTotals(domain: k.domain)].addMode(k.mode, policies: n)
        }
        return totals.filter(\.value.hasSessions).compactMap { key, t in
            t.summary(filter, topHosts: topHosts) { $0 }.map { (key.period, $0) }
        }.sorted { ($0.period, $0.summary.policyDomain) < ($1.period, $1.summary.policyDomain) }
    }

    /// The stored rollup rows `filter` reads, summed over its periods (grain and period 0).
    /// Summed here rather than with `GROUP BY`: PostgreSQL's `numeric` hash aggregate took
    /// 290 ms over 63,000 all-time rows that it reads in 35; the sums saturate at the 64-bit
    /// limits as the SQLite store's do.
    static func storedRows(_ s: PostgresSession, _ condition: String, _ values: [SQLValue], keepPeriods: Bool)
        throws -> RollupRows
    {
        var rows = RollupRows()
        let periodColumn = keepPeriods ? "period" : "0::bigint"
        for row in try s.query(
            """
            SELECT domain, organization, policy_type, result_type, \(clamped("successful")), \(clamped("failed")),
                policies, \(periodColumn)
            FROM rollup_sessions WHERE \(condition)
            """, values)
        {
            let c = Columns(row)
            let key = RollupRows.SessionKey(
                grain: 0, period: try c.int(7), domain: try c.text(0), organization: try c.text(1),
                policyType: try c.text(2), resultType: try c.text(3))
            let (ok, failed, n) = (try c.int(4), try c.int(5), try c.int(6))
            if var sum = rows.sessions[key] {
                sum.successful.saturate(adding: ok)
                sum.failed.saturate(adding: failed)
                sum.policies.saturate(adding: n)
                rows.sessions[key] = sum
            } else {
                rows.sessions[key] = (ok, failed, n)
            }
        }
        for row in try s.query(
            """
            SELECT domain, host, result_type, \(clamped("failed")), contributors, \(periodColumn)
            FROM rollup_mx WHERE \(condition)
            """, values)
        {
            let c = Columns(row)
            let key = RollupRows.MXKey(
                grain: 0, period: try c.int(5), domain: try c.text(0), host: try c.text(1),
                resultType: try c.text(2))
            let (failed, n) = (try c.int(3), try c.int(4))
            if var sum = rows.mx[key] {
                sum.failed.saturate(adding: failed)
                sum.contributors.saturate(adding: n)
                rows.mx[key] = sum
            } else {
                rows.mx[key] = (failed, n)
            }
        }
        for row in try s.query(
            "SELECT domain, mode, policies, \(periodColumn) FROM rollup_modes WHERE \(condition)", values)
        {
            let c = Columns(row)
            rows.modes[.init(grain: 0, period: try c.int(3), domain: try c.text(0), mode: try c.text(1)), default: 0]
                .saturate(adding: try c.int(2))
        }
        for row in try s.query(
            "SELECT domain, organization, reports, \(periodColumn) FROM rollup_dkim WHERE \(condition)", values)
        {
            let c = Columns(row)
            rows.dkim[
                .init(grain: 0, period: try c.int(3), domain: try c.text(0), organization: try c.text(1)), default: 0
            ]
            .saturate(adding: try c.int(2))
        }
        return rows
    }

    /// The reports (`r`) and policies (`p`) `filter`'s dates and domains select, as SQL.
    static func reportCondition(_ filter: ReportFilter, _ values: inout [SQLValue]) -> String {
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
            conditions.append("p.policy_domain = ANY($\(values.count))")
        }
        return conditions.joined(separator: " AND ")
    }

    /// Per day from `filter.since` to `filter.until`, the sessions of all domains and of each.
    static func dailySeries(_ s: PostgresSession, _ filter: ReportFilter) throws -> (
        total: [DailyPoint], byDomain: [String: [DailyPoint]]
    ) {
        guard let from = filter.since, let to = filter.until else { return ([], [:]) }
        var points: [(day: Day, domain: String, ok: Int64, failed: Int64)] = []
        if filter.dkimPassOnly {
            var values: [SQLValue] = []
            let rows = try FreshRollups.dayRows(
                s, where: reportCondition(filter, &values) + " AND r.dkim_pass", values)
            var sums: [Int64: [String: (Int64, Int64)]] = [:]
            for (k, c) in rows.sessions where k.resultType.isEmpty {
                var v = sums[k.period, default: [:]][k.domain] ?? (0, 0)
                v.0.saturate(adding: c.successful)
                v.1.saturate(adding: c.failed)
                sums[k.period, default: [:]][k.domain] = v
            }
            for (period, domains) in sums {
                for (domain, v) in domains { points.append((RollupPeriod.dayOf(period), domain, v.0, v.1)) }
            }
        } else {
            var values: [SQLValue] = [.int(RollupPeriod.day(from)), .int(RollupPeriod.day(to))]
            var condition = "grain = 0 AND period BETWEEN $1 AND $2 AND result_type = ''"
            if !filter.domains.isEmpty {
                values.append(.texts(filter.domains))
                condition += " AND domain = ANY($3)"
            }
            for row in try s.query(
                """
                SELECT period, domain, \(clamped("SUM(successful)")), \(clamped("SUM(failed)"))
                FROM rollup_sessions WHERE \(condition) GROUP BY 1, 2
                """, values)
            {
                let c = Columns(row)
                let (period, domain, ok, failed) = (try c.int(0), try c.text(1), try c.int(2), try c.int(3))
                points.append((RollupPeriod.dayOf(period), domain, ok, failed))
            }
        }
        return DailyPoint.series(from: from, to: to, points)
    }

    public func counts() throws -> StoreCounts {
        try snapshot { s in
            StoreCounts(
                reports: Int(try s.count("SELECT COUNT(*) FROM reports")),
                policies: Int(try s.count("SELECT COUNT(*) FROM policies")),
                failureDetails: Int(try s.count("SELECT COUNT(*) FROM failure_details")),
                receipts: Int(try s.count("SELECT (SELECT COUNT(*) FROM reports) + (SELECT COUNT(*) FROM receipts)")),
                duplicates: Int(try s.count("SELECT COUNT(*) FROM receipts WHERE outcome = 'duplicate'")),
                conflicts: Int(try s.count("SELECT COUNT(*) FROM receipts WHERE outcome = 'conflict'")),
                rejectedInputs: Int(try s.count("SELECT COUNT(*) FROM rejected_inputs")))
        }
    }

    public func rejectedInputs(limit: Int, since: Int64?) throws -> [RejectedInput] {
        try withSession { s in
            try s.query(
                """
                SELECT id, received_at, source, channel, kind, json_path, reason, byte_count FROM rejected_inputs
                WHERE received_at >= $1 ORDER BY id DESC LIMIT $2
                """, [.int(since ?? Int64.min), .int(Int64(limit))]
            ).map { row in
                let c = Columns(row)
                let (id, at, source, channel, kind, path, reason, count) = (
                    try c.int(0), try c.int(1), try c.text(2), try c.text(3), try c.text(4), try c.text(5),
                    try c.text(6), try c.int(7)
                )
                return RejectedInput(
                    id: id, receivedAt: at, source: source, channel: channel, kind: kind, jsonPath: path,
                    reason: reason, byteCount: Int(count))
            }
        }
    }

    public func rejectedBytes(id: Int64) throws -> [UInt8]? {
        try withSession { s in
            for row in try s.query("SELECT bytes FROM rejected_inputs WHERE id = $1", [.int(id)]) {
                return try row.decode(ByteBuffer?.self)?.bytes
            }
            return nil
        }
    }

    public func reportIDs() throws -> [String] {
        try withSession { s in
            try s.query("SELECT report_id FROM reports ORDER BY id").map { try $0.decode(String.self) }
        }
    }

    public func rawReport(organizationName: String, reportID: String) throws -> [UInt8]? {
        try withSession { s in
            for row in try s.query(
                """
                SELECT raw.gzip FROM raw_reports raw JOIN reports r ON r.id = raw.report_ref
                WHERE r.organization_name = $1 AND r.report_id = $2 ORDER BY r.id LIMIT 1
                """, [.text(organizationName), .text(reportID)])
            {
                return try row.decode(ByteBuffer.self).bytes
            }
            return nil
        }
    }

    public func copiesReceived(organizationName: String, reportID: String) throws -> [ReceivedCopy] {
        try snapshot { s in
            func copy(_ row: PostgresRow) throws -> ReceivedCopy {
                let c = Columns(row)
                let (source, channel, outcome, dkim, domain, selector, reason) = (
                    try c.text(0), try c.text(1), try c.text(2), c.optionalText(3), c.optionalText(4),
                    c.optionalText(5), c.optionalText(6)
                )
                return ReceivedCopy(
                    source: source, channel: channel, outcome: outcome, dkim: dkim, dkimDomain: domain,
                    dkimSelector: selector, dkimReason: reason)
            }
            var out: [ReceivedCopy] = []
            let reports = try s.query(
                """
                SELECT source, channel, 'stored', dkim, dkim_domain, dkim_selector, dkim_reason, id FROM reports
                WHERE organization_name = $1 AND report_id = $2 ORDER BY id
                """, [.text(organizationName), .text(reportID)])
            for report in reports {
                out.append(try copy(report))
                let id = try report.makeRandomAccess()[7].decode(Int64.self)
                for row in try s.query(
                    """
                    SELECT source, channel, outcome, dkim, dkim_domain, dkim_selector, dkim_reason FROM receipts
                    WHERE report_ref = $1 ORDER BY id
                    """, [.int(id)])
                {
                    out.append(try copy(row))
                }
            }
            return out
        }
    }

    public func isDKIMVerified(organizationName: String, reportID: String) throws -> Bool {
        try withSession { s in
            try s.count(
                "SELECT COUNT(*) FROM reports WHERE organization_name = $1 AND report_id = $2 AND dkim_pass",
                [.text(organizationName), .text(reportID)]) > 0
        }
    }

    public func inputPosition(_ source: String) throws -> InputPosition? {
        try withSession { s in
            for row in try s.query(
                "SELECT validity, position FROM input_positions WHERE source = $1", [.text(source)])
            {
                let c = Columns(row)
                let (validity, position) = (try c.int(0), try c.int(1))
                return InputPosition(source: source, validity: validity, position: position)
            }
            return nil
        }
    }

    public func recordInputPosition(_ position: InputPosition, at time: Int64) throws {
        try transaction { s in try Self.record(position, s, at: time) }
    }

    /// Streams the rows of `table` matching `filter`, in the SQLite store's order (text
    /// compared byte by byte, whatever the database's collation), through a cursor: memory
    /// stays bounded however large the export.
    public func export(_ table: ExportTable, _ filter: ReportFilter, _ row: (ExportRow) throws -> Void) throws {
        try snapshot { s in
            var values: [SQLValue] = []
            var conditions = [Self.reportCondition(filter, &values)]
            if !filter.reporters.isEmpty {
                values.append(.texts(filter.reporters.map { $0.lowercased() }))
                conditions.append("lower(r.organization_name) = ANY($\(values.count))")
            }
            if filter.dkimPassOnly { conditions.append("r.dkim_pass") }
            let dkim = "CASE WHEN r.dkim_pass THEN 'pass' ELSE r.dkim END"
            let order = #"r.day COLLATE "C", r.organization_name COLLATE "C", r.report_id COLLATE "C", r.id"#
            let sql: String
            switch table {
            case .policies:
                if !filter.resultTypes.isEmpty {
                    values.append(.texts(filter.resultTypes))
                    conditions.append(
                        "EXISTS (SELECT 1 FROM failure_details fd WHERE fd.policy_ref = p.id AND fd.result_type = ANY($\(values.count)))"
                    )
                }
                sql = """
                    SELECT r.organization_name, r.report_id, r.begin_at, r.end_at, p.policy_type, p.policy_domain,
                        p.successful_session_count, p.failed_session_count, r.day, r.contact_info, r.reporter_domain,
                        p.sts_mode, p.mx_patterns, p.policy_strings, p.tlsa_records, p.position::bigint, \(dkim)
                    FROM policies p JOIN reports r ON r.id = p.report_ref
                    WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY \(order), p.position
                    """
            case .failures:
                if !filter.resultTypes.isEmpty {
                    values.append(.texts(filter.resultTypes))
                    conditions.append("f.result_type = ANY($\(values.count))")
                }
                sql = """
                    SELECT r.organization_name, r.report_id, r.begin_at, r.end_at, p.policy_type, p.policy_domain,
                        f.result_type, f.failed_session_count, f.sending_mta_ip, f.receiving_mx_hostname,
                        f.receiving_mx_helo, f.receiving_ip, f.additional_information, f.failure_reason_code,
                        r.day, p.position::bigint, f.position::bigint, \(dkim)
                    FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                    WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY \(order), p.position, f.position
                    """
            }
            try s.query("DECLARE export_rows NO SCROLL CURSOR FOR " + sql, values)
            let width = table.columns.count
            while true {
                let batch = try s.query("FETCH 2000 FROM export_rows")
                var any = false
                for r in batch {
                    any = true
                    var out: [ExportValue?] = []
                    out.reserveCapacity(width)
                    for cell in r.prefix(width) {
                        if cell.bytes == nil {
                            out.append(nil)
                        } else if cell.dataType == .int8 {
                            out.append(.integer(try cell.decode(Int64.self)))
                        } else {
                            out.append(.text(try cell.decode(String.self)))
                        }
                    }
                    try row(ExportRow(values: out))
                }
                if !any { break }
            }
        }
    }

    /// Deletes reports of days before `cutoff` and rejected inputs received before it; the
    /// rollups lose exactly those reports' day rows, at every grain.
    public func prune(before cutoff: Day) throws -> PruneResult {
        try transaction { s in
            let period = RollupPeriod.day(cutoff)
            let old = try FreshRollups.stored(s, where: "grain = 0 AND period < $1", [.int(period)])
            let reports = try s.count(
                """
                WITH r AS (DELETE FROM reports WHERE day < $1 RETURNING id),
                    p AS (DELETE FROM policies WHERE report_ref IN (SELECT id FROM r) RETURNING id),
                    f AS (DELETE FROM failure_details WHERE policy_ref IN (SELECT id FROM p)),
                    w AS (DELETE FROM raw_reports WHERE report_ref IN (SELECT id FROM r)),
                    c AS (DELETE FROM receipts WHERE report_ref IN (SELECT id FROM r))
                SELECT COUNT(*) FROM r
                """, [.text(cutoff.description)])
            let rejected = try s.count(
                "WITH d AS (DELETE FROM rejected_inputs WHERE received_at < $1 RETURNING 1) SELECT COUNT(*) FROM d",
                [.int(cutoff.start.seconds)])
            var change = RollupRows()
            change.addDayRows(old, sign: -1)
            try change.apply(s)
            return PruneResult(reports: Int(reports), rejectedInputs: Int(rejected))
        }
    }

    /// Recomputes every rollup row from the reports and compares with the stored ones: the
    /// number of rollup cells (a grain, period and domain) with any row missing, extra or
    /// different (0 when the rollups are exact).
    public func rollupMismatches() throws -> Int {
        try snapshot { s in
            var expected = RollupRows()
            expected.addDayRows(try FreshRollups.dayRows(s, where: "true", []), sign: 1)
            let stored = try FreshRollups.stored(s, where: "true", [])
            return expected.differingCells(stored)
        }
    }

    /// The server answers and the schema is one this tlsrpt knows: `["ok"]`.
    public func fileCheck() throws -> [String] {
        try withSession { s in
            var problems: [String] = []
            let version = try s.count("SELECT MAX(version) FROM tlsrpt_migrations")
            if version != Int64(PostgresSchema.migrations.count) { problems.append("schema version \(version)") }
            // The tables have no foreign keys (migration 2): rows whose parent is gone.
            let orphans = [
                ("policies", "policies x WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = x.report_ref)"),
                (
                    "failure_details",
                    "failure_details x WHERE NOT EXISTS (SELECT 1 FROM policies p WHERE p.id = x.policy_ref)"
                ),
                ("raw_reports", "raw_reports x WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = x.report_ref)"),
                ("receipts", "receipts x WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = x.report_ref)"),
            ]
            for (table, from) in orphans {
                let n = try s.count("SELECT COUNT(*) FROM \(from)")
                if n > 0 { problems.append("\(table): \(n) row(s) whose report is gone") }
            }
            let missing = try s.count(
                "SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM raw_reports w WHERE w.report_ref = r.id)"
            )
            if missing > 0 { problems.append("reports: \(missing) without their raw bytes") }
            return problems.isEmpty ? ["ok"] : problems
        }
    }
}
