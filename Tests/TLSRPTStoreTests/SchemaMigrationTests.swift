import Foundation
import GRDB
import TLSRPT
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

/// A database written by schema v1 (rollups keyed by texts) is migrated to v2 (keyed by
/// `rollup_texts` ids, integer periods) when opened, with every rollup row carried over.
@Suite struct SchemaMigrationTests {
    /// Rewrites a v2 database's rollups in v1's layout (a row per key with texts, periods
    /// `YYYY-MM-DD`/`YYYY-MM`/'', v1's nine tables as its schema made them) and forgets the v2
    /// migration.
    func downgradeToV1(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            let texts = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, text FROM rollup_texts").map {
                    ($0[0] as Int64, $0[1] as String)
                })
            var cells: [RollupGrain: [RollupCells.Key: RollupCell]] = [:]
            for grain in RollupGrain.allCases { cells[grain] = try RollupCells.load(db, grain) }
            for grain in RollupGrain.allCases { try db.execute(sql: "DROP TABLE rollup\(grain.suffix)") }
            try db.execute(sql: "DROP TABLE rollup_texts")
            try db.execute(sql: StoreSchema.v1RollupTables)
            for (grain, grainCells) in cells {
                for (key, cell) in grainCells {
                    let p = key.period
                    let period =
                        grain == .day
                        ? String(format: "%04d-%02d-%02d", p / 10000, p / 100 % 100, p % 100)
                        : grain == .month ? String(format: "%04d-%02d", p / 100, p % 100) : ""
                    let domain = texts[key.domain]!
                    for (k, c) in cell.sessions {
                        try db.execute(
                            sql: "INSERT INTO rollup\(grain.suffix) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            arguments: [
                                period, domain, texts[k.organization]!, texts[k.policyType]!, texts[k.resultType]!,
                                c.successful, c.failed, c.policies,
                            ])
                    }
                    for (k, n) in cell.mx {
                        try db.execute(
                            sql: "INSERT INTO mx_rollup\(grain.suffix) VALUES (?, ?, ?, ?, ?)",
                            arguments: [period, domain, texts[k.host]!, texts[k.resultType]!, n])
                    }
                    for (mode, n) in cell.modes {
                        try db.execute(
                            sql: "INSERT INTO mode_rollup\(grain.suffix) VALUES (?, ?, ?, ?)",
                            arguments: [period, domain, texts[mode]!, n])
                    }
                }
            }
            // v1 kept the first copy's provenance as a 'stored' receipt, and indexed policies by domain.
            try db.execute(
                sql: """
                    DROP VIEW copies_received;
                    INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome, content_hash)
                        SELECT id, received_at, source, channel, message_id, 'stored', content_hash FROM reports;
                    ALTER TABLE reports DROP COLUMN source;
                    ALTER TABLE reports DROP COLUMN channel;
                    ALTER TABLE reports DROP COLUMN message_id;
                    CREATE INDEX policies_domain ON policies(policy_domain);
                    """)
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2'")
        }
    }

    /// Every copy received, as text.
    static func copies(_ store: SQLiteStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT report_ref || ' ' || received_at || ' ' || source || ' ' || channel || ' ' || outcome
                        || ' ' || hex(content_hash) FROM copies_received ORDER BY report_ref, outcome DESC, source
                    """)
        }
    }

    @Test func v1RollupsAreCarriedOverExactly() throws {
        var g = SeededGenerator(seed: 7)
        let reports = (0..<300).map { RandomReports.report(&g, index: $0) }
        let filters = [
            ReportFilter(),
            ReportFilter(since: Day("2018-01-14")!, until: Day("2022-06-17")!),
            ReportFilter(since: Day("2024-03-09")!),
            ReportFilter(until: Day("2019-12-30")!),
        ]
        let path: String
        let before: [[DomainSummary]]
        let copiesBefore: [String]
        let countsBefore: StoreCounts
        do {
            let store = try freshStore()
            try ingest(store, reports: reports)
            try ingest(store, reports: Array(reports.prefix(20)))  // 20 duplicates
            path = store.path
            before = try filters.map { try store.summary($0) }
            copiesBefore = try Self.copies(store)
            countsBefore = try store.counts()
        }
        #expect(countsBefore.receipts == 320 && countsBefore.duplicates == 20)
        // Every filter finds something (RandomReports uses four policy domains and a few types).
        #expect(before[0].count == 4)
        #expect(before.allSatisfy { s in !s.isEmpty && s.contains { !$0.resultTypes.isEmpty && !$0.mxHosts.isEmpty } })

        try downgradeToV1(path)
        let v1 = try DatabaseQueue(path: path)
        let (textPeriods, monthRows, hasTexts) = try v1.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rollup_day WHERE period LIKE '____-__-__'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mx_rollup_month") ?? 0,
                try db.tableExists("rollup_texts")
            )
        }
        #expect(textPeriods > 300)
        #expect(monthRows > 100)
        #expect(!hasTexts)
        try v1.close()

        let migrated = try SQLiteStore(path: path)
        #expect(try migrated.rollupMismatches() == 0)
        #expect(try Self.copies(migrated) == copiesBefore)
        #expect(try migrated.counts() == countsBefore)
        for (filter, summary) in zip(filters, before) {
            #expect(try migrated.summary(filter) == summary)
        }
        // And it goes on: the same reports again are duplicates, new ones add up.
        #expect(try ingest(migrated, reports: reports).duplicates == 300)
        #expect(try migrated.counts().receipts == 620)
        var h = SeededGenerator(seed: 8)
        #expect(try ingest(migrated, reports: (0..<50).map { RandomReports.report(&h, index: 1000 + $0) }).stored == 50)
        #expect(try migrated.rollupMismatches() == 0)
    }
}
