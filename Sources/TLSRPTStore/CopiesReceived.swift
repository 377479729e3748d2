import GRDB

/// One copy of a stored report as it was received: the first (stored) and every later one
/// (duplicate, conflict), with the DKIM verdict on its mail (`StoreSchema.v4`).
public struct ReceivedCopy: Sendable, Equatable {
    /// Where the bytes came from (file, message, part).
    public var source: String
    /// `file`, `mail` or `https`.
    public var channel: String
    /// `stored`, `duplicate` or `conflict`.
    public var outcome: String
    /// `pass`, `fail`, `none`, `temperror`, `n/a`; nil when not checked.
    public var dkim: String?
    /// A pass's signing domain (d=).
    public var dkimDomain: String?
    /// A pass's selector (s=).
    public var dkimSelector: String?
    /// Why a copy failed, or could not be checked.
    public var dkimReason: String?
}

extension ReportStore {
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
