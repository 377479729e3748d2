import GRDB
import TLSRPTStore

extension SQLiteStore {
    /// Every copy received of the reports with this organization and report-id (each report's
    /// first copy, then the later ones in the order received), for audits, tests and the report pages.
    public func copiesReceived(organizationName: String, reportID: String) throws -> [ReceivedCopy] {
        try read { db in
            func copy(_ row: Row) -> ReceivedCopy {
                ReceivedCopy(
                    source: row[0], channel: row[1], outcome: row[2], dkim: row[3], dkimDomain: row[4],
                    dkimSelector: row[5], dkimReason: row[6])
            }
            var out: [ReceivedCopy] = []
            let reports = try Row.fetchAll(
                db,
                sql: """
                    SELECT source, channel, 'stored', dkim, dkim_domain, dkim_selector, dkim_reason, id FROM reports
                    WHERE organization_name = ? AND report_id = ? ORDER BY id
                    """, arguments: [organizationName, reportID])
            for report in reports {
                out.append(copy(report))
                let id: Int64 = report[7]
                out += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT source, channel, outcome, dkim, dkim_domain, dkim_selector, dkim_reason FROM receipts
                        WHERE report_ref = ? ORDER BY id
                        """, arguments: [id]
                ).map(copy)
            }
            return out
        }
    }

    /// Whether the report with this organization and report-id counts as verified by DKIM
    /// (a copy came in a mail with a passing signature).
    public func isDKIMVerified(organizationName: String, reportID: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT dkim_pass = 1 FROM reports WHERE organization_name = ? AND report_id = ?",
                arguments: [organizationName, reportID]) ?? false
        }
    }
}
