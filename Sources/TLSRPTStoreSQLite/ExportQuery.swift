import GRDB
import TLSRPT
import TLSRPTStore

extension SQLiteStore {
    /// The `dkim` export column: `pass` once any copy of the report passed, else the verdict
    /// on the stored copy (`fail`, `none`, `temperror`, `n/a`; empty when not checked).
    static let dkimColumn = "CASE WHEN r.dkim_pass = 1 THEN 'pass' ELSE r.dkim END"

    /// Streams the rows of `table` matching `filter` (ordered by day, organization, report, position).
    public func export(_ table: ExportTable, _ filter: ReportFilter, _ row: (ExportRow) throws -> Void) throws {
        try read { db in
            var conditions: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let since = filter.since {
                conditions.append("r.day >= ?")
                args.append(since.description)
            }
            if let until = filter.until {
                conditions.append("r.day <= ?")
                args.append(until.description)
            }
            if let c = ReportFilter.inList("p.policy_domain", filter.domains) {
                conditions.append(c)
                args += filter.domains
            }
            if let c = ReportFilter.inList("r.organization_name", filter.reporters, collateNoCase: true) {
                conditions.append(c)
                args += filter.reporters
            }
            if filter.dkimPassOnly { conditions.append("r.dkim_pass = 1") }
            let sql: String
            switch table {
            case .policies:
                if let c = ReportFilter.inList("fd.result_type", filter.resultTypes) {
                    conditions.append("EXISTS (SELECT 1 FROM failure_details fd WHERE fd.policy_ref = p.id AND \(c))")
                    args += filter.resultTypes
                }
                sql = """
                    SELECT r.organization_name, r.report_id, r.begin, r."end", p.policy_type, p.policy_domain,
                        p.successful_session_count, p.failed_session_count, r.day, r.contact_info, r.reporter_domain,
                        p.sts_mode, p.mx_patterns, p.policy_strings, p.tlsa_records, p.position, \(Self.dkimColumn)
                    FROM policies p JOIN reports r ON r.id = p.report_ref
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY r.day, r.organization_name, r.report_id, r.id, p.position
                    """
            case .failures:
                if let c = ReportFilter.inList("f.result_type", filter.resultTypes) {
                    conditions.append(c)
                    args += filter.resultTypes
                }
                sql = """
                    SELECT r.organization_name, r.report_id, r.begin, r."end", p.policy_type, p.policy_domain,
                        f.result_type, f.failed_session_count, f.sending_mta_ip, f.receiving_mx_hostname,
                        f.receiving_mx_helo, f.receiving_ip, f.additional_information, f.failure_reason_code,
                        r.day, p.position, f.position, \(Self.dkimColumn)
                    FROM failure_details f JOIN policies p ON p.id = f.policy_ref JOIN reports r ON r.id = p.report_ref
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY r.day, r.organization_name, r.report_id, r.id, p.position, f.position
                    """
            }
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            let width = table.columns.count
            while let r = try cursor.next() {
                var values: [ExportValue?] = []
                values.reserveCapacity(width)
                for i in 0..<width {
                    let dbValue = r[i] as DatabaseValue
                    switch dbValue.storage {
                    case .null: values.append(nil)
                    case .int64(let v): values.append(.integer(v))
                    case .string(let s): values.append(.text(s))
                    case .double(let d): values.append(.text(String(d)))
                    case .blob: values.append(nil)
                    }
                }
                try row(ExportRow(values: values))
            }
        }
    }
}
