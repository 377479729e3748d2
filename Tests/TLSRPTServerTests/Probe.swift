import TLSRPTStore
import TLSRPTStoreSQLite

/// Report-ids in a store, read through the export query.
enum TLSRPTRenderProbe {
    static func exportedReportIDs(_ store: SQLiteStore) -> Set<String> {
        var ids = Set<String>()
        try? store.export(.policies, ReportFilter()) { row in
            if case .text(let id)? = row.values[1] { ids.insert(id) }
        }
        return ids
    }
}
