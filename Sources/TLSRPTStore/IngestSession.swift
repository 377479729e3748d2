import Crypto
import Foundation
import GRDB
import Synchronization
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
///
/// With `pipelined`, a full batch is committed on a writer thread while the caller goes on
/// reading and parsing the next ones (at most two batches queued): bulk ingest uses every core.
public final class IngestSession: @unchecked Sendable {
    let store: ReportStore
    /// Items per transaction.
    public let batchSize: Int
    /// Payload bytes per transaction: a batch also closes once its reports' bytes reach this,
    /// so a batch of large reports stays small in memory.
    public let batchBytes: Int
    private var pendingBytes = 0
    /// Batches handed to the writer so far.
    private var batchesStarted = 0

    /// The size of the batch being gathered: pipelined, the first batches are small (500, then
    /// doubling up to `batchSize`) so the writer starts early instead of waiting for a whole
    /// batch to be parsed; it is the slower side, so it should never idle.
    private var currentBatchLimit: Int {
        Self.batchLimit(started: batchesStarted, batchSize: batchSize, pipelined: pipelined)
    }

    static func batchLimit(started: Int, batchSize: Int, pipelined: Bool) -> Int {
        guard pipelined, started < 8 else { return batchSize }
        return min(batchSize, 500 << started)
    }
    private let pipelined: Bool
    /// Pipelined, the WAL is checkpointed on a thread of its own while batches are written.
    private var checkpointer: BackgroundCheckpointer?
    private var pending: [PreparedItem] = []
    /// The rollup changes of the reports in `pending`, gathered as they are queued.
    /// (Not a lazy property: mutating one goes through a getter and a setter, copying the
    /// tables on every report.)
    private var pendingRollups: RollupDelta
    private let now: @Sendable () -> Int64
    private let writer = DispatchQueue(label: "tlsrpt.ingest.writer")
    /// Batches that may be queued for the writer at once: two, so the reading side can fill
    /// the next batch while the writer is still on the last one and it never waits for a
    /// batch to be handed over.
    private let slot = DispatchSemaphore(value: IngestSession.batchesInFlight)
    static let batchesInFlight = 2
    private let state = Mutex<(tally: IngestTally, error: (any Error)?)>((IngestTally(), nil))

    /// Running totals of what has been committed.
    public var tally: IngestTally { state.withLock { $0.tally } }

    /// Largest part of a rejected input's bytes that is kept.
    public static let rejectedBytesCap = 1_000_000

    /// Creates a session writing to `store`.
    public init(
        store: ReportStore, batchSize: Int = 5000, batchBytes: Int = 32_000_000, pipelined: Bool = false,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.batchBytes = max(1, batchBytes)
        self.pipelined = pipelined
        self.now = now
        pendingRollups = Self.delta(
            forBatch: Self.batchLimit(started: 0, batchSize: self.batchSize, pipelined: pipelined),
            pipelined: pipelined)
    }

    /// An empty delta for the next batch.
    private func newDelta() -> RollupDelta {
        Self.delta(forBatch: currentBatchLimit, pipelined: pipelined)
    }

    /// An empty delta sized for a batch of `limit` reports: a pipelined (bulk) batch gathers
    /// thousands of keys, so its tables start large (growing them from 64 entries took 1 % of
    /// a bulk ingest), but no larger than that batch needs — the first batches are small, and
    /// an ingest of one file (a mail piped to `tlsrpt ingest -`) spent a fifth of its 30 ms
    /// clearing tables sized for 5,000 reports.
    static func delta(forBatch limit: Int, pipelined: Bool) -> RollupDelta {
        RollupDelta(capacity: pipelined ? min(limit, 10_000) * 2 : 64)
    }

    /// A session dropped without `flush` (an ingest that failed) stops its checkpoint thread.
    deinit { checkpointer?.stop() }

    /// Queues an item; commits when the batch is full.
    public func add(_ item: ExtractedItem) throws {
        try add(prepared: PreparedItem(item))
    }

    /// Queues an item whose rows are already prepared (on any thread: `ingest(_:with:)`).
    func add(prepared: PreparedItem) throws {
        pending.append(prepared)
        if case .report(let report, let payload) = prepared.item {
            pendingRollups.add(report, dkimPass: prepared.dkim.isPass)
            pendingBytes += payload.bytes.count
        }
        guard pending.count >= currentBatchLimit || pendingBytes >= batchBytes else { return }
        pendingBytes = 0
        batchesStarted += 1
        if pipelined {
            if checkpointer == nil { checkpointer = BackgroundCheckpointer(store: store) }
            let batch = pending
            let rollups = pendingRollups
            pending.removeAll(keepingCapacity: true)
            pendingRollups = newDelta()
            slot.wait()
            if let error = state.withLock({ $0.error }) {
                slot.signal()
                throw error
            }
            writer.async { [self] in
                // After a failed batch the ones queued behind it are not written either: the
                // ingest stops there, and running it again completes it.
                guard state.withLock({ $0.error == nil }) else {
                    slot.signal()
                    return
                }
                do {
                    _ = try commit(batch, rollups)
                } catch {
                    state.withLock { $0.error = error }
                }
                slot.signal()
            }
        } else {
            try flush()
        }
    }

    /// Waits for the batches in flight, then commits what is queued (and stops the background
    /// checkpoints of a pipelined session). Returns the outcome of each queued item, in order.
    @discardableResult
    public func flush() throws -> [IngestOutcome] {
        defer {
            checkpointer?.stop()
            checkpointer = nil
        }
        return try commitQueued()
    }

    /// `flush`, with `position` written in the same transaction as the queued items: the
    /// input's position and the reports it covers are committed together or not at all.
    @discardableResult
    public func flush(recording position: InputPosition) throws -> [IngestOutcome] {
        defer {
            checkpointer?.stop()
            checkpointer = nil
        }
        return try commitQueued(position: position)
    }

    /// Waits for the batches in flight, then commits what is queued now, however few: for input
    /// that has gone quiet (`ingest(_:with:commitWithin:)`). The session goes on taking items.
    @discardableResult
    func commitQueued(position: InputPosition? = nil) throws -> [IngestOutcome] {
        // The writer's queue is serial: once an empty block has run, every batch before it has.
        writer.sync {}
        if let error = state.withLock({ $0.error }) { throw error }
        guard !pending.isEmpty || position != nil else { return [] }
        let outcomes = try commit(pending, pendingRollups, position: position)
        pending.removeAll(keepingCapacity: true)
        pendingRollups = newDelta()
        pendingBytes = 0
        return outcomes
    }

    private func commit(_ items: [PreparedItem], _ rollups: RollupDelta, position: InputPosition? = nil) throws
        -> [IngestOutcome]
    {
        let receivedAt = now()
        let known = store.rollupTextIDs.withLock { $0 }
        let (outcomes, delta, newIDs) = try store.write { db -> ([IngestOutcome], IngestTally, [String: Int64]) in
            var writer = BatchWriter(db: db, receivedAt: receivedAt, rollups: rollups)
            var outcomes: [IngestOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(try writer.write(item)) }
            let newIDs = try writer.applyRollups(known: known)
            if let position { try ReportStore.record(position, db, at: receivedAt) }
            return (outcomes, writer.tally, newIDs)
        }
        if !newIDs.isEmpty { store.rollupTextIDs.withLock { $0.merge(newIDs) { a, _ in a } } }
        state.withLock { s in
            s.tally.stored += delta.stored
            s.tally.duplicates += delta.duplicates
            s.tally.conflicts += delta.conflicts
            s.tally.rejected += delta.rejected
            s.tally.withoutReport += delta.withoutReport
        }
        return outcomes
    }
}

/// An item with what can be computed before the transaction, on the reading thread: the content
/// hash, the gzip of the bytes to keep and the texts of the rows (dates, JSON lists, the source),
/// so the writer — the slower side — holds the database lock only for SQL.
struct PreparedItem: Sendable {
    var item: ExtractedItem
    var hash: [UInt8] = []
    var gzip: [UInt8] = []
    var begin = ""
    var end = ""
    var day = ""
    var source = ""
    /// Per policy: policy strings, MX patterns and TLSA records as JSON arrays.
    var policyLists: [(strings: String, mx: String, tlsa: String)] = []
    /// The copy's DKIM verdict as stored (`StoreSchema.v4`).
    var dkim = StoredVerdict()

    init(_ item: ExtractedItem) {
        self.item = item
        if case .report(let report, let payload) = item {
            hash = contentHash(of: report)
            gzip = ReportDecoder.sniff(payload.bytes) == .gzip ? payload.bytes : Gzip.compress(payload.bytes)
            begin = report.start.rfc3339
            end = report.end.rfc3339
            day = report.day.description
            source = payload.provenance.description
            policyLists = report.policies.map { p in
                (jsonArray(p.policyStrings), jsonArray(p.mxPatterns), jsonArray(p.tlsaRecords))
            }
            dkim = StoredVerdict(payload)
        }
    }
}

/// A copy's DKIM verdict as its columns hold it: `n/a` for what did not come by mail (HTTPS,
/// report files: nothing to verify), nothing for mail that was not checked (`--dkim off`).
struct StoredVerdict: Sendable {
    var name: String?
    var domain: String?
    var selector: String?
    var reason: String?
    var isPass = false

    init() {}

    init(_ payload: Payload) {
        guard payload.channel == .mail else {
            name = "n/a"
            return
        }
        guard let verdict = payload.dkim else { return }
        name = verdict.name
        switch verdict {
        case .pass(let d, let s):
            domain = d
            selector = s
            isPass = true
        case .fail(let why), .temperror(let why):
            reason = why
        case .none:
            break
        }
    }
}

/// The SHA-256 of a report's normalized content, equal for two copies of one report however
/// they arrived (a policy domain taken from a mail header counts as absent, as in the JSON).
/// Every field is fed length-prefixed, so no two different reports share an input.
///
/// The input is gathered in one buffer and hashed at once: fed to the hasher field by field
/// (~40 calls per report, each with its own checks), hashing took 7 % of a bulk ingest's CPU.
/// The bytes hashed are the same, so stored hashes stay valid (`contentHashIsStable`).
public func contentHash(of report: Report) -> [UInt8] {
    var input = HashInput()
    input.text(report.organizationName)
    input.text(report.contactInfo)
    input.text(report.reportID)
    input.int(report.start.seconds)
    input.int(Int64(report.start.nanoseconds))
    input.int(report.end.seconds)
    input.int(Int64(report.end.nanoseconds))
    input.int(Int64(report.policies.count))
    for p in report.policies {
        input.text(p.type.rawValue)
        input.text(p.domainFromMailHeader ? "" : p.domain)
        input.list(p.policyStrings)
        input.list(p.mxPatterns)
        input.int(p.successfulSessionCount)
        input.int(p.failedSessionCount)
        input.int(Int64(p.failureDetails.count))
        for d in p.failureDetails { d.fields(into: &input) }
    }
    return Array(SHA256.hash(data: input.bytes))
}

/// Where a failure detail's fields go, in one order: the content hash and the
/// `failure_details` row.
protocol FieldSink {
    mutating func text(_ s: String?)
    mutating func int(_ v: Int64)
}

extension FailureDetail {
    /// Gives `sink` the fields: result type, sending MTA IP, receiving MX host name and HELO,
    /// receiving IP, failed sessions, additional information, failure reason code.
    func fields<Sink: FieldSink>(into sink: inout Sink) {
        sink.text(resultType.rawValue)
        sink.text(sendingMTAIP)
        sink.text(receivingMXHostname)
        sink.text(receivingMXHelo)
        sink.text(receivingIP)
        sink.int(failedSessionCount)
        sink.text(additionalInformation)
        sink.text(failureReasonCode)
    }
}

extension FastInsert.Binder: FieldSink {}

/// The bytes `contentHash` hashes. (A struct with mutating methods rather than closures over a
/// local array: captured, the array was boxed and every append checked for exclusive access at
/// run time.)
private struct HashInput: FieldSink {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    /// A text: 0 when absent, else 1, its UTF-8 length (8 bytes, little endian) and bytes.
    mutating func text(_ s: String?) {
        guard var s else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        s.withUTF8 { p in
            int(Int64(p.count))
            bytes.append(contentsOf: p)
        }
    }

    /// A number: 8 bytes, little endian.
    mutating func int(_ n: Int64) {
        withUnsafeBytes(of: n.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A list: its count, then each text.
    mutating func list(_ items: [String]) {
        int(Int64(items.count))
        for i in items { text(i) }
    }
}

/// Writes the items of one transaction and gathers their rollup changes.
struct BatchWriter {
    let db: Database
    let receivedAt: Int64
    var tally = IngestTally()
    /// The rollup changes of every report in the batch; a report found already stored has its
    /// share taken back.
    var rollups: RollupDelta
    /// Days whose rollups must be recomputed for these domains (a stored report learned the
    /// domain of a policy; the empty domain lost it).
    var upgradedDays: [String: Set<String>] = [:]

    /// The batch's insert statements, made on first use (looking a statement up by its SQL
    /// text hashed that text, four times per report).
    private var reportInsert: FastInsert?
    private var policyInsert: FastInsert?
    private var detailInsert: FastInsert?
    private var rawInsert: FastInsert?

    static let reportSQL = """
        INSERT INTO reports (organization_name, report_id, begin, "end", begin_seconds, begin_nanos,
            end_seconds, end_nanos, day, contact_info, reporter_domain, content_hash, received_at,
            source, channel, message_id, dkim, dkim_domain, dkim_selector, dkim_reason, dkim_pass)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """
    static let policySQL = """
        INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings, sts_mode,
            mx_patterns, tlsa_records, successful_session_count, failed_session_count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let detailSQL = """
        INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip, receiving_mx_hostname,
            receiving_mx_helo, receiving_ip, failed_session_count, additional_information, failure_reason_code)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private mutating func statement(_ slot: WritableKeyPath<BatchWriter, FastInsert?>, _ sql: String) throws
        -> FastInsert
    {
        if let made = self[keyPath: slot] { return made }
        let made = try FastInsert(db, sql)
        self[keyPath: slot] = made
        return made
    }

    init(db: Database, receivedAt: Int64, rollups: RollupDelta) {
        self.db = db
        self.receivedAt = receivedAt
        self.rollups = rollups
    }

    mutating func write(_ prepared: PreparedItem) throws -> IngestOutcome {
        switch prepared.item {
        case .report(let report, let payload):
            return try writeReport(report, payload, prepared)
        case .rejected(let provenance, let error, let bytes, let channel):
            tally.rejected += 1
            // A report refused for its DKIM verdict keeps its whole mail (at most the mail cap),
            // so that it can be ingested again; other rejected bytes are kept up to the cap.
            let cap = error.kind == .dkim ? Int.max : IngestSession.rejectedBytesCap
            let kept = bytes.map { Array($0.prefix(cap)) }
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

    private mutating func writeReport(_ report: Report, _ payload: Payload, _ prepared: PreparedItem) throws
        -> IngestOutcome
    {
        let insert = try statement(\.reportInsert, Self.reportSQL)
        // The first copy's provenance goes in the report's row; later copies get a receipt.
        try insert.run { b in
            b.text(report.organizationName)
            b.text(report.reportID)
            b.text(prepared.begin)
            b.text(prepared.end)
            b.int(report.start.seconds)
            b.int(Int64(report.start.nanoseconds))
            b.int(report.end.seconds)
            b.int(Int64(report.end.nanoseconds))
            b.text(prepared.day)
            b.text(report.contactInfo)
            b.text(report.reporterDomain)
            b.blob(prepared.hash)
            b.int(receivedAt)
            b.text(prepared.source)
            b.text(payload.channel.rawValue)
            b.text(payload.mail?.messageID)
            b.text(prepared.dkim.name)
            b.text(prepared.dkim.domain)
            b.text(prepared.dkim.selector)
            b.text(prepared.dkim.reason)
            b.int(prepared.dkim.isPass ? 1 : 0)
        }
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
            rollups.add(report, sign: -1, dkimPass: prepared.dkim.isPass)
            let existingHash: Data = row["content_hash"]
            let conflict = existingHash != Data(prepared.hash)
            try receipt(
                reportRef: row["id"], prepared, outcome: conflict ? "conflict" : "duplicate",
                conflictBytes: conflict ? prepared.gzip : nil)
            if conflict {
                tally.conflicts += 1
                return .conflict
            }
            // A mail copy of a report first stored without a TLS-Report-Domain fills in the
            // domain of its no-policy-found policies (DomainUpgrade).
            let written = try DomainUpgrade.apply(db, reportRef: row["id"], report)
            if !written.isEmpty { upgradedDays[report.day.description, default: [""]].formUnion(written) }
            // A signed mail copy of a report first stored unverified (posted by HTTPS, an
            // unsigned or failing mail) makes it verified; its days' rollups count it then.
            if prepared.dkim.isPass {
                try db.execute(
                    sql: "UPDATE reports SET dkim_pass = 1 WHERE id = ? AND dkim_pass = 0", arguments: [row["id"]])
                if db.changesCount > 0 {
                    upgradedDays[report.day.description, default: []].formUnion(report.policies.map(\.domain))
                }
            }
            tally.duplicates += 1
            return .duplicate
        }
        let reportRef = db.lastInsertedRowID
        let policyInsert = try statement(\.policyInsert, Self.policySQL)
        let detailInsert = try statement(\.detailInsert, Self.detailSQL)
        for (i, p) in report.policies.enumerated() {
            try policyInsert.run { b in
                b.int(reportRef)
                b.int(i)
                b.text(p.type.rawValue)
                b.text(p.domain)
                b.text(prepared.policyLists[i].strings)
                b.text(p.stsMode?.rawValue)
                b.text(prepared.policyLists[i].mx)
                b.text(prepared.policyLists[i].tlsa)
                b.int(p.successfulSessionCount)
                b.int(p.failedSessionCount)
            }
            let policyRef = db.lastInsertedRowID
            for (j, d) in p.failureDetails.enumerated() {
                try detailInsert.run { b in
                    b.int(policyRef)
                    b.int(j)
                    d.fields(into: &b)
                }
            }
        }
        try statement(\.rawInsert, "INSERT INTO raw_reports (report_ref, gzip) VALUES (?, ?)").run { b in
            b.int(reportRef)
            b.blob(prepared.gzip)
        }
        tally.stored += 1
        return .stored
    }

    private func receipt(reportRef: Int64, _ prepared: PreparedItem, outcome: String, conflictBytes: [UInt8]?) throws {
        guard case .report(_, let payload) = prepared.item else { return }
        try FastInsert(
            db,
            """
            INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome, content_hash,
                conflict_gzip, dkim, dkim_domain, dkim_selector, dkim_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run { b in
            b.int(reportRef)
            b.int(receivedAt)
            b.text(prepared.source)
            b.text(payload.channel.rawValue)
            b.text(payload.mail?.messageID)
            b.text(outcome)
            b.blob(prepared.hash)
            b.blob(conflictBytes)
            b.text(prepared.dkim.name)
            b.text(prepared.dkim.domain)
            b.text(prepared.dkim.selector)
            b.text(prepared.dkim.reason)
        }
    }

    /// Applies the batch's rollup changes; returns the `rollup_texts` ids it looked up or made.
    func applyRollups(known: [String: Int64]) throws -> [String: Int64] {
        let added = try rollups.apply(db, known: known)
        for (day, domains) in upgradedDays.sorted(by: { $0.key < $1.key }) {
            try DomainUpgrade.refreshRollups(db, day: day, domains: domains)
        }
        return added
    }
}

/// A list as a compact JSON array of strings (how list columns are stored).
func jsonArray(_ items: [String]) -> String {
    if items.isEmpty { return "[]" }
    var out = "["
    for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        out += JSONWriter.quoted(item)
    }
    return out + "]"
}
