import TLSRPT

/// What an ingest did, counted.
public struct IngestTally: Sendable, Equatable, CustomStringConvertible {
    /// Reports stored for the first time.
    public var stored = 0
    /// Copies of reports already stored, with the same content (retries, double delivery).
    public var duplicates = 0
    /// Copies of stored reports whose content differs (recorded, not stored over the first).
    public var conflicts = 0
    /// Inputs or payloads that held no valid report.
    public var rejected = 0
    /// Messages inside a mbox or Maildir without a report.
    public var withoutReport = 0

    public init() {}

    /// Adds `other`'s counts to these.
    public mutating func add(_ other: IngestTally) {
        stored += other.stored
        duplicates += other.duplicates
        conflicts += other.conflicts
        rejected += other.rejected
        withoutReport += other.withoutReport
    }

    public var description: String {
        "\(stored) stored, \(duplicates) duplicate(s), \(conflicts) conflict(s), \(rejected) rejected, \(withoutReport) message(s) without a report"
    }
}

/// The result of one item, for callers that answer per item (the HTTPS receiver).
public enum IngestOutcome: String, Sendable {
    case stored, duplicate, conflict, rejected, skipped
}

/// One thing to store, as the store sees it — whatever input it came from (the ingest pipeline
/// makes these from what it read): a report copy, a rejected input, or a message that held no
/// report. What can be computed before the transaction is computed when it is made, on the
/// reading side: the content hash, the gzip of the bytes to keep and the texts of the rows
/// (dates, JSON lists), so the writer — the slower side — holds the database lock only for SQL.
public struct StoreItem: Sendable {
    /// What the item is.
    public enum Kind: Sendable {
        /// A valid report.
        case report(Report)
        /// An input (or payload) that held no valid report, with the reason and its bytes.
        case rejected(ReportError, bytes: [UInt8]?)
        /// A mail message with no report in it: counted, not stored.
        case messageWithoutReport
    }

    /// What the item is.
    public var kind: Kind
    /// Where it came from (a path, a path and a part, a URL), as recorded.
    public var source: String
    /// How it arrived: `file`, `mail` or `https`.
    public var channel: String
    /// The carrying mail's `Message-ID`, for a report from a mail.
    public var messageID: String?
    /// The copy's DKIM verdict as stored.
    public var dkim: StoredVerdict
    /// The SHA-256 of the report's normalized content (`contentHash`).
    package var hash: [UInt8] = []
    /// The report's bytes as kept: gzip.
    package var gzip: [UInt8] = []
    package var begin = ""
    package var end = ""
    package var day = ""
    /// Per policy: policy strings, MX patterns and TLSA records as JSON arrays.
    package var policyLists: [(strings: String, mx: String, tlsa: String)] = []

    /// A report copy: `bytes` as received (gzip is kept as it is, anything else gzipped).
    public static func report(
        _ report: Report, bytes: [UInt8], source: String, channel: String, messageID: String?,
        dkim: StoredVerdict
    ) -> StoreItem {
        var item = StoreItem(
            kind: .report(report), source: source, channel: channel, messageID: messageID, dkim: dkim)
        item.hash = contentHash(of: report)
        item.gzip = ReportDecoder.sniff(bytes) == .gzip ? bytes : Gzip.compress(bytes)
        item.begin = report.start.rfc3339
        item.end = report.end.rfc3339
        item.day = report.day.description
        item.policyLists = report.policies.map { p in
            (jsonArray(p.policyStrings), jsonArray(p.mxPatterns), jsonArray(p.tlsaRecords))
        }
        return item
    }

    /// A rejected input: why, and its bytes when there were any.
    public static func rejected(_ error: ReportError, bytes: [UInt8]?, source: String, channel: String) -> StoreItem {
        StoreItem(
            kind: .rejected(error, bytes: bytes), source: source, channel: channel, messageID: nil,
            dkim: StoredVerdict())
    }

    /// A mail message without a report.
    public static func messageWithoutReport(source: String) -> StoreItem {
        StoreItem(kind: .messageWithoutReport, source: source, channel: "mail", messageID: nil, dkim: StoredVerdict())
    }

    private init(kind: Kind, source: String, channel: String, messageID: String?, dkim: StoredVerdict) {
        self.kind = kind
        self.source = source
        self.channel = channel
        self.messageID = messageID
        self.dkim = dkim
    }

    /// Largest part of a rejected input's bytes that is kept.
    public static let rejectedBytesCap = 1_000_000

    /// A rejected input's bytes as kept: up to `rejectedBytesCap`, except for a report refused
    /// for its DKIM verdict, which keeps its whole mail so that it can be ingested again.
    package var keptRejectedBytes: [UInt8]? {
        guard case .rejected(let error, let bytes) = kind else { return nil }
        let cap = error.kind == .dkim ? Int.max : Self.rejectedBytesCap
        return bytes.map { Array($0.prefix(cap)) }
    }

    /// The report, when the item is one.
    public var report: Report? {
        if case .report(let r) = kind { return r }
        return nil
    }
}

/// A copy's DKIM verdict as its columns hold it (`StoreSchema.v4`): `n/a` for what did not come
/// by mail (HTTPS, report files: nothing to verify), nothing for mail that was not checked
/// (`--dkim off`).
public struct StoredVerdict: Sendable {
    /// `pass`, `fail`, `none`, `temperror`, `n/a`; nil when not checked.
    public var name: String?
    /// The passing signature's d=.
    public var domain: String?
    /// The passing signature's s=.
    public var selector: String?
    /// Why it failed, or why DNS did not answer.
    public var reason: String?
    /// Whether the verdict is a pass.
    public var isPass = false

    /// Not checked.
    public init() {}

    /// A verdict with its parts.
    public init(name: String?, domain: String? = nil, selector: String? = nil, reason: String? = nil) {
        self.name = name
        self.domain = domain
        self.selector = selector
        self.reason = reason
        isPass = name == "pass"
    }

    /// Nothing to verify: the copy did not come by mail.
    public static let notApplicable = StoredVerdict(name: "n/a")
}
