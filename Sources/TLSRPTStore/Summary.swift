import GRDB
import TLSRPT

/// Per policy domain, what the reports in a filter say (from the rollups, never raw rows).
public struct DomainSummary: Sendable, Equatable {
    /// The policy domain (`""` for policies that named none).
    public var policyDomain: String
    /// Successful sessions (summaries).
    public var successfulSessionCount: Int64 = 0
    /// Failed sessions (summaries).
    public var failedSessionCount: Int64 = 0
    /// Failed sessions per result type (sums of failure-detail counts; need not add up to
    /// `failedSessionCount`).
    public var resultTypes: [String: Int64] = [:]
    /// Policy types seen, with their policy counts.
    public var policyTypes: [String: Int64] = [:]
    /// Sending organizations: (name, successful, failed), most failures first.
    public var reporters: [Reporter] = []
    /// Receiving MX hosts with failures, most failures first.
    public var mxHosts: [MXHost] = []
    /// MTA-STS modes seen, with their policy counts.
    public var stsModes: [String: Int64] = [:]
    /// Policies counted (one per policy entry of a report).
    public var policyCount: Int64 = 0

    /// Creates an empty summary for a domain.
    public init(policyDomain: String) { self.policyDomain = policyDomain }

    /// One sending organization's share.
    public struct Reporter: Sendable, Equatable {
        public var organizationName: String
        public var successfulSessionCount: Int64
        public var failedSessionCount: Int64
        public init(organizationName: String, successfulSessionCount: Int64, failedSessionCount: Int64) {
            self.organizationName = organizationName
            self.successfulSessionCount = successfulSessionCount
            self.failedSessionCount = failedSessionCount
        }
    }

    /// One receiving MX host's failures.
    public struct MXHost: Sendable, Equatable {
        public var hostname: String
        public var failedSessionCount: Int64
        public var resultTypes: [String: Int64]
    }

    /// All sessions.
    public var totalSessionCount: Int64 { successfulSessionCount + failedSessionCount }

    /// Successful share of all sessions, 0…1 (1 when there were none).
    public var successRate: Double {
        totalSessionCount == 0 ? 1 : Double(successfulSessionCount) / Double(totalSessionCount)
    }
}

extension ReportStore {
    /// Per-domain summaries for `filter`, ordered by domain.
    public func summary(_ filter: ReportFilter, topHosts: Int = 5) throws -> [DomainSummary] {
        try read { db in try Self.summary(db, filter, topHosts: topHosts) }
    }

    static func summary(_ db: Database, _ filter: ReportFilter, topHosts: Int) throws -> [DomainSummary] {
        var reader = RollupReader(db)
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let c = RollupReader.idsIn("domain_id", filter.domains) {
            conditions.append(c)
            args += filter.domains
        }
        var mainConditions = conditions
        var mainArgs = args
        if let c = RollupReader.idsIn("organization_id", filter.reporters, collateNoCase: true) {
            mainConditions.append(c)
            mainArgs += filter.reporters
        }
        // The rows are added up here rather than by GROUP BY: SQLite sorted them to group, which
        // cost more than reading them (BENCHMARKS.md §4). Everything is keyed by text ids.
        guard let sessionsRow = try reader.ids(of: [""]).first else { return [] }
        // Rows come in key order, a domain's rows one after the other within a period: the
        // last domain's slot is remembered, so most rows need no dictionary lookup.
        var slots: [Int64: Int] = [:]
        var totals: [DomainTotals] = []
        var last: (domain: Int64, slot: Int) = (-1, -1)
        func slot(_ domain: Int64, create: Bool) -> Int? {
            if domain == last.domain { return last.slot }
            guard let i = slots[domain] ?? (create ? totals.count : nil) else { return nil }
            if i == totals.count {
                slots[domain] = i
                totals.append(DomainTotals(id: domain))
            }
            last = (domain, i)
            return i
        }
        try reader.eachRow(
            "rollup",
            """
            domain_id, organization_id, policy_type_id, result_type_id,
            successful_session_count, failed_session_count, policy_count
            """, filter, conditions: mainConditions, arguments: mainArgs
        ) { r in
            let i = slot(r[0], create: true)!
            if r[3] == sessionsRow {
                totals[i].addSessions(
                    organization: r[1], policyType: r[2], successful: r[4], failed: r[5], policies: r[6])
            } else {
                totals[i].resultTypes[r[3], default: 0] += r[5]
            }
        }
        let wantedResults = filter.resultTypes.isEmpty ? nil : try reader.ids(of: filter.resultTypes)
        try reader.eachRow(
            "mx_rollup", "domain_id, host_id, result_type_id, failed_session_count", filter, conditions: conditions,
            arguments: args
        ) { r in
            guard let i = slot(r[0], create: false), wantedResults?.contains(r[2]) ?? true else { return }
            totals[i].hosts[r[1], default: [:]][r[2], default: 0] += r[3]
        }
        try reader.eachRow(
            "mode_rollup", "domain_id, mode_id, policy_count", filter, conditions: conditions, arguments: args
        ) { r in
            guard let i = slot(r[0], create: false) else { return }
            totals[i].modes[r[1], default: 0] += r[2]
        }

        var out: [DomainSummary] = []
        out.reserveCapacity(totals.count)
        for t in totals {
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
                    failedSessionCount: counts.1)
            }.sorted { ($0.failedSessionCount, $1.organizationName) > ($1.failedSessionCount, $0.organizationName) }
            let hosts = try t.hosts.map { id, results in
                var named: [String: Int64] = [:]
                for (r, n) in results { named[try reader.text(r)] = n }
                return DomainSummary.MXHost(
                    hostname: try reader.text(id), failedSessionCount: results.values.reduce(0, +), resultTypes: named)
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
    var successful: Int64 = 0
    var failed: Int64 = 0
    var policies: Int64 = 0
    var policyTypes: [Int64: Int64] = [:]
    var resultTypes: [Int64: Int64] = [:]
    var reporters: [Int64: (Int64, Int64)] = [:]
    var hosts: [Int64: [Int64: Int64]] = [:]
    var modes: [Int64: Int64] = [:]

    mutating func addSessions(organization: Int64, policyType: Int64, successful: Int64, failed: Int64, policies: Int64)
    {
        self.successful += successful
        self.failed += failed
        self.policies += policies
        policyTypes[policyType, default: 0] += policies
        reporters[organization, default: (0, 0)].0 += successful
        reporters[organization, default: (0, 0)].1 += failed
    }
}
