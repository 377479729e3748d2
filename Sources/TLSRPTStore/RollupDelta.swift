import GRDB
import TLSRPT

/// Rollup changes gathered over one transaction and applied at its end: many reports for the
/// same day and domain become one upsert per rollup row instead of one per report.
struct RollupDelta {
    struct Key: Hashable {
        var period: String
        var domain: String
        var organization: String
        var policyType: String
        var resultType: String
    }
    struct Counts {
        var successful: Int64 = 0
        var failed: Int64 = 0
        var policies: Int64 = 0
    }
    struct MXKey: Hashable {
        var period: String
        var domain: String
        var host: String
        var resultType: String
    }
    struct ModeKey: Hashable {
        var period: String
        var domain: String
        var mode: String
    }

    var days: [Key: Counts] = [:]
    var months: [Key: Counts] = [:]
    var mxDays: [MXKey: Int64] = [:]
    var mxMonths: [MXKey: Int64] = [:]
    var modeDays: [ModeKey: Int64] = [:]
    var modeMonths: [ModeKey: Int64] = [:]

    mutating func add(_ p: Policy, of report: Report) {
        let day = report.day.description
        let month = String(day.prefix(7))
        for period in [day, month] {
            let isDay = period.count == 10
            let key = Key(
                period: period, domain: p.domain, organization: report.organizationName, policyType: p.type.rawValue,
                resultType: "")
            var c = (isDay ? days[key] : months[key]) ?? Counts()
            c.successful += p.successfulSessionCount
            c.failed += p.failedSessionCount
            c.policies += 1
            if isDay { days[key] = c } else { months[key] = c }
            for d in p.failureDetails {
                var k = key
                k.resultType = d.resultType.rawValue
                var dc = (isDay ? days[k] : months[k]) ?? Counts()
                dc.failed += d.failedSessionCount
                dc.policies += 1
                if isDay { days[k] = dc } else { months[k] = dc }
                if let host = d.receivingMXHostname, !host.isEmpty {
                    let mk = MXKey(period: period, domain: p.domain, host: host, resultType: d.resultType.rawValue)
                    if isDay {
                        mxDays[mk, default: 0] += d.failedSessionCount
                    } else {
                        mxMonths[mk, default: 0] += d.failedSessionCount
                    }
                }
            }
            if let mode = p.stsMode {
                let mk = ModeKey(period: period, domain: p.domain, mode: mode.rawValue)
                if isDay { modeDays[mk, default: 0] += 1 } else { modeMonths[mk, default: 0] += 1 }
            }
        }
    }

    func apply(_ db: Database) throws {
        for (table, rows) in [("rollup_day", days), ("rollup_month", months)] {
            let stmt = try db.cachedStatement(
                sql: """
                    INSERT INTO \(table) (period, policy_domain, organization_name, policy_type, result_type,
                        successful_session_count, failed_session_count, policy_count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET
                        successful_session_count = successful_session_count + excluded.successful_session_count,
                        failed_session_count = failed_session_count + excluded.failed_session_count,
                        policy_count = policy_count + excluded.policy_count
                    """)
            for (k, c) in rows {
                try stmt.execute(arguments: [
                    k.period, k.domain, k.organization, k.policyType, k.resultType, c.successful, c.failed, c.policies,
                ])
            }
        }
        for (table, rows) in [("mx_rollup_day", mxDays), ("mx_rollup_month", mxMonths)] {
            let stmt = try db.cachedStatement(
                sql: """
                    INSERT INTO \(table) (period, policy_domain, receiving_mx_hostname, result_type, failed_session_count)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET failed_session_count = failed_session_count + excluded.failed_session_count
                    """)
            for (k, n) in rows { try stmt.execute(arguments: [k.period, k.domain, k.host, k.resultType, n]) }
        }
        for (table, rows) in [("mode_rollup_day", modeDays), ("mode_rollup_month", modeMonths)] {
            let stmt = try db.cachedStatement(
                sql: """
                    INSERT INTO \(table) (period, policy_domain, sts_mode, policy_count) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET policy_count = policy_count + excluded.policy_count
                    """)
            for (k, n) in rows { try stmt.execute(arguments: [k.period, k.domain, k.mode, n]) }
        }
    }
}
