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
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let c = ReportFilter.inList("policy_domain", filter.domains) {
            conditions.append(c)
            args += filter.domains
        }
        var mainConditions = conditions
        var mainArgs = args
        if let c = ReportFilter.inList("organization_name", filter.reporters, collateNoCase: true) {
            mainConditions.append(c)
            mainArgs += filter.reporters
        }
        var byDomain: [String: DomainSummary] = [:]
        var reporters: [String: [String: (Int64, Int64)]] = [:]
        try filter.eachRollupRow(
            db, table: "rollup",
            columns: """
                policy_domain, organization_name, policy_type, result_type,
                SUM(successful_session_count), SUM(failed_session_count), SUM(policy_count)
                """,
            groupBy: "policy_domain, organization_name, policy_type, result_type", conditions: mainConditions,
            arguments: mainArgs
        ) { row in
            let domain: String = row[0]
            let org: String = row[1]
            let type: String = row[2]
            let result: String = row[3]
            let ok: Int64 = row[4]
            let failed: Int64 = row[5]
            let n: Int64 = row[6]
            var s = byDomain[domain] ?? DomainSummary(policyDomain: domain)
            if result.isEmpty {
                s.successfulSessionCount += ok
                s.failedSessionCount += failed
                s.policyTypes[type, default: 0] += n
                s.policyCount += n
                var r = reporters[domain, default: [:]][org] ?? (0, 0)
                r.0 += ok
                r.1 += failed
                reporters[domain, default: [:]][org] = r
            } else {
                s.resultTypes[result, default: 0] += failed
            }
            byDomain[domain] = s
        }
        for (domain, orgs) in reporters {
            byDomain[domain]?.reporters = orgs.map {
                DomainSummary.Reporter(
                    organizationName: $0.key, successfulSessionCount: $0.value.0, failedSessionCount: $0.value.1)
            }.sorted { ($0.failedSessionCount, $1.organizationName) > ($1.failedSessionCount, $0.organizationName) }
        }

        // Top failing MX hosts.
        var hosts: [String: [String: [String: Int64]]] = [:]
        try filter.eachRollupRow(
            db, table: "mx_rollup",
            columns: "policy_domain, receiving_mx_hostname, result_type, SUM(failed_session_count)",
            groupBy: "policy_domain, receiving_mx_hostname, result_type", conditions: conditions, arguments: args
        ) { row in
            let domain: String = row[0]
            let host: String = row[1]
            let result: String = row[2]
            let n: Int64 = row[3]
            if !filter.resultTypes.isEmpty && !filter.resultTypes.contains(result) { return }
            hosts[domain, default: [:]][host, default: [:]][result, default: 0] += n
        }
        for (domain, hostMap) in hosts {
            let list = hostMap.map { host, results in
                DomainSummary.MXHost(
                    hostname: host, failedSessionCount: results.values.reduce(0, +), resultTypes: results)
            }.sorted { ($0.failedSessionCount, $1.hostname) > ($1.failedSessionCount, $0.hostname) }
            byDomain[domain]?.mxHosts = Array(list.prefix(topHosts))
        }

        // MTA-STS modes.
        try filter.eachRollupRow(
            db, table: "mode_rollup", columns: "policy_domain, sts_mode, SUM(policy_count)",
            groupBy: "policy_domain, sts_mode", conditions: conditions, arguments: args
        ) { row in
            let domain: String = row[0]
            let mode: String = row[1]
            let n: Int64 = row[2]
            byDomain[domain]?.stsModes[mode, default: 0] += n
        }

        var out = Array(byDomain.values)
        if !filter.resultTypes.isEmpty {
            out = out.compactMap { s in
                var s = s
                s.resultTypes = s.resultTypes.filter { filter.resultTypes.contains($0.key) }
                return s.resultTypes.isEmpty ? nil : s
            }
        }
        return out.sorted { $0.policyDomain < $1.policyDomain }
    }
}
