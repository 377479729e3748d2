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
        /// Its reports (for this domain) of which a copy came in a mail with a passing DKIM
        /// signature (RFC 8460 §3).
        public var dkimPassReports: Int64
        public init(
            organizationName: String, successfulSessionCount: Int64, failedSessionCount: Int64,
            dkimPassReports: Int64 = 0
        ) {
            self.organizationName = organizationName
            self.successfulSessionCount = successfulSessionCount
            self.failedSessionCount = failedSessionCount
            self.dkimPassReports = dkimPassReports
        }
    }

    /// One receiving MX host's failures.
    public struct MXHost: Sendable, Equatable {
        public var hostname: String
        public var failedSessionCount: Int64
        public var resultTypes: [String: Int64]

        /// Creates it from its parts.
        package init(hostname: String, failedSessionCount: Int64, resultTypes: [String: Int64]) {
            self.hostname = hostname
            self.failedSessionCount = failedSessionCount
            self.resultTypes = resultTypes
        }
    }

    /// All sessions.
    public var totalSessionCount: Int64 { successfulSessionCount.saturatingAdd(failedSessionCount) }

    /// Successful share of all sessions, 0…1 (1 when there were none).
    public var successRate: Double {
        totalSessionCount == 0 ? 1 : Double(successfulSessionCount) / Double(totalSessionCount)
    }
}
