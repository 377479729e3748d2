import TLSRPT
import TLSRPTStore

/// Writes `export` rows as CSV or JSON lines, in our layout or parsedmarc's.
public enum ExportRenderer {
    /// Output formats of `tlsrpt export`.
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    /// Column layouts.
    public enum Layout: String, Sendable, CaseIterable {
        /// The contract's columns (DESIGN.md), extras after.
        case tlsrpt
        /// parsedmarc's SMTP TLS CSV: one row per policy (sessions) and one per failure detail.
        case parsedmarc
    }

    /// parsedmarc's `parsed_smtp_tls_reports_to_csv` fields, in its order.
    public static let parsedmarcColumns = [
        "organization_name", "begin_date", "end_date", "report_id", "result_type", "successful_session_count",
        "failed_session_count", "policy_domain", "policy_type", "policy_strings", "mx_host_patterns", "sending_mta_ip",
        "receiving_ip", "receiving_mx_hostname", "receiving_mx_helo", "additional_info_uri", "failure_reason_code",
    ]

    /// Writes `table` from `store` matching `filter` to `sink`; returns the number of rows.
    @discardableResult
    public static func write(
        store: any ReportStore, table: ExportTable, filter: ReportFilter, format: Format, layout: Layout,
        to sink: OutputSink
    ) throws -> Int {
        switch layout {
        case .tlsrpt:
            return try writeRows(store: store, table: table, filter: filter, format: format, sink: sink)
        case .parsedmarc:
            return try writeParsedmarc(store: store, filter: filter, format: format, sink: sink)
        }
    }

    static func writeRows(
        store: any ReportStore, table: ExportTable, filter: ReportFilter, format: Format, sink: OutputSink
    )
        throws -> Int
    {
        let columns = table.columns
        let enc = CSVEncoder()
        if format == .csv { sink.write(enc.line(columns.map { .header($0) })) }
        var n = 0
        try store.export(table, filter) { row in
            n += 1
            switch format {
            case .csv:
                sink.write(enc.line(row.values.map(cell)))
            case .json:
                sink.write(jsonLine(columns, row.values))
            }
        }
        sink.flush()
        return n
    }

    static func cell(_ v: ExportValue?) -> CSVCell? {
        switch v {
        case nil: return nil
        case .integer(let i): return .number(i)
        case .text(let t): return .text(t)
        }
    }

    /// Columns that hold a list (stored as a JSON array of strings): a JSON array in JSON output,
    /// the array's text in CSV.
    static let listColumns: Set<String> = ["mx_patterns", "policy_strings", "tlsa_records"]

    static func jsonLine(_ columns: [String], _ values: [ExportValue?]) -> String {
        let w = JSONWriter(pretty: false)
        w.object {
            for (c, v) in zip(columns, values) {
                w.member(c) {
                    switch v {
                    case nil: w.raw("null")
                    case .integer(let i): w.raw(String(i))
                    case .text(let t):
                        if listColumns.contains(c), let items = try? WireReport.textList(t) {
                            w.array(items) { w.string($0) }
                        } else {
                            w.string(t)
                        }
                    }
                }
            }
        }
        return w.output + "\n"
    }

    /// parsedmarc's layout: a policy row (sessions), then a row per failure detail carrying the
    /// policy's fields too (parsedmarc leaves policy_domain/policy_type empty there; we fill them).
    static func writeParsedmarc(store: any ReportStore, filter: ReportFilter, format: Format, sink: OutputSink) throws
        -> Int
    {
        let enc = CSVEncoder()
        if format == .csv { sink.write(enc.line(parsedmarcColumns.map { .header($0) })) }
        // Failure rows per (org, report-id, begin, policy index), to interleave after their policy.
        var failures: [String: [[ExportValue?]]] = [:]
        try store.export(.failures, filter) { row in
            let v = row.values
            failures[key(v[0], v[1], v[2], v[15]), default: []].append(v)
        }
        var n = 0
        func emit(_ values: [ExportValue?]) {
            n += 1
            switch format {
            case .csv: sink.write(enc.line(values.map(cell)))
            case .json: sink.write(jsonLine(parsedmarcColumns, values))
            }
        }
        try store.export(.policies, filter) { row in
            let v = row.values
            // policies columns: 0 org, 1 report_id, 2 begin, 3 end, 4 type, 5 domain, 6 ok, 7 failed,
            // 8 day, 9 contact, 10 reporter_domain, 11 sts_mode, 12 mx_patterns, 13 policy_strings, 14 tlsa, 15 index
            let strings = joinedArray(v[13])
            let mx = joinedArray(v[12])
            emit([v[0], v[2], v[3], v[1], nil, v[6], v[7], v[5], v[4], strings, mx, nil, nil, nil, nil, nil, nil])
            for f in failures[key(v[0], v[1], v[2], v[15])] ?? [] {
                // failures columns: 6 result_type, 7 failed, 8 sending ip, 9 mx host, 10 helo, 11 receiving ip,
                // 12 additional info, 13 reason code
                emit([
                    v[0], v[2], v[3], v[1], f[6], nil, f[7], v[5], v[4], strings, mx, f[8], f[11], f[9], f[10], f[12],
                    f[13],
                ])
            }
        }
        sink.flush()
        return n
    }

    static func key(_ a: ExportValue?, _ b: ExportValue?, _ c: ExportValue?, _ d: ExportValue?) -> String {
        "\(String(describing: a))|\(String(describing: b))|\(String(describing: c))|\(String(describing: d))"
    }

    /// A stored JSON array of strings joined with `|`, as parsedmarc writes lists.
    static func joinedArray(_ v: ExportValue?) -> ExportValue? {
        guard case .text(let json) = v else { return nil }
        let items = (try? WireReport.textList(json)) ?? []
        return items.isEmpty ? nil : .text(items.joined(separator: "|"))
    }
}
