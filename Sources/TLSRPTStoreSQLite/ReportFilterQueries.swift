import GRDB
import TLSRPT
import TLSRPTStore

extension ReportFilter {
    /// The day cells of the verified reports this filter covers, recomputed from the report
    /// rows (`--dkim-pass`: the rollups count every report).
    func dkimPassCells(_ db: Database) throws -> [RollupCells.Key: RollupCell] {
        var conditions = ["r.dkim_pass = 1"]
        var args: [any DatabaseValueConvertible] = []
        // Numbered parameters: the condition appears in each part of the UNION.
        func parameter(_ value: String) -> String {
            args.append(value)
            return "?\(args.count)"
        }
        if let since { conditions.append("r.day >= \(parameter(since.description))") }
        if let until { conditions.append("r.day <= \(parameter(until.description))") }
        if !domains.isEmpty {
            conditions.append("p.policy_domain IN (\(domains.map(parameter).joined(separator: ", ")))")
        }
        return try RollupCells.fresh(db, filter: conditions.joined(separator: " AND "), arguments: args)
    }

    /// Calls `body` with every rollup cell this filter reads: the stored cells of its
    /// `rollupSources`, or with `dkimPassOnly` the day cells of the verified reports.
    func eachCell(_ db: Database, _ body: (RollupCells.Key, UnsafeRawBufferPointer) throws -> Void) throws {
        if dkimPassOnly {
            for (key, cell) in try dkimPassCells(db).sorted(by: {
                ($0.key.period, $0.key.domain) < ($1.key.period, $1.key.domain)
            }) {
                try cell.encoded().withUnsafeBytes { try body(key, $0) }
            }
            return
        }
        for source in rollupSources {
            try RollupCells.each(
                db, source.grain, from: source.from, to: source.to,
                condition: RollupReader.idsIn("domain_id", domains), arguments: domains, body)
        }
    }

    /// `column IN (?, ?, …)` for a list, or nil for an empty list.
    static func inList(_ column: String, _ values: [String], collateNoCase: Bool = false) -> String? {
        guard !values.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
        return "\(column)\(collateNoCase ? " COLLATE NOCASE" : "") IN (\(marks))"
    }
}
