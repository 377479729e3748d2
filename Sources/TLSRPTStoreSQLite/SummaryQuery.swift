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
        var totals: [DomainTotals] = []
        var last: (domain: Int64, slot: Int) = (-1, -1)
        do {
            try filter.eachCell(db) { key, bytes in
                if key.domain != last.domain {
                    let i = slots[key.domain] ?? totals.count
                    if i == totals.count {
                        slots[key.domain] = i
                        totals.append(DomainTotals(id: key.domain))
                    }
                    last = (key.domain, i)
                }
                let i = last.slot
                try RollupCell.visit(
                    bytes,
                    sessions: { k, c in
                        if let reporters, !reporters.contains(k.organization) { return }
                        if k.policyType == RollupCell.dkimPassMarker {
                            totals[i].dkimPasses[k.organization, default: 0] += c.policies
                        } else if k.resultType == sessionsRow {
                            totals[i].addSessions(
                                organization: k.organization, policyType: k.policyType, successful: c.successful,
                                failed: c.failed, policies: c.policies)
                        } else {
                            totals[i].resultTypes[k.resultType, default: 0].saturate(adding: c.failed)
                        }
                        totals[i].hasSessions = true
                    },
                    mx: { k, n in
                        if let wantedResults, !wantedResults.contains(k.resultType) { return }
                        totals[i].hosts[k.host, default: [:]][k.resultType, default: 0].saturate(adding: n)
                    },
                    modes: { mode, n in totals[i].modes[mode, default: 0].saturate(adding: n) })
            }
        }

        var out: [DomainSummary] = []
        out.reserveCapacity(totals.count)
        // A domain is summarized for the sessions its reports (by the reporters asked for) gave.
        for t in totals where t.hasSessions {
            var s = DomainSummary(policyDomain: try reader.text(t.id))
            s.successfulSessionCount = t.successful
            s.failedSessionCount = t.failed
            s.policyCount = t.policies
            for (id, n) in t.policyTypes { s.policyTypes[try reader.text(id)] = n }
            for (id, n) in t.resultTypes { s.resultTypes[try reader.text(id)] = n }
            for (id, n) in t.modes { s.stsModes[try reader.text(id)] = n }
            s.reporters = try t.reporters.map { id, counts in
                DomainSummary.Reporter(
                    organizationName: try reader.text(id), successfulSessionCount: counts.0,
                    failedSessionCount: counts.1, dkimPassReports: t.dkimPasses[id] ?? 0)
            }.sorted { ($0.failedSessionCount, $1.organizationName) > ($1.failedSessionCount, $0.organizationName) }
            let hosts = try t.hosts.map { id, results in
                var named: [String: Int64] = [:]
                for (r, n) in results { named[try reader.text(r)] = n }
                return DomainSummary.MXHost(
                    hostname: try reader.text(id),
                    failedSessionCount: results.values.reduce(0) { $0.saturatingAdd($1) },
                    resultTypes: named)
            }.sorted { ($0.failedSessionCount, $1.hostname) > ($1.failedSessionCount, $0.hostname) }
            s.mxHosts = Array(hosts.prefix(topHosts))
            if !filter.resultTypes.isEmpty {
                s.resultTypes = s.resultTypes.filter { filter.resultTypes.contains($0.key) }
                if s.resultTypes.isEmpty { continue }
            }
            out.append(s)
        }
        return out.sorted { $0.policyDomain < $1.policyDomain }
    }
}

/// One domain's rollup rows added up, keyed by text ids (`Summary`).
private struct DomainTotals {
    /// The domain's `rollup_texts` id.
    var id: Int64
    /// Whether any session counts (of the reporters asked for) were added.
    var hasSessions = false
    var successful: Int64 = 0
    var failed: Int64 = 0
    var policies: Int64 = 0
    var policyTypes: [Int64: Int64] = [:]
    var resultTypes: [Int64: Int64] = [:]
    var reporters: [Int64: (Int64, Int64)] = [:]
    var hosts: [Int64: [Int64: Int64]] = [:]
    var modes: [Int64: Int64] = [:]
    /// Per sender, its reports that passed DKIM.
    var dkimPasses: [Int64: Int64] = [:]

    mutating func addSessions(organization: Int64, policyType: Int64, successful: Int64, failed: Int64, policies: Int64)
    {
        self.successful.saturate(adding: successful)
        self.failed.saturate(adding: failed)
        self.policies.saturate(adding: policies)
        policyTypes[policyType, default: 0].saturate(adding: policies)
        reporters[organization, default: (0, 0)].0.saturate(adding: successful)
        reporters[organization, default: (0, 0)].1.saturate(adding: failed)
    }
}
