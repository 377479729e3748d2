import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// The digest for `day`, optionally for some domains only; with `dkimPassOnly`, of the
    /// DKIM-verified reports only (`--dkim-pass`).
    public func digest(day: Day, domains: [String], dkimPassOnly: Bool) throws -> Digest {
        try read { db in
            func filter(_ from: Day, _ to: Day) -> ReportFilter {
                ReportFilter(since: from, until: to, domains: domains, dkimPassOnly: dkimPassOnly)
            }
            let today = try Self.summary(db, filter(day, day), topHosts: 5)
            let week = try Self.summary(db, filter(day.adding(days: -7), day.adding(days: -1)), topHosts: 5)
            let month = try Self.summary(db, filter(day.adding(days: -30), day.adding(days: -1)), topHosts: 0)
            let series = try Self.dailySeries(db, filter(day.adding(days: -29), day))
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM reports WHERE day = ?\(dkimPassOnly ? " AND dkim_pass = 1" : "")",
                    arguments: [day.description]) ?? 0
            return Digest(
                day: day, today: today, previousWeek: week, previous30Days: month, series: series, reportCount: count)
        }
    }

    /// Per day from `filter.since` to `filter.until` (both given), the sessions of all
    /// domains and of each, from the day cells.
    static func dailySeries(_ db: Database, _ filter: ReportFilter) throws -> (
        total: [DailyPoint], byDomain: [String: [DailyPoint]]
    ) {
        guard let from = filter.since, let to = filter.until else { return ([], [:]) }
        var reader = RollupReader(db)
        var rows: [(day: Day, domain: Int64, ok: Int64, failed: Int64)] = []
        // Day cells only (not whole months), read from the rollups or recomputed (--dkim-pass).
        let cells = filter.dkimPassOnly ? try filter.dkimPassCells(db) : nil
        func each(_ body: (RollupCells.Key, UnsafeRawBufferPointer) throws -> Void) throws {
            if let cells {
                for (key, cell) in cells { try cell.encoded().withUnsafeBytes { try body(key, $0) } }
                return
            }
            try RollupCells.each(
                db, .day, from: RollupPeriod.day(from), to: RollupPeriod.day(to),
                condition: RollupReader.idsIn("domain_id", filter.domains), arguments: filter.domains, body)
        }
        if let sessionsRow = try reader.ids(of: [""]).first {
            try each { key, bytes in
                var ok: Int64 = 0
                var failed: Int64 = 0
                try RollupCell.visit(
                    bytes,
                    sessions: { k, c in
                        guard k.resultType == sessionsRow else { return }
                        ok.saturate(adding: c.successful)
                        failed.saturate(adding: c.failed)
                    }, mx: { _, _ in }, modes: { _, _ in })
                rows.append((RollupPeriod.dayOf(key.period), key.domain, ok, failed))
            }
        }
        return DailyPoint.series(
            from: from, to: to,
            try rows.map { (day: $0.day, domain: try reader.text($0.domain), ok: $0.ok, failed: $0.failed) })
    }
}
