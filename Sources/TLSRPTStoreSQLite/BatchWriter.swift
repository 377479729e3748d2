import Foundation
import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// Writes `items` in one transaction, with their rollup changes (`rollups`, gathered as
    /// they were queued; a copy found already stored has its share taken back) and, when given,
    /// an input's `position`: all or nothing. Returns each item's outcome, in order, and the
    /// counts.
    public func commit(_ items: [StoreItem], rollups: RollupDelta, position: InputPosition?, receivedAt: Int64)
        throws -> ([IngestOutcome], IngestTally)
    {
        let known = rollupTextIDs.withLock { $0 }
        let (outcomes, tally, newIDs) = try write { db -> ([IngestOutcome], IngestTally, [String: Int64]) in
            var writer = BatchWriter(db: db, receivedAt: receivedAt, rollups: rollups)
            var outcomes: [IngestOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items { outcomes.append(try writer.write(item)) }
            let newIDs = try writer.applyRollups(known: known)
            if let position { try SQLiteStore.record(position, db, at: receivedAt) }
            return (outcomes, writer.tally, newIDs)
        }
        if !newIDs.isEmpty { rollupTextIDs.withLock { $0.merge(newIDs) { a, _ in a } } }
        return (outcomes, tally)
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

    mutating func write(_ prepared: StoreItem) throws -> IngestOutcome {
        switch prepared.kind {
        case .report(let report):
            return try writeReport(report, prepared)
        case .rejected(let error, let bytes):
            tally.rejected += 1
            try db.cachedStatement(
                sql: """
                    INSERT INTO rejected_inputs (received_at, source, channel, kind, json_path, reason, byte_count, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                receivedAt, prepared.source, prepared.channel, error.kind.rawValue, error.pathString,
                error.description, bytes?.count ?? 0, prepared.keptRejectedBytes.map { Data($0) },
            ])
            return .rejected
        case .messageWithoutReport:
            tally.withoutReport += 1
            return .skipped
        }
    }

    private mutating func writeReport(_ report: Report, _ prepared: StoreItem) throws
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
            b.text(prepared.channel)
            b.text(prepared.messageID)
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

    private func receipt(reportRef: Int64, _ prepared: StoreItem, outcome: String, conflictBytes: [UInt8]?) throws {
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
            b.text(prepared.channel)
            b.text(prepared.messageID)
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
