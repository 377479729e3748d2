import Foundation
import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// Rejected inputs, newest first.
    public func rejectedInputs(limit: Int, since: Int64?) throws -> [RejectedInput] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, received_at, source, channel, kind, json_path, reason, byte_count FROM rejected_inputs
                    WHERE received_at >= ? ORDER BY id DESC LIMIT ?
                    """, arguments: [since ?? Int64.min, limit]
            ).map {
                RejectedInput(
                    id: $0[0], receivedAt: $0[1], source: $0[2], channel: $0[3], kind: $0[4], jsonPath: $0[5],
                    reason: $0[6], byteCount: $0[7])
            }
        }
    }

    /// The stored bytes of a rejected input (up to the cap).
    public func rejectedBytes(id: Int64) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM rejected_inputs WHERE id = ?", arguments: [id]).map {
                Array($0)
            }
        }
    }

    /// What the store holds.
    public func counts() throws -> StoreCounts {
        try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return StoreCounts(
                reports: try count("SELECT COUNT(*) FROM reports"),
                policies: try count("SELECT COUNT(*) FROM policies"),
                failureDetails: try count("SELECT COUNT(*) FROM failure_details"),
                receipts: try count("SELECT COUNT(*) FROM copies_received"),
                duplicates: try count("SELECT COUNT(*) FROM receipts WHERE outcome = 'duplicate'"),
                conflicts: try count("SELECT COUNT(*) FROM receipts WHERE outcome = 'conflict'"),
                rejectedInputs: try count("SELECT COUNT(*) FROM rejected_inputs"))
        }
    }

    /// The report-id of every stored report, in storage order (for audits and tests: which
    /// reports made it in).
    public func reportIDs() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT report_id FROM reports ORDER BY id") }
    }

    /// The stored (gzip) bytes of a report, for audit and re-parse.
    public func rawReport(organizationName: String, reportID: String) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(
                db,
                sql: """
                    SELECT raw.gzip FROM raw_reports raw JOIN reports r ON r.id = raw.report_ref
                    WHERE r.organization_name = ? AND r.report_id = ? ORDER BY r.id LIMIT 1
                    """, arguments: [organizationName, reportID]
            ).map { Array($0) }
        }
    }

    /// Deletes reports filed before `cutoff` (their day) and rejected inputs received before it,
    /// and keeps the rollups exact: daily rows before the cutoff go, the monthly rows are rebuilt
    /// from the daily rows that remain.
    public func prune(before cutoff: Day) throws -> PruneResult {
        try write { db in
            try db.execute(sql: "DELETE FROM reports WHERE day < ?", arguments: [cutoff.description])
            let reports = db.changesCount
            try db.execute(
                sql: "DELETE FROM rejected_inputs WHERE received_at < ?", arguments: [cutoff.start.seconds])
            let rejected = db.changesCount
            // Day cells before the cutoff go; the cut month's cells are rebuilt from the day
            // cells that remain, and the all-time cells from the months that remain.
            let month = RollupPeriod.month(cutoff)
            try db.execute(sql: "DELETE FROM rollup_day WHERE period < ?", arguments: [RollupPeriod.day(cutoff)])
            try db.execute(sql: "DELETE FROM rollup_month WHERE period <= ?", arguments: [month])
            let days = try RollupCells.load(db, .day, from: month * 100, to: month * 100 + 99)
            try RollupCells.add(db, .month, RollupCells.coarser(days, period: RollupPeriod.monthOf))
            try db.execute(sql: "DELETE FROM rollup_total")
            let months = try RollupCells.load(db, .month)
            try RollupCells.add(db, .total, RollupCells.coarser(months) { _ in RollupPeriod.allTime })
            return PruneResult(reports: reports, rejectedInputs: rejected)
        }
    }

    /// Recomputes every rollup from the raw rows and compares with the stored ones: the number
    /// of rollup rows (cells: a grain, period and domain) that differ, missing, extra or
    /// damaged (0 when the rollups are exact). Day cells are checked against the reports, month
    /// cells against the day cells, all-time cells against the month cells. A month at a time,
    /// so memory stays bounded on a large database. Used by tests and `tlsrpt verify`.
    public func rollupMismatches() throws -> Int {
        try read { db in
            // A cell that cannot be decoded counts once, as damaged, not again as missing.
            var damaged: [RollupGrain: Set<RollupCells.Key>] = [:]
            func stored(_ grain: RollupGrain, from: Int64, to: Int64) throws -> [RollupCells.Key: RollupCell] {
                var out: [RollupCells.Key: RollupCell] = [:]
                try RollupCells.each(db, grain, from: from, to: to) { key, bytes in
                    if let cell = try? RollupCell(decoding: bytes) {
                        out[key] = cell
                    } else {
                        damaged[grain, default: []].insert(key)
                    }
                }
                return out
            }
            /// Keys whose cells differ between `expected` and the `grain` cells `found`.
            func differing(
                _ expected: [RollupCells.Key: RollupCell], _ found: [RollupCells.Key: RollupCell], _ grain: RollupGrain
            ) -> Int {
                Set(expected.keys).union(found.keys).filter { key in
                    damaged[grain]?.contains(key) != true && expected[key] ?? RollupCell() != found[key] ?? RollupCell()
                }.count
            }
            let months = Set(
                try Int64.fetchAll(db, sql: "SELECT DISTINCT period / 100 FROM rollup_day")
                    + Int64.fetchAll(db, sql: "SELECT period FROM rollup_month")
                    + Int64.fetchAll(
                        db, sql: "SELECT DISTINCT \(RollupQueries.dayPeriod("day")) / 100 FROM reports"))
            var mismatches = 0
            var totals: [RollupCells.Key: RollupCell] = [:]
            for month in months.sorted() {
                let first = RollupPeriod.dayOf(month * 100 + 1)
                let last = RollupPeriod.dayOf(ReportFilter.nextMonth(month) * 100 + 1).adding(days: -1)
                let fresh = try RollupCells.fresh(
                    db, filter: "r.day BETWEEN ?1 AND ?2", arguments: [first.description, last.description])
                let days = try stored(.day, from: month * 100, to: month * 100 + 99)
                let monthCells = try stored(.month, from: month, to: month)
                mismatches += differing(fresh, days, .day)
                mismatches += differing(RollupCells.coarser(days, period: RollupPeriod.monthOf), monthCells, .month)
                for (key, cell) in monthCells {
                    totals[RollupCells.Key(period: RollupPeriod.allTime, domain: key.domain), default: RollupCell()]
                        .merge(cell)
                }
            }
            mismatches += differing(totals, try stored(.total, from: .min, to: .max), .total)
            return damaged.values.reduce(0) { $0 + $1.count } + mismatches
        }
    }

    /// SQLite's own consistency check of the file (`PRAGMA quick_check`): "ok", or what is wrong.
    public func fileCheck() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
    }
}
