import TLSRPT

/// One stored report as a list shows it (the dashboard's `/reports`): who sent it, for which
/// day and domains, its session totals and the result types it names.
public struct ReportListing: Sendable, Equatable {
    /// Its row id (`/reports/ID`).
    public var id: Int64
    public var organizationName: String
    public var reportID: String
    /// The UTC day of its start.
    public var day: String
    /// Policy domains of its policies, sorted, each once.
    public var domains: [String]
    public var successfulSessionCount: Int64
    public var failedSessionCount: Int64
    /// Result types of its failure details, sorted, each once.
    public var resultTypes: [String]
    /// Whether a copy came in a mail with a passing DKIM signature.
    public var dkimPass: Bool

    /// Creates one from its parts.
    public init(
        id: Int64, organizationName: String, reportID: String, day: String, domains: [String],
        successfulSessionCount: Int64, failedSessionCount: Int64, resultTypes: [String], dkimPass: Bool
    ) {
        self.id = id
        self.organizationName = organizationName
        self.reportID = reportID
        self.day = day
        self.domains = domains
        self.successfulSessionCount = successfulSessionCount
        self.failedSessionCount = failedSessionCount
        self.resultTypes = resultTypes
        self.dkimPass = dkimPass
    }
}

/// One page of a report list: the reports a filter selects, newest day first.
public struct ReportListPage: Sendable, Equatable {
    /// How many reports the filter selects in all.
    public var total: Int
    /// The page's reports.
    public var reports: [ReportListing]

    /// Creates one from its parts.
    public init(total: Int, reports: [ReportListing]) {
        self.total = total
        self.reports = reports
    }
}

/// A policy as senders applied it to a domain (the dashboard's "policies seen"): one entry per
/// distinct type, mode, MX patterns and policy strings, with how many report policies carried it.
public struct PolicySeen: Sendable, Equatable {
    public var policyType: String
    public var stsMode: String?
    public var mxPatterns: [String]
    public var policyStrings: [String]
    /// Report policies that carried it.
    public var policyCount: Int64
    /// Sending organizations that applied it, sorted.
    public var reporters: [String]
    /// First and last UTC day it was seen.
    public var firstDay: String
    public var lastDay: String

    /// Creates one from its parts.
    public init(
        policyType: String, stsMode: String?, mxPatterns: [String], policyStrings: [String], policyCount: Int64,
        reporters: [String], firstDay: String, lastDay: String
    ) {
        self.policyType = policyType
        self.stsMode = stsMode
        self.mxPatterns = mxPatterns
        self.policyStrings = policyStrings
        self.policyCount = policyCount
        self.reporters = reporters
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// Entries made from rows grouped by (type, mode, MX patterns JSON, policy strings JSON,
    /// organization) with their policy count and first and last day; merged per policy and
    /// sorted the same way for every backend (most policies first, then the latest seen).
    package static func grouped(
        _ rows: [(
            type: String, mode: String?, mx: String, strings: String, organization: String, count: Int64,
            firstDay: String, lastDay: String
        )]
    ) -> [PolicySeen] {
        struct Key: Hashable {
            var type: String
            var mode: String?
            var mx: String
            var strings: String
        }
        var byKey: [Key: PolicySeen] = [:]
        var reporters: [Key: Set<String>] = [:]
        for row in rows {
            let key = Key(type: row.type, mode: row.mode, mx: row.mx, strings: row.strings)
            reporters[key, default: []].insert(row.organization)
            if var seen = byKey[key] {
                seen.policyCount.saturate(adding: row.count)
                seen.firstDay = min(seen.firstDay, row.firstDay)
                seen.lastDay = max(seen.lastDay, row.lastDay)
                byKey[key] = seen
            } else {
                byKey[key] = PolicySeen(
                    policyType: row.type, stsMode: row.mode, mxPatterns: StoredReport.textList(row.mx),
                    policyStrings: StoredReport.textList(row.strings), policyCount: row.count, reporters: [],
                    firstDay: row.firstDay, lastDay: row.lastDay)
            }
        }
        return byKey.map { key, seen in
            var seen = seen
            seen.reporters = reporters[key, default: []].sorted()
            return (key, seen)
        }.sorted { a, b in
            if a.1.policyCount != b.1.policyCount { return a.1.policyCount > b.1.policyCount }
            if a.1.lastDay != b.1.lastDay { return a.1.lastDay > b.1.lastDay }
            return (a.0.type, a.0.mode ?? "", a.0.mx, a.0.strings) < (b.0.type, b.0.mode ?? "", b.0.mx, b.0.strings)
        }.map(\.1)
    }
}
