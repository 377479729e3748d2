/// One domain's rollup entries added up, before they become a `DomainSummary`: how every
/// backend builds summaries. `ID` is however the backend names texts (SQLite: `rollup_texts`
/// ids; PostgreSQL: the texts themselves); `text` turns one into the text at the end.
package struct SummaryTotals<ID: Hashable> {
    /// The domain.
    package var domain: ID
    /// Whether any session counts (of the reporters asked for) were added.
    package var hasSessions = false
    var successful: Int64 = 0
    var failed: Int64 = 0
    var policies: Int64 = 0
    var policyTypes: [ID: Int64] = [:]
    var resultTypes: [ID: Int64] = [:]
    var reporters: [ID: (Int64, Int64)] = [:]
    var hosts: [ID: [ID: Int64]] = [:]
    var modes: [ID: Int64] = [:]
    /// Per sender, its reports that passed DKIM.
    var dkimPasses: [ID: Int64] = [:]

    package init(domain: ID) { self.domain = domain }

    /// A policy-totals entry: sessions of a sender under one policy type.
    package mutating func addSessions(
        organization: ID, policyType: ID, successful: Int64, failed: Int64, policies: Int64
    ) {
        self.successful.saturate(adding: successful)
        self.failed.saturate(adding: failed)
        self.policies.saturate(adding: policies)
        policyTypes[policyType, default: 0].saturate(adding: policies)
        reporters[organization, default: (0, 0)].0.saturate(adding: successful)
        reporters[organization, default: (0, 0)].1.saturate(adding: failed)
        hasSessions = true
    }

    /// A failure-detail entry: failed sessions of one result type.
    package mutating func addFailures(resultType: ID, failed: Int64) {
        resultTypes[resultType, default: 0].saturate(adding: failed)
        hasSessions = true
    }

    /// Reports of a sender that passed DKIM.
    package mutating func addDKIMPasses(organization: ID, reports: Int64) {
        dkimPasses[organization, default: 0] += reports
        hasSessions = true
    }

    /// Failed sessions at an MX host, of one result type.
    package mutating func addHost(_ host: ID, resultType: ID, failed: Int64) {
        hosts[host, default: [:]][resultType, default: 0].saturate(adding: failed)
    }

    /// Policies seen with an MTA-STS mode.
    package mutating func addMode(_ mode: ID, policies: Int64) {
        modes[mode, default: 0].saturate(adding: policies)
    }

    /// The summary: reporters and hosts sorted most failures first (then by name), at most
    /// `topHosts` hosts; nil when, limited to `filter`'s result types, nothing is left.
    package func summary(_ filter: ReportFilter, topHosts: Int, text: (ID) throws -> String) rethrows -> DomainSummary?
    {
        var s = DomainSummary(policyDomain: try text(domain))
        s.successfulSessionCount = successful
        s.failedSessionCount = failed
        s.policyCount = policies
        for (id, n) in policyTypes { s.policyTypes[try text(id)] = n }
        for (id, n) in resultTypes { s.resultTypes[try text(id)] = n }
        for (id, n) in modes { s.stsModes[try text(id)] = n }
        s.reporters = try reporters.map { id, counts in
            DomainSummary.Reporter(
                organizationName: try text(id), successfulSessionCount: counts.0, failedSessionCount: counts.1,
                dkimPassReports: dkimPasses[id] ?? 0)
        }.sorted { ($0.failedSessionCount, $1.organizationName) > ($1.failedSessionCount, $0.organizationName) }
        let hosts = try hosts.map { id, results in
            var named: [String: Int64] = [:]
            for (r, n) in results { named[try text(r)] = n }
            return DomainSummary.MXHost(
                hostname: try text(id), failedSessionCount: results.values.reduce(0) { $0.saturatingAdd($1) },
                resultTypes: named)
        }.sorted { ($0.failedSessionCount, $1.hostname) > ($1.failedSessionCount, $0.hostname) }
        s.mxHosts = Array(hosts.prefix(topHosts))
        if !filter.resultTypes.isEmpty {
            s.resultTypes = s.resultTypes.filter { filter.resultTypes.contains($0.key) }
            if s.resultTypes.isEmpty { return nil }
        }
        return s
    }
}
