import Crypto
import Foundation
import GRDB
import TLSRPT
import TLSRPTMail

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

    public var description: String {
        "\(stored) stored, \(duplicates) duplicate(s), \(conflicts) conflict(s), \(rejected) rejected, \(withoutReport) message(s) without a report"
    }
}

/// The result of one item, for callers that answer per item (the HTTPS receiver).
public enum IngestOutcome: String, Sendable {
    case stored, duplicate, conflict, rejected, skipped
}

/// Writes extracted items to the store in batches: one transaction (and one fsync) per batch,
/// so a crash loses at most the batch in flight and running the same ingest again completes it
/// (duplicates are recognised, never stored twice).
public final class IngestSession {
    let store: ReportStore
    /// Items per transaction.
    public let batchSize: Int
    private var pending: [ExtractedItem] = []
    /// Running totals of what has been committed.
    public private(set) var tally = IngestTally()
    private let now: () -> Int64

    /// Largest part of a rejected input's bytes that is kept.
    public static let rejectedBytesCap = 1_000_000

    /// Creates a session writing to `store`.
    public init(
        store: ReportStore, batchSize: Int = 1000, now: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.now = now
    }

    /// Queues an item; commits when the batch is full.
    public func add(_ item: ExtractedItem) throws {
        pending.append(item)
        if pending.count >= batchSize { try flush() }
    }

    /// Commits what is queued. Returns the outcome of each item, in order.
    @discardableResult
    public func flush() throws -> [IngestOutcome] {
        guard !pending.isEmpty else { return [] }
        let items = pending
        let receivedAt = now()
        let (outcomes, delta) = try store.write { db -> ([IngestOutcome], IngestTally) in
            var writer = BatchWriter(db: db, receivedAt: receivedAt)
            var outcomes: [IngestOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(try writer.write(item)) }
            try writer.applyRollups()
            return (outcomes, writer.tally)
        }
        pending.removeAll(keepingCapacity: true)
        tally.stored += delta.stored
        tally.duplicates += delta.duplicates
        tally.conflicts += delta.conflicts
        tally.rejected += delta.rejected
        tally.withoutReport += delta.withoutReport
        return outcomes
    }
}

/// The SHA-256 of a report's canonical form (compact JSON, policy domains from mail headers left
/// out): equal for two copies of one report however they arrived.
public func contentHash(of report: Report) -> [UInt8] {
    let canonical = ReportEncoder(pretty: false, includeHeaderDomains: false).encode(report)
    return Array(SHA256.hash(data: Array(canonical.utf8)))
}

/// Writes the items of one transaction and gathers their rollup changes.
struct BatchWriter {
    let db: Database
    let receivedAt: Int64
    var tally = IngestTally()
    var rollups = RollupDelta()

    init(db: Database, receivedAt: Int64) {
        self.db = db
        self.receivedAt = receivedAt
    }

    mutating func write(_ item: ExtractedItem) throws -> IngestOutcome {
        switch item {
        case .report(let report, let payload):
            return try writeReport(report, payload)
        case .rejected(let provenance, let error, let bytes, let channel):
            tally.rejected += 1
            let kept = bytes.map { Array($0.prefix(IngestSession.rejectedBytesCap)) }
            try db.cachedStatement(
                sql: """
                    INSERT INTO rejected_inputs (received_at, source, channel, kind, json_path, reason, byte_count, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                receivedAt, provenance.description, channel.rawValue, error.kind.rawValue, error.pathString,
                error.description, bytes?.count ?? 0, kept.map { Data($0) },
            ])
            return .rejected
        case .messageWithoutReport:
            tally.withoutReport += 1
            return .skipped
        }
    }

    private mutating func writeReport(_ report: Report, _ payload: Payload) throws -> IngestOutcome {
        let hash = Data(contentHash(of: report))
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO reports (organization_name, report_id, begin, "end", begin_seconds, begin_nanos,
                    end_seconds, end_nanos, day, contact_info, reporter_domain, content_hash, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
        try insert.execute(arguments: [
            report.organizationName, report.reportID, report.start.rfc3339, report.end.rfc3339, report.start.seconds,
            report.start.nanoseconds, report.end.seconds, report.end.nanoseconds, report.day.description,
            report.contactInfo, report.reporterDomain, hash, receivedAt,
        ])
        if db.changesCount == 0 {
            // Already stored: a retry or a second delivery, or a different report under the
            // same identity (a conflict, kept with its bytes for a human to look at).
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id, content_hash FROM reports WHERE organization_name = ? AND report_id = ?
                        AND begin_seconds = ? AND begin_nanos = ? AND end_seconds = ? AND end_nanos = ?
                        """),
                arguments: [
                    report.organizationName, report.reportID, report.start.seconds, report.start.nanoseconds,
                    report.end.seconds, report.end.nanoseconds,
                ])!
            let existingHash: Data = row["content_hash"]
            let conflict = existingHash != hash
            try receipt(
                reportRef: row["id"], payload, outcome: conflict ? "conflict" : "duplicate", hash: hash,
                conflictBytes: conflict ? gzipped(payload.bytes) : nil)
            if conflict {
                tally.conflicts += 1
                return .conflict
            }
            tally.duplicates += 1
            return .duplicate
        }
        let reportRef = db.lastInsertedRowID
        let policyInsert = try db.cachedStatement(
            sql: """
                INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings, sts_mode,
                    mx_patterns, tlsa_records, successful_session_count, failed_session_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let detailInsert = try db.cachedStatement(
            sql: """
                INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip, receiving_mx_hostname,
                    receiving_mx_helo, receiving_ip, failed_session_count, additional_information, failure_reason_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (i, p) in report.policies.enumerated() {
            try policyInsert.execute(arguments: [
                reportRef, i, p.type.rawValue, p.domain, jsonArray(p.policyStrings), p.stsMode?.rawValue,
                jsonArray(p.mxPatterns), jsonArray(p.tlsaRecords), p.successfulSessionCount, p.failedSessionCount,
            ])
            let policyRef = db.lastInsertedRowID
            for (j, d) in p.failureDetails.enumerated() {
                try detailInsert.execute(arguments: [
                    policyRef, j, d.resultType.rawValue, d.sendingMTAIP, d.receivingMXHostname, d.receivingMXHelo,
                    d.receivingIP, d.failedSessionCount, d.additionalInformation, d.failureReasonCode,
                ])
            }
            rollups.add(p, of: report)
        }
        try db.cachedStatement(sql: "INSERT INTO raw_reports (report_ref, gzip) VALUES (?, ?)").execute(arguments: [
            reportRef, Data(gzipped(payload.bytes)),
        ])
        try receipt(reportRef: reportRef, payload, outcome: "stored", hash: hash, conflictBytes: nil)
        tally.stored += 1
        return .stored
    }

    private func receipt(reportRef: Int64, _ payload: Payload, outcome: String, hash: Data, conflictBytes: [UInt8]?)
        throws
    {
        try db.cachedStatement(
            sql: """
                INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome, content_hash, conflict_gzip)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            reportRef, receivedAt, payload.provenance.description, payload.channel.rawValue, payload.mail?.messageID,
            outcome, hash, conflictBytes.map { Data($0) },
        ])
    }

    /// The bytes gzip-compressed (as they are when they arrived gzipped).
    private func gzipped(_ bytes: [UInt8]) -> [UInt8] {
        ReportDecoder.sniff(bytes) == .gzip ? bytes : Gzip.compress(bytes)
    }

    func applyRollups() throws {
        try rollups.apply(db)
    }
}

func jsonArray(_ items: [String]) -> String {
    let w = JSONWriter(pretty: false)
    w.array(items) { w.string($0) }
    return w.output
}
