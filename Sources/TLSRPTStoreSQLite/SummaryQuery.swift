import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// Per-domain summaries for `filter`, ordered by domain.
    public func summary(_ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        try read { db in try Self.summary(db, filter, topHosts: topHosts) }
    }

    static func summary(_ db: Database, _ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        var reader = RollupReader(db)
        let reporters: Set<Int64>? =
            filter.reporters.isEmpty ? nil : try reader.ids(of: filter.reporters, ignoringCase: true)
        let wantedResults: Set<Int64>? = filter.resultTypes.isEmpty ? nil : try reader.ids(of: filter.resultTypes)
        guard let sessionsRow = try reader.ids(of: [""]).first else { return [] }
        // Cells come in key order, so a domain's cells follow one another within a period: the
        // last domain's slot is remembered, most cells need no dictionary lookup.
        var slots: [Int64: Int] = [:]
        var totals: [SummaryTotals<Int64>] = []
        var last: (domain: Int64, slot: Int) = (-1, -1)
        do {
            try filter.eachCell(db) { key, bytes in
                if key.domain != last.domain {
                    let i = slots[key.domain] ?? totals.count
                    if i == totals.count {
                        slots[key.domain] = i
                        totals.append(SummaryTotals(domain: key.domain))
                    }
                    last = (key.domain, i)
                }
                let i = last.slot
                try RollupCell.visit(
                    bytes,
                    sessions: { k, c in
                        if let reporters, !reporters.contains(k.organization) { return }
                        if k.policyType == RollupCell.dkimPassMarker {
                            totals[i].addDKIMPasses(organization: k.organization, reports: c.policies)
                        } else if k.resultType == sessionsRow {
                            totals[i].addSessions(
                                organization: k.organization, policyType: k.policyType, successful: c.successful,
                                failed: c.failed, policies: c.policies)
                        } else {
                            totals[i].addFailures(resultType: k.resultType, failed: c.failed)
                        }
                    },
                    mx: { k, n in
                        if let wantedResults, !wantedResults.contains(k.resultType) { return }
                        totals[i].addHost(k.host, resultType: k.resultType, failed: n)
                    },
                    modes: { mode, n in totals[i].addMode(mode, policies: n) })
            }
        }

        var out: [DomainSummary] = []
        out.reserveCapacity(totals.count)
        // A domain is summarized for the sessions its reports (by the reporters asked for) gave.
        for t in totals where t.hasSessions {
            if let s = try t.summary(filter, topHosts: topHosts, text: { try reader.text($0) }) { out.append(s) }
        }
        return out.sorted { $0.policyDomain < $1.policyDomain }
    }
}
