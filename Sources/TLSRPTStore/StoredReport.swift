import Foundation
import TLSRPT

/// A stored report as a backend holds it, every column and every copy received: what
/// `tlsrpt copy-db` moves from one database to another without losing anything.
public struct StoredReport: Sendable {
    /// Its row id in the database it was read from (for paging; not copied).
    public var sourceID: Int64
    /// The report as its rows hold it now (a policy domain filled in by a later mail copy included).
    public var report: Report
    /// `begin`, `end` as received; `day` the UTC start day.
    public var begin: String
    public var end: String
    public var day: String
    public var contentHash: [UInt8]
    public var receivedAt: Int64
    public var source: String
    public var channel: String
    public var messageID: String?
    /// The first copy's verdict.
    public var dkim: StoredVerdict
    /// Whether any copy passed DKIM.
    public var dkimPass: Bool
    /// Per policy: policy strings, MX patterns and TLSA records as the JSON arrays stored.
    public var policyLists: [(strings: String, mx: String, tlsa: String)]
    /// The bytes as received, gzip.
    public var gzip: [UInt8]
    /// The later copies, in the order received.
    public var receipts: [StoredReceipt]

    /// Creates one from its parts.
    public init(
        sourceID: Int64, report: Report, begin: String, end: String, day: String, contentHash: [UInt8],
        receivedAt: Int64, source: String, channel: String, messageID: String?, dkim: StoredVerdict, dkimPass: Bool,
        policyLists: [(strings: String, mx: String, tlsa: String)], gzip: [UInt8], receipts: [StoredReceipt]
    ) {
        self.sourceID = sourceID
        self.report = report
        self.begin = begin
        self.end = end
        self.day = day
        self.contentHash = contentHash
        self.receivedAt = receivedAt
        self.source = source
        self.channel = channel
        self.messageID = messageID
        self.dkim = dkim
        self.dkimPass = dkimPass
        self.policyLists = policyLists
        self.gzip = gzip
        self.receipts = receipts
    }
}

/// A later copy of a stored report.
public struct StoredReceipt: Sendable {
    public var receivedAt: Int64
    public var source: String
    public var channel: String
    public var messageID: String?
    /// `duplicate` or `conflict`.
    public var outcome: String
    public var contentHash: [UInt8]
    /// A conflicting copy's bytes, gzip.
    public var conflictGzip: [UInt8]?
    public var dkim: StoredVerdict

    /// Creates one from its parts.
    public init(
        receivedAt: Int64, source: String, channel: String, messageID: String?, outcome: String, contentHash: [UInt8],
        conflictGzip: [UInt8]?, dkim: StoredVerdict
    ) {
        self.receivedAt = receivedAt
        self.source = source
        self.channel = channel
        self.messageID = messageID
        self.outcome = outcome
        self.contentHash = contentHash
        self.conflictGzip = conflictGzip
        self.dkim = dkim
    }
}

/// A stored rejected input, every column: the listing's and the bytes kept.
public struct StoredRejectedInput: Sendable, Equatable {
    /// The input as `rejected` lists it (`id`: its row id in the database it was read from).
    public var input: RejectedInput
    /// The bytes kept.
    public var bytes: [UInt8]?

    /// Creates one from its parts.
    public init(_ input: RejectedInput, bytes: [UInt8]?) {
        self.input = input
        self.bytes = bytes
    }
}

/// What one `insertCopies` call added.
public struct CopyTally: Sendable, Equatable {
    /// Reports added (with their copies received).
    public var reports = 0
    /// Reports already in the destination (left as they are).
    public var reportsPresent = 0
    /// Rejected inputs added.
    public var rejectedInputs = 0

    public init() {}
}

extension StoredReport {
    /// The report rebuilt from its columns: `lists` are the JSON arrays as stored, `policies`
    /// (type, domain, mode, successful, failed) and `details` per policy as stored.
    package static func rebuild(
        organizationName: String, contactInfo: String?, reporterDomain: String?, reportID: String,
        start: Timestamp, end: Timestamp,
        policies: [(
            type: String, domain: String, mode: String?, lists: (String, String, String), ok: Int64, failed: Int64
        )],
        details: [[FailureDetail]]
    ) -> Report {
        var report = Report(
            organizationName: organizationName, contactInfo: contactInfo, reportID: reportID, start: start, end: end,
            policies: policies.enumerated().map { i, p in
                Policy(
                    type: PolicyType(p.type), domain: p.domain, policyStrings: textList(p.lists.0),
                    stsMode: p.mode.map(STSMode.init), mxPatterns: textList(p.lists.1),
                    tlsaRecords: textList(p.lists.2),
                    successfulSessionCount: p.ok, failedSessionCount: p.failed,
                    failureDetails: i < details.count ? details[i] : [])
            })
        report.reporterDomain = reporterDomain
        return report
    }

    /// A stored JSON array of strings.
    static func textList(_ json: String) -> [String] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String] ?? []
    }
}
