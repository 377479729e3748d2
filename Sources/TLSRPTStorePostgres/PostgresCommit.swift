import Foundation
import PostgresNIO
import TLSRPT
import TLSRPTStore

/// A report's identity as the unique key holds it (RFC 8460 §4.1's report-id, with the sender
/// and the date range).
private struct Identity: Hashable {
    var organization: String
    var reportID: String
    var beginSeconds: Int64
    var beginNanos: Int64
    var endSeconds: Int64
    var endNanos: Int64

    init(_ r: Report) {
        organization = r.organizationName
        reportID = r.reportID
        beginSeconds = r.start.seconds
        beginNanos = Int64(r.start.nanoseconds)
        endSeconds = r.end.seconds
        endNanos = Int64(r.end.nanoseconds)
    }

    /// From the first six columns of `row`.
    init(_ row: PostgresRow) throws {
        try self.init(Columns(row))
    }

    /// From the first six of `c`.
    init(_ c: Columns) throws {
        organization = try c.text(0)
        reportID = try c.text(1)
        beginSeconds = try c.int(2)
        beginNanos = try c.int(3)
        endSeconds = try c.int(4)
        endNanos = try c.int(5)
    }

    func write(_ rows: inout JSONRows) {
        rows.text(organization)
        rows.text(reportID)
        rows.int(beginSeconds)
        rows.int(beginNanos)
        rows.int(endSeconds)
        rows.int(endNanos)
    }
}

extension PostgresStore {
    /// Writes a batch (see `ReportStore.commit`): every table in one statement, the report
    /// rows first, so that the database decides which copy of a report is the first one
    /// stored, whichever collector offered it.
    public func commit(_ items: [StoreItem], rollups: RollupDelta, position: InputPosition?, receivedAt: Int64)
        throws -> ([IngestOutcome], IngestTally)
    {
        try transaction { s in try Self.write(items, rollups, position, receivedAt, s) }
    }

    private static func write(
        _ items: [StoreItem], _ rollups: RollupDelta, _ position: InputPosition?, _ receivedAt: Int64,
        _ s: PostgresSession
    ) throws -> ([IngestOutcome], IngestTally) {
        var tally = IngestTally()
        var outcomes = [IngestOutcome](repeating: .skipped, count: items.count)
        var delta = rollups

        // Rejected inputs and messages without a report.
        var rejected = JSONRows()
        for (i, item) in items.enumerated() {
            switch item.kind {
            case .rejected(let error, let bytes):
                rejected.int(receivedAt)
                rejected.text(item.source)
                rejected.text(item.channel)
                rejected.text(error.kind.rawValue)
                rejected.text(error.pathString)
                rejected.text(error.description)
                rejected.int(Int64(bytes?.count ?? 0))
                rejected.bytes(item.keptRejectedBytes)
                rejected.endRow()
                outcomes[i] = .rejected
                tally.rejected += 1
            case .messageWithoutReport:
                tally.withoutReport += 1
            case .report:
                break
            }
        }
        if rejected.count > 0 {
            try s.query(
                """
                INSERT INTO rejected_inputs (received_at, source, channel, kind, json_path, reason, byte_count, bytes)
                SELECT (e->>0)::bigint, e->>1, e->>2, e->>3, e->>4, e->>5, (e->>6)::bigint, decode(e->>7, 'base64')
                FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n
                """, [.text(rejected.finished)])
        }

        // Reports: inserted unless their identity is stored; the earliest copy in the batch wins.
        let reports = items.indices.compactMap { i in items[i].report.map { (i, $0) } }
        guard !reports.isEmpty else {
            if let position { try record(position, s, at: receivedAt) }
            return (outcomes, tally)
        }
        var rows = JSONRows()
        for (i, r) in reports {
            let item = items[i]
            rows.int(Int64(i))
            Identity(r).write(&rows)
            rows.text(item.begin)
            rows.text(item.end)
            rows.text(item.day)
            rows.text(r.contactInfo)
            rows.text(r.reporterDomain)
            rows.bytes(item.hash)
            rows.text(item.source)
            rows.text(item.channel)
            rows.text(item.messageID)
            rows.text(item.dkim.name)
            rows.text(item.dkim.domain)
            rows.text(item.dkim.selector)
            rows.text(item.dkim.reason)
            rows.text(item.dkim.isPass ? "true" : "false")
            rows.endRow()
        }
        var inserted: [Identity: Int64] = [:]
        for row in try s.query(
            """
            INSERT INTO reports (organization_name, report_id, begin_seconds, begin_nanos, end_seconds, end_nanos,
                begin_at, end_at, day, contact_info, reporter_domain, content_hash, received_at, source, channel,
                message_id, dkim, dkim_domain, dkim_selector, dkim_reason, dkim_pass)
            SELECT e->>1, e->>2, (e->>3)::bigint, (e->>4)::integer, (e->>5)::bigint, (e->>6)::integer,
                e->>7, e->>8, e->>9, e->>10, e->>11, decode(e->>12, 'base64'), $2, e->>13, e->>14,
                e->>15, e->>16, e->>17, e->>18, e->>19, (e->>20)::boolean
            FROM jsonb_array_elements($1::jsonb) AS e
            ORDER BY e->>1, e->>2, (e->>3)::bigint, (e->>4)::integer, (e->>5)::bigint, (e->>6)::integer,
                (e->>0)::integer
            ON CONFLICT DO NOTHING
            RETURNING organization_name, report_id, begin_seconds, begin_nanos::bigint, end_seconds,
                end_nanos::bigint, id
            """, [.text(rows.finished), .int(receivedAt)])
        {
            let c = Columns(row)
            inserted[try Identity(c)] = try c.int(6)
        }

        // The copies that were not stored: a duplicate or a conflict of the stored report.
        var stored: [(index: Int, report: Report, id: Int64)] = []
        var others: [(index: Int, report: Report)] = []
        var claimed = Set<Identity>()
        for (i, r) in reports {
            let identity = Identity(r)
            if let id = inserted[identity], claimed.insert(identity).inserted {
                stored.append((i, r, id))
            } else {
                others.append((i, r))
            }
        }
        var existing: [Identity: (id: Int64, hash: [UInt8])] = [:]
        if !others.isEmpty {
            var keys = JSONRows()
            for (_, r) in others {
                Identity(r).write(&keys)
                keys.endRow()
            }
            for row in try s.query(
                """
                SELECT r.organization_name, r.report_id, r.begin_seconds, r.begin_nanos::bigint, r.end_seconds,
                    r.end_nanos::bigint, r.id, r.content_hash
                FROM reports r JOIN jsonb_array_elements($1::jsonb) AS e
                ON r.organization_name = e->>0 AND r.report_id = e->>1 AND r.begin_seconds = (e->>2)::bigint
                    AND r.begin_nanos = (e->>3)::integer AND r.end_seconds = (e->>4)::bigint
                    AND r.end_nanos = (e->>5)::integer
                """, [.text(keys.finished)])
            {
                let c = Columns(row)
                existing[try Identity(c)] = (try c.int(6), c.bytes(7) ?? [])
            }
        }
        var receipts = JSONRows()
        var upgraded = UpgradedDays()
        var verified: [Int64] = []
        var verifiedDomains: [Int64: (day: String, domains: [String])] = [:]
        for (i, r) in others {
            let item = items[i]
            guard let row = existing[Identity(r)] else {
                throw StoreError("report \(r.reportID) of \(r.organizationName) was neither stored nor found")
            }
            delta.add(r, sign: -1, dkimPass: item.dkim.isPass)
            let conflict = row.hash != item.hash
            receipts.int(row.id)
            receipts.int(receivedAt)
            receipts.text(item.source)
            receipts.text(item.channel)
            receipts.text(item.messageID)
            receipts.text(conflict ? "conflict" : "duplicate")
            receipts.bytes(item.hash)
            receipts.bytes(conflict ? item.gzip : nil)
            receipts.text(item.dkim.name)
            receipts.text(item.dkim.domain)
            receipts.text(item.dkim.selector)
            receipts.text(item.dkim.reason)
            receipts.endRow()
            if conflict {
                outcomes[i] = .conflict
                tally.conflicts += 1
                continue
            }
            outcomes[i] = .duplicate
            tally.duplicates += 1
            // A mail copy of a report first stored without a TLS-Report-Domain fills in the
            // domain of its no-policy-found policies (as the SQLite store's DomainUpgrade).
            for (position, p) in r.policies.enumerated() where p.domainFromMailHeader && !p.domain.isEmpty {
                let changed = try s.count(
                    """
                    WITH u AS (UPDATE policies SET policy_domain = $1
                        WHERE report_ref = $2 AND position = $3 AND policy_domain = '' RETURNING 1)
                    SELECT COUNT(*) FROM u
                    """, [.text(p.domain), .int(row.id), .int(Int64(position))])
                if changed > 0 { upgraded.add(day: item.day, domains: ["", p.domain]) }
            }
            // A signed mail copy of a report first stored unverified makes it verified.
            if item.dkim.isPass {
                verified.append(row.id)
                verifiedDomains[row.id] = (item.day, r.policies.map(\.domain))
            }
        }
        if !verified.isEmpty {
            for row in try s.query(
                "UPDATE reports SET dkim_pass = true WHERE id = ANY($1) AND NOT dkim_pass RETURNING id",
                [.ints(verified)])
            {
                if let v = verifiedDomains[try row.decode(Int64.self)] { upgraded.add(day: v.day, domains: v.domains) }
            }
        }

        // The stored reports' policies, failure details and bytes.
        if !stored.isEmpty {
            var policies = JSONRows()
            for (i, r, id) in stored {
                let item = items[i]
                for (position, p) in r.policies.enumerated() {
                    policies.int(id)
                    policies.int(Int64(position))
                    policies.text(p.type.rawValue)
                    policies.text(p.domain)
                    policies.text(item.policyLists[position].strings)
                    policies.text(p.stsMode?.rawValue)
                    policies.text(item.policyLists[position].mx)
                    policies.text(item.policyLists[position].tlsa)
                    policies.int(p.successfulSessionCount)
                    policies.int(p.failedSessionCount)
                    policies.endRow()
                }
            }
            var policyIDs: [Int64: [Int64: Int64]] = [:]
            if policies.count > 0 {
                for row in try s.query(
                    """
                    INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings, sts_mode,
                        mx_patterns, tlsa_records, successful_session_count, failed_session_count)
                    SELECT (e->>0)::bigint, (e->>1)::integer, e->>2, e->>3, e->>4, e->>5, e->>6, e->>7,
                        (e->>8)::bigint, (e->>9)::bigint
                    FROM jsonb_array_elements($1::jsonb) AS e
                    RETURNING report_ref, position::bigint, id
                    """, [.text(policies.finished)])
                {
                    let c = Columns(row)
                    let (report, position, id) = (try c.int(0), try c.int(1), try c.int(2))
                    policyIDs[report, default: [:]][position] = id
                }
            }
            var details = JSONRows()
            var raw = JSONRows()
            for (i, r, id) in stored {
                for (position, p) in r.policies.enumerated() {
                    guard let policyID = policyIDs[id]?[Int64(position)] else { continue }
                    for (j, d) in p.failureDetails.enumerated() {
                        details.int(policyID)
                        details.int(Int64(j))
                        d.fields(into: &details)
                        details.endRow()
                    }
                }
                raw.int(id)
                raw.bytes(items[i].gzip)
                raw.endRow()
                outcomes[i] = .stored
                tally.stored += 1
            }
            if details.count > 0 {
                try s.query(
                    """
                    INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip,
                        receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_session_count,
                        additional_information, failure_reason_code)
                    SELECT (e->>0)::bigint, (e->>1)::integer, e->>2, e->>3, e->>4, e->>5, e->>6, (e->>7)::bigint,
                        e->>8, e->>9
                    FROM jsonb_array_elements($1::jsonb) AS e
                    """, [.text(details.finished)])
            }
            try s.query(
                """
                INSERT INTO raw_reports (report_ref, gzip)
                SELECT (e->>0)::bigint, decode(e->>1, 'base64') FROM jsonb_array_elements($1::jsonb) AS e
                """, [.text(raw.finished)])
        }
        if receipts.count > 0 {
            try s.query(
                """
                INSERT INTO receipts (report_ref, received_at, source, channel, message_id, outcome, content_hash,
                    conflict_gzip, dkim, dkim_domain, dkim_selector, dkim_reason)
                SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, e->>3, e->>4, e->>5, decode(e->>6, 'base64'),
                    decode(e->>7, 'base64'), e->>8, e->>9, e->>10, e->>11
                FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n
                """, [.text(receipts.finished)])
        }

        try RollupRows(delta).apply(s)
        try upgraded.refresh(s)
        if let position { try record(position, s, at: receivedAt) }
        return (outcomes, tally)
    }

    static func record(_ p: InputPosition, _ s: PostgresSession, at time: Int64) throws {
        try s.query(
            """
            INSERT INTO input_positions (source, validity, position, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (source) DO UPDATE SET validity = EXCLUDED.validity, position = EXCLUDED.position,
                updated_at = EXCLUDED.updated_at
            """, [.text(p.source), .int(p.validity), .int(p.position), .int(time)])
    }
}

extension JSONRows: FieldSink {}
