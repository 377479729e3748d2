import Foundation
import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    public func storedReports(after: Int64, limit: Int) throws -> [StoredReport] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.organization_name, r.report_id, r.begin, r."end", r.begin_seconds, r.begin_nanos,
                        r.end_seconds, r.end_nanos, r.day, r.contact_info, r.reporter_domain, r.content_hash,
                        r.received_at, r.source, r.channel, r.message_id, r.dkim, r.dkim_domain, r.dkim_selector,
                        r.dkim_reason, r.dkim_pass, raw.gzip
                    FROM reports r JOIN raw_reports raw ON raw.report_ref = r.id
                    WHERE r.id > ? ORDER BY r.id LIMIT ?
                    """, arguments: [after, limit])
            return try rows.map { r in
                let id: Int64 = r[0]
                let policyRows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, policy_type, policy_domain, sts_mode, policy_strings, mx_patterns, tlsa_records,
                            successful_session_count, failed_session_count
                        FROM policies WHERE report_ref = ? ORDER BY position
                        """, arguments: [id])
                let details = try policyRows.map { p in
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip,
                                failed_session_count, additional_information, failure_reason_code
                            FROM failure_details WHERE policy_ref = ? ORDER BY position
                            """, arguments: [p[0] as Int64]
                    ).map { d in
                        FailureDetail(
                            resultType: ResultType(d[0] as String), sendingMTAIP: d[1], receivingMXHostname: d[2],
                            receivingMXHelo: d[3], receivingIP: d[4], failedSessionCount: d[5],
                            additionalInformation: d[6], failureReasonCode: d[7])
                    }
                }
                let lists = policyRows.map { p in (p[4] as String, p[5] as String, p[6] as String) }
                let report = StoredReport.rebuild(
                    organizationName: r[1], contactInfo: r[10], reporterDomain: r[11], reportID: r[2],
                    start: Timestamp(seconds: r[5], nanoseconds: r[6]),
                    end: Timestamp(seconds: r[7], nanoseconds: r[8]),
                    policies: policyRows.enumerated().map { i, p in
                        (p[1], p[2], p[3], lists[i], p[7], p[8])
                    }, details: details)
                let receipts = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT received_at, source, channel, message_id, outcome, content_hash, conflict_gzip, dkim,
                            dkim_domain, dkim_selector, dkim_reason
                        FROM receipts WHERE report_ref = ? ORDER BY id
                        """, arguments: [id]
                ).map { c in
                    StoredReceipt(
                        receivedAt: c[0], source: c[1], channel: c[2], messageID: c[3], outcome: c[4],
                        contentHash: Array(c[5] as Data), conflictGzip: (c[6] as Data?).map { Array($0) },
                        dkim: StoredVerdict(name: c[7], domain: c[8], selector: c[9], reason: c[10]))
                }
                return StoredReport(
                    sourceID: id, report: report, begin: r[3], end: r[4], day: r[9],
                    contentHash: Array(r[12] as Data), receivedAt: r[13], source: r[14], channel: r[15],
                    messageID: r[16], dkim: StoredVerdict(name: r[17], domain: r[18], selector: r[19], reason: r[20]),
                    dkimPass: (r[21] as Int64?) == 1, policyLists: lists.map { (strings: $0.0, mx: $0.1, tlsa: $0.2) },
                    gzip: Array(r[22] as Data), receipts: receipts)
            }
        }
    }

    public func storedRejectedInputs(after: Int64, limit: Int) throws -> [StoredRejectedInput] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, received_at, source, channel, kind, json_path, reason, byte_count, bytes
                    FROM rejected_inputs WHERE id > ? ORDER BY id LIMIT ?
                    """, arguments: [after, limit]
            ).map { r in
                StoredRejectedInput(
                    RejectedInput(
                        id: r[0], receivedAt: r[1], source: r[2], channel: r[3], kind: r[4], jsonPath: r[5],
                        reason: r[6], byteCount: r[7]), bytes: (r[8] as Data?).map { Array($0) })
            }
        }
    }

    public func storedInputPositions() throws -> [(position: InputPosition, updatedAt: Int64)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT source, validity, position, updated_at FROM input_positions ORDER BY source"
            )
            .map { (InputPosition(source: $0[0], validity: $0[1], position: $0[2]), $0[3]) }
        }
    }

    public func insertCopies(
        _ reports: [StoredReport], rejected: [StoredRejectedInput],
        positions: [(position: InputPosition, updatedAt: Int64)]
    ) throws -> CopyTally {
        let known = rollupTextIDs.withLock { $0 }
        let (tally, newIDs) = try write { db -> (CopyTally, [String: Int64]) in
            var tally = CopyTally()
            var delta = RollupDelta(capacity: reports.count * 2)
            for s in reports {
                let r = s.report
                try db.execute(
                    sql: """
                        INSERT INTO reports (organization_name, report_id, begin, "end", begin_seconds, begin_nanos,
                            end_seconds, end_nanos, day, contact_info, reporter_domain, content_hash, received_at,
                            source, channel, message_id, dkim, dkim_domain, dkim_selector, dkim_reason, dkim_pass)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        r.organizationName, r.reportID, s.begin, s.end, r.start.seconds, r.start.nanoseconds,
                        r.end.seconds, r.end.nanoseconds, s.day, r.contactInfo, r.reporterDomain, Data(s.contentHash),
                        s.receivedAt, s.source, s.channel, s.messageID, s.dkim.name, s.dkim.domain, s.dkim.selector,
                        s.dkim.reason, s.dkimPass ? 1 : 0,
                    ])
                guard db.changesCount > 0 else {
                    tally.reportsPresent += 1
                    continue
                }
                let reportRef = db.lastInsertedRowID
                for (i, p) in r.policies.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings,
                                sts_mode, mx_patterns, tlsa_records, successful_session_count, failed_session_count)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            reportRef, i, p.type.rawValue, p.domain, s.policyLists[i].strings, p.stsMode?.rawValue,
                            s.policyLists[i].mx, s.policyLists[i].tlsa, p.successfulSessionCount, p.failedSessionCount,
                        ])
                    let policyRef = db.lastInsertedRowID
                    for (j, d) in p.failureDetails.enumerated() {
                        try db.execute(
                            sql: """
                                INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip,
                                    receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_session_count,
                                    additional_information, failure_reason_code)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                policyRef, j, d.resultType.rawValue, d.sendingMTAIP, d.receivingMXHostname,
                                d.receivingMXHelo, d.receivingIP, d.failedSessionCount, d.additionalInformation,
                                d.failureReasonCode,
                            ])
                    }
                }
                try db.execute(
                    sql: "INSERT INTO raw_reports (report_ref, gzip) VALUES (?, ?)",
                    arguments: [reportRef, Data(s.gzip)])
                for c in s.receipts {
                    try db.execute(
                        sql: """
                            INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome,
                                content_hash, conflict_gzip, dkim, dkim_domain, dkim_selector, dkim_reason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            reportRef, c.receivedAt, c.source, c.channel, c.messageID, c.outcome, Data(c.contentHash),
                            c.conflictGzip.map { Data($0) }, c.dkim.name, c.dkim.domain, c.dkim.selector, c.dkim.reason,
                        ])
                }
                delta.add(r, dkimPass: s.dkimPass)
                tally.reports += 1
            }
            for stored in rejected {
                let x = stored.input
                try db.execute(
                    sql: """
                        INSERT INTO rejected_inputs (received_at, source, channel, kind, json_path, reason, byte_count, bytes)
                        SELECT ?, ?, ?, ?, ?, ?, ?, ?
                        WHERE NOT EXISTS (SELECT 1 FROM rejected_inputs WHERE received_at = ? AND source = ? AND kind = ?
                            AND reason = ? AND byte_count = ?)
                        """,
                    arguments: [
                        x.receivedAt, x.source, x.channel, x.kind, x.jsonPath, x.reason, x.byteCount,
                        stored.bytes.map { Data($0) }, x.receivedAt, x.source, x.kind, x.reason, x.byteCount,
                    ])
                tally.rejectedInputs += db.changesCount
            }
            for (p, at) in positions { try Self.record(p, db, at: at) }
            return (tally, try delta.apply(db, known: known))
        }
        if !newIDs.isEmpty { rollupTextIDs.withLock { $0.merge(newIDs) { a, _ in a } } }
        return tally
    }
}
