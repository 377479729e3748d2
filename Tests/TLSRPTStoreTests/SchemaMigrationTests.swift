import Foundation
import GRDB
import TLSRPT
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore

/// A database written by schema v1 (rollups keyed by texts) is migrated to v2 (keyed by
/// `rollup_texts` ids, integer periods) when opened, with every rollup row carried over.
@Suite struct SchemaMigrationTests {
    /// Rewrites a v2 database's rollups in v1's layout (text keys, `YYYY-MM-DD`/`YYYY-MM`/''
    /// periods, v1's tables as its schema made them) and forgets the v2 migration.
    func downgradeToV1(_ path: String) throws {
        let v1 = try DatabaseQueue()
        try v1.write { try $0.execute(sql: StoreSchema.v1) }
        let v1Tables = try v1.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE '%rollup%'"
            )
            .map { (name: $0[0] as String, sql: $0[1] as String) }
        }
        #expect(v1Tables.count == 9)
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            for (name, createSQL) in v1Tables {
                let period =
                    name.hasSuffix("_day")
                    ? "printf('%04d-%02d-%02d', period / 10000, period / 100 % 100, period % 100)"
                    : name.hasSuffix("_month") ? "printf('%04d-%02d', period / 100, period % 100)" : "''"
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))").map { $0["name"] as String }
                let values = columns.dropFirst().map { column in
                    column.hasSuffix("_id") ? "(SELECT text FROM rollup_texts WHERE id = \(column))" : column
                }
                try db.execute(
                    sql: "CREATE TABLE old AS SELECT \(period), \(values.joined(separator: ", ")) FROM \(name)")
                try db.execute(sql: "DROP TABLE \(name)")
                try db.execute(sql: createSQL)
                try db.execute(sql: "INSERT INTO \(name) SELECT * FROM old")
                try db.execute(sql: "DROP TABLE old")
            }
            try db.execute(sql: "DROP TABLE rollup_texts")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2'")
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
        do {
            let store = try freshStore()
            try ingest(store, reports: reports)
            path = store.path
            before = try filters.map { try store.summary($0) }
        }
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

        let migrated = try ReportStore(path: path)
        #expect(try migrated.rollupMismatches() == 0)
        for (filter, summary) in zip(filters, before) {
            #expect(try migrated.summary(filter) == summary)
        }
        // And it goes on: the same reports again are duplicates, new ones add up.
        #expect(try ingest(migrated, reports: reports).duplicates == 300)
        var h = SeededGenerator(seed: 8)
        #expect(try ingest(migrated, reports: (0..<50).map { RandomReports.report(&h, index: 1000 + $0) }).stored == 50)
        #expect(try migrated.rollupMismatches() == 0)
    }
}
