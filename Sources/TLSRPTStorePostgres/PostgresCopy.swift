import Foundation
import PostgresNIO
import TLSRPT
import TLSRPTStore

extension PostgresStore {
    public func storedReports(after: Int64, limit: Int) throws -> [StoredReport] {
        try snapshot { s in
            var out: [StoredReport] = []
            for r in try s.query(
                """
                SELECT r.id, r.organization_name, r.report_id, r.begin_at, r.end_at, r.begin_seconds,
                    r.begin_nanos::bigint, r.end_seconds, r.end_nanos::bigint, r.day, r.contact_info, r.reporter_domain,
                    r.content_hash, r.received_at, r.source, r.channel, r.message_id, r.dkim, r.dkim_domain,
                    r.dkim_selector, r.dkim_reason, r.dkim_pass, raw.gzip
                FROM reports r JOIN raw_reports raw ON raw.report_ref = r.id
                WHERE r.id > $1 ORDER BY r.id LIMIT $2
                """, [.int(after), .int(Int64(limit))])
            {
                let c = r.makeRandomAccess()
                let id = try c[0].decode(Int64.self)
                var policies:
                    [(
                        type: String, domain: String, mode: String?, lists: (String, String, String), ok: Int64,
                        failed: Int64
                    )] = []
                var policyIDs: [Int64] = []
                for p in try s.query(
                    """
                    SELECT id, policy_type, policy_domain, sts_mode, policy_strings, mx_patterns, tlsa_records,
                        successful_session_count, failed_session_count
                    FROM policies WHERE report_ref = $1 ORDER BY position
                    """, [.int(id)])
                {
                    let (pid, type, domain, mode, strings, mx, tlsa, ok, failed) = try p.decode(
                        (Int64, String, String, String?, String, String, String, Int64, Int64).self)
                    policyIDs.append(pid)
                    policies.append((type, domain, mode, (strings, mx, tlsa), ok, failed))
                }
                var details: [[FailureDetail]] = []
                for pid in policyIDs {
                    details.append(
                        try s.query(
                            """
                            SELECT result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip,
                                failed_session_count, additional_information, failure_reason_code
                            FROM failure_details WHERE policy_ref = $1 ORDER BY position
                            """, [.int(pid)]
                        ).map { d in
                            let (type, sending, mx, helo, ip, failed, info, code) = try d.decode(
                                (String, String?, String?, String?, String?, Int64, String?, String?).self)
                            return FailureDetail(
                                resultType: ResultType(type), sendingMTAIP: sending, receivingMXHostname: mx,
                                receivingMXHelo: helo, receivingIP: ip, failedSessionCount: failed,
                                additionalInformation: info, failureReasonCode: code)
                        })
                }
                let report = StoredReport.rebuild(
                    organizationName: try c[1].decode(String.self), contactInfo: try c[10].decode(String?.self),
                    reporterDomain: try c[11].decode(String?.self), reportID: try c[2].decode(String.self),
                    start: Timestamp(
                        seconds: try c[5].decode(Int64.self), nanoseconds: Int32(try c[6].decode(Int64.self))),
                    end: Timestamp(
                        seconds: try c[7].decode(Int64.self), nanoseconds: Int32(try c[8].decode(Int64.self))),
                    policies: policies, details: details)
                let receipts = try s.query(
                    """
                    SELECT received_at, source, channel, message_id, outcome, content_hash, conflict_gzip, dkim,
                        dkim_domain, dkim_selector, dkim_reason
                    FROM receipts WHERE report_ref = $1 ORDER BY id
                    """, [.int(id)]
                ).map { row in
                    let (at, source, channel, message, outcome, hash, conflict, dkim, domain, selector, reason) =
                        try row.decode(
                            (
                                Int64, String, String, String?, String, ByteBuffer, ByteBuffer?, String?, String?,
                                String?, String?
                            ).self)
                    return StoredReceipt(
                        receivedAt: at, source: source, channel: channel, messageID: message, outcome: outcome,
                        contentHash: hash.bytes, conflictGzip: conflict?.bytes,
                        dkim: StoredVerdict(name: dkim, domain: domain, selector: selector, reason: reason))
                }
                out.append(
                    StoredReport(
                        sourceID: id, report: report, begin: try c[3].decode(String.self),
                        end: try c[4].decode(String.self), day: try c[9].decode(String.self),
                        contentHash: try c[12].decode(ByteBuffer.self).bytes, receivedAt: try c[13].decode(Int64.self),
                        source: try c[14].decode(String.self), channel: try c[15].decode(String.self),
                        messageID: try c[16].decode(String?.self),
                        dkim: StoredVerdict(
                            name: try c[17].decode(String?.self), domain: try c[18].decode(String?.self),
                            selector: try c[19].decode(String?.self), reason: try c[20].decode(String?.self)),
                        dkimPass: try c[21].decode(Bool.self),
                        policyLists: policies.map { (strings: $0.lists.0, mx: $0.lists.1, tlsa: $0.lists.2) },
                        gzip: try c[22].decode(ByteBuffer.self).bytes, receipts: receipts))
            }
            return out
        }
    }

    public func storedRejectedInputs(after: Int64, limit: Int) throws -> [StoredRejectedInput] {
        try withSession { s in
            try s.query(
                """
                SELECT id, received_at, source, channel, kind, json_path, reason, byte_count, bytes
                FROM rejected_inputs WHERE id > $1 ORDER BY id LIMIT $2
                """, [.int(after), .int(Int64(limit))]
            ).map { r in
                let (id, at, source, channel, kind, path, reason, count, bytes) = try r.decode(
                    (Int64, Int64, String, String, String, String, String, Int64, ByteBuffer?).self)
                return StoredRejectedInput(
                    RejectedInput(
                        id: id, receivedAt: at, source: source, channel: channel, kind: kind, jsonPath: path,
                        reason: reason, byteCount: Int(count)), bytes: bytes?.bytes)
            }
        }
    }

    public func storedInputPositions() throws -> [(position: InputPosition, updatedAt: Int64)] {
        try withSession { s in
            try s.query("SELECT source, validity, position, updated_at FROM input_positions ORDER BY source").map { r in
                let (source, validity, position, at) = try r.decode((String, Int64, Int64, Int64).self)
                return (InputPosition(source: source, validity: validity, position: position), at)
            }
        }
    }

    public func insertCopies(
        _ reports: [StoredReport], rejected: [StoredRejectedInput],
        positions: [(position: InputPosition, updatedAt: Int64)]
    ) throws -> CopyTally {
        try transaction { s in
            var tally = CopyTally()
            var delta = RollupDelta(capacity: reports.count * 2)
            for stored in reports {
                let r = stored.report
                var id: Int64?
                for row in try s.query(
                    """
                    INSERT INTO reports (organization_name, report_id, begin_at, end_at, begin_seconds, begin_nanos,
                        end_seconds, end_nanos, day, contact_info, reporter_domain, content_hash, received_at, source,
                        channel, message_id, dkim, dkim_domain, dkim_selector, dkim_reason, dkim_pass)
                    VALUES ($1, $2, $3, $4, $5, $6::bigint::integer, $7, $8::bigint::integer, $9, $10, $11, $12, $13,
                        $14, $15, $16, $17, $18, $19, $20, $21::text::boolean)
                    ON CONFLICT DO NOTHING RETURNING id
                    """,
                    [
                        .text(r.organizationName), .text(r.reportID), .text(stored.begin), .text(stored.end),
                        .int(r.start.seconds), .int(Int64(r.start.nanoseconds)), .int(r.end.seconds),
                        .int(Int64(r.end.nanoseconds)), .text(stored.day), .text(r.contactInfo),
                        .text(r.reporterDomain), .bytes(stored.contentHash), .int(stored.receivedAt),
                        .text(stored.source), .text(stored.channel), .text(stored.messageID), .text(stored.dkim.name),
                        .text(stored.dkim.domain), .text(stored.dkim.selector), .text(stored.dkim.reason),
                        .text(stored.dkimPass ? "true" : "false"),
                    ])
                {
                    id = try row.decode(Int64.self)
                }
                guard let id else {
                    tally.reportsPresent += 1
                    continue
                }
                for (i, p) in r.policies.enumerated() {
                    var policyID: Int64 = 0
                    for row in try s.query(
                        """
                        INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings, sts_mode,
                            mx_patterns, tlsa_records, successful_session_count, failed_session_count)
                        VALUES ($1, $2::bigint::integer, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
                        """,
                        [
                            .int(id), .int(Int64(i)), .text(p.type.rawValue), .text(p.domain),
                            .text(stored.policyLists[i].strings), .text(p.stsMode?.rawValue),
                            .text(stored.policyLists[i].mx), .text(stored.policyLists[i].tlsa),
                            .int(p.successfulSessionCount), .int(p.failedSessionCount),
                        ])
                    {
                        policyID = try row.decode(Int64.self)
                    }
                    var details = JSONRows()
                    for (j, d) in p.failureDetails.enumerated() {
                        details.int(policyID)
                        details.int(Int64(j))
                        d.fields(into: &details)
                        details.endRow()
                    }
                    if details.count > 0 {
                        try s.query(
                            """
                            INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip,
                                receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_session_count,
                                additional_information, failure_reason_code)
                            SELECT (e->>0)::bigint, (e->>1)::integer, e->>2, e->>3, e->>4, e->>5, e->>6,
                                (e->>7)::bigint, e->>8, e->>9
                            FROM jsonb_array_elements($1::jsonb) AS e
                            """, [.text(details.finished)])
                    }
                }
                try s.query(
                    "INSERT INTO raw_reports (report_ref, gzip) VALUES ($1, $2)", [.int(id), .bytes(stored.gzip)])
                for c in stored.receipts {
                    try s.query(
                        """
                        INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome,
                            content_hash, conflict_gzip, dkim, dkim_domain, dkim_selector, dkim_reason)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                        """,
                        [
                            .int(id), .int(c.receivedAt), .text(c.source), .text(c.channel), .text(c.messageID),
                            .text(c.outcome), .bytes(c.contentHash), .bytes(c.conflictGzip), .text(c.dkim.name),
                            .text(c.dkim.domain), .text(c.dkim.selector), .text(c.dkim.reason),
                        ])
                }
                delta.add(r, dkimPass: stored.dkimPass)
                tally.reports += 1
            }
            for stored in rejected {
                let x = stored.input
                tally.rejectedInputs += Int(
                    try s.count(
                        """
                        WITH i AS (
                            INSERT INTO rejected_inputs (received_at, source, channel, kind, json_path, reason,
                                byte_count, bytes)
                            SELECT $1, $2, $3, $4, $5, $6, $7, $8
                            WHERE NOT EXISTS (SELECT 1 FROM rejected_inputs WHERE received_at = $1 AND source = $2
                                AND kind = $4 AND reason = $6 AND byte_count = $7)
                            RETURNING 1)
                        SELECT COUNT(*) FROM i
                        """,
                        [
                            .int(x.receivedAt), .text(x.source), .text(x.channel), .text(x.kind), .text(x.jsonPath),
                            .text(x.reason), .int(Int64(x.byteCount)), .bytes(stored.bytes),
                        ]))
            }
            for (p, at) in positions { try Self.record(p, s, at: at) }
            try RollupRows(delta).apply(s)
            return tally
        }
    }
}
