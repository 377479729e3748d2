import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// Per-domain summaries for `filter`, ordered by domain.
    public func summary(_ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        try read { db in try Self.summary(db, filter, topHosts: topHosts) }
    }

    static func summary(_ db: Database, _ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        try summaries(db, filter, topHosts: topHosts, byPeriod: false) { try filter.eachCell(db, $0) }.map(\.summary)
    }

    /// Summaries of the cells `cells` gives, per domain, and with `byPeriod` per cell period
    /// and domain (period 0 otherwise); ordered by period, then domain.
    static func summaries(
        _ db: Database, _ filter: ReportFilter, topHosts: Int, byPeriod: Bool,
        cells: ((RollupCells.Key, UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> [(period: Int64, summary: DomainSummary)] {
        var reader = RollupReader(db)
        let reporters: Set<Int64>? =
            filter.reporters.isEmpty ? nil : try reader.ids(of: filter.reporters, ignoringCase: true)
        let wantedResults: Set<Int64>? = filter.resultTypes.isEmpty ? nil : try reader.ids(of: filter.resultTypes)
        guard let sessionsRow = try reader.ids(of: [""]).first else { return [] }
        // Cells come in key order, so a domain's cells follow one another within a period: the
        // last domain's slot is remembered, most cells need no dictionary lookup.
        struct Slot: Hashable {
            var period: Int64
            var domain: Int64
        }
        var slots: [Slot: Int] = [:]
        var totals: [SummaryTotals<Int64>] = []
        var periods: [Int64] = []
        var last: (slot: Slot, index: Int) = (Slot(period: -1, domain: -1), -1)
        do {
            try cells { key, bytes in
                let slot = Slot(period: byPeriod ? key.period : 0, domain: key.domain)
                if slot != last.slot {
                    let i = slots[slot] ?? totals.count
                    if i == totals.count {
                        slots[slot] = i
                        totals.append(SummaryTotals(domain: key.domain))
                        periods.append(slot.period)
                    }
                    last = (slot, i)
                }
                let i = last.index
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

        var out: [(period: Int64, summary: DomainSummary)] = []
        out.reserveCapacity(totals.count)
        // A domain is summarized for the sessions its reports (by the reporters asked for) gave.
        for (i, t) in totals.enumerated() where t.hasSessions {
            if let s = try t.summary(filter, topHosts: topHosts, text: { try reader.text($0) }) {
                out.append((periods[i], s))
            }
        }
        return out.sorted { ($0.period, $0.summary.policyDomain) < ($1.period, $1.summary.policyDomain) }
    }
}
