import GRDB
import TLSRPT

/// Rollup changes gathered over one transaction and applied at its end: many reports for the
/// same day and domain become one upsert per rollup row instead of one per report. Kept at three
/// grains: day, month and all time (period '').
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

    /// Table-name suffixes of the grains, in the order of the arrays below.
    static let grains = ["_day", "_month", "_total"]

    var sessions: [[Key: Counts]] = [[:], [:], [:]]
    var mx: [[MXKey: Int64]] = [[:], [:], [:]]
    var modes: [[ModeKey: Int64]] = [[:], [:], [:]]

    mutating func add(_ p: Policy, of report: Report) {
        let day = report.day.description
        for (g, period) in [day, String(day.prefix(7)), ""].enumerated() {
            let key = Key(
                period: period, domain: p.domain, organization: report.organizationName, policyType: p.type.rawValue,
                resultType: "")
            var c = sessions[g][key] ?? Counts()
            c.successful += p.successfulSessionCount
            c.failed += p.failedSessionCount
            c.policies += 1
            sessions[g][key] = c
            for d in p.failureDetails {
                var k = key
                k.resultType = d.resultType.rawValue
                var dc = sessions[g][k] ?? Counts()
                dc.failed += d.failedSessionCount
                dc.policies += 1
                sessions[g][k] = dc
                if let host = d.receivingMXHostname, !host.isEmpty {
                    let mk = MXKey(period: period, domain: p.domain, host: host, resultType: d.resultType.rawValue)
                    mx[g][mk, default: 0] += d.failedSessionCount
                }
            }
            if let mode = p.stsMode {
                modes[g][ModeKey(period: period, domain: p.domain, mode: mode.rawValue), default: 0] += 1
            }
        }
    }

    func apply(_ db: Database) throws {
        for (g, grain) in Self.grains.enumerated() {
            let sessionInsert = try FastInsert(
                db,
                """
                INSERT INTO rollup\(grain) (period, policy_domain, organization_name, policy_type, result_type,
                    successful_session_count, failed_session_count, policy_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET
                    successful_session_count = successful_session_count + excluded.successful_session_count,
                    failed_session_count = failed_session_count + excluded.failed_session_count,
                    policy_count = policy_count + excluded.policy_count
                """)
            for (k, c) in sessions[g] {
                try sessionInsert.run { b in
                    b.text(k.period)
                    b.text(k.domain)
                    b.text(k.organization)
                    b.text(k.policyType)
                    b.text(k.resultType)
                    b.int(c.successful)
                    b.int(c.failed)
                    b.int(c.policies)
                }
            }
            let mxInsert = try FastInsert(
                db,
                """
                INSERT INTO mx_rollup\(grain) (period, policy_domain, receiving_mx_hostname, result_type,
                    failed_session_count)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET failed_session_count = failed_session_count + excluded.failed_session_count
                """)
            for (k, n) in mx[g] {
                try mxInsert.run { b in
                    b.text(k.period)
                    b.text(k.domain)
                    b.text(k.host)
                    b.text(k.resultType)
                    b.int(n)
                }
            }
            let modeInsert = try FastInsert(
                db,
                """
                INSERT INTO mode_rollup\(grain) (period, policy_domain, sts_mode, policy_count) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET policy_count = policy_count + excluded.policy_count
                """)
            for (k, n) in modes[g] {
                try modeInsert.run { b in
                    b.text(k.period)
                    b.text(k.domain)
                    b.text(k.mode)
                    b.int(n)
                }
            }
        }
    }
}
