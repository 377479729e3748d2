import GRDB
import TLSRPT

/// Rollup changes gathered over one transaction and applied at its end: many reports for the
/// same day and domain become one upsert per rollup row instead of one per report. Kept at three
/// grains: day, month and all time (period '').
///
/// Bulk ingest gathers the delta of a batch on the reading thread, as reports are queued, and
/// the writer takes back the share of any report that turns out to be a duplicate: the writer
/// thread, the bottleneck, does no hashing for the reports it stores.
struct RollupDelta: Sendable {
    struct Key: Hashable {
        var period: String
        var domain: String
        var organization: String
        var policyType: String
        var resultType: String
    }
    struct Counts: Sendable {
        var successful: Int64 = 0
        var failed: Int64 = 0
        var policies: Int64 = 0
    }
    /// A count and how many policies or details contributed to it (a row is written only when
    /// something still contributes: a duplicate's share taken back leaves nothing behind).
    struct Sum: Sendable {
        var value: Int64 = 0
        var contributors: Int64 = 0
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
    var mx: [[MXKey: Sum]] = [[:], [:], [:]]
    var modes: [[ModeKey: Int64]] = [[:], [:], [:]]

    /// Adds the share of every policy of `report` (`sign` -1 takes it back).
    mutating func add(_ report: Report, sign: Int64 = 1) {
        let day = report.day.description
        let periods = [day, String(day.prefix(7)), ""]
        for p in report.policies {
            for (g, period) in periods.enumerated() {
                add(p, organization: report.organizationName, period: period, grain: g, sign: sign)
            }
        }
    }

    private mutating func add(_ p: Policy, organization: String, period: String, grain g: Int, sign: Int64) {
        let key = Key(
            period: period, domain: p.domain, organization: organization, policyType: p.type.rawValue, resultType: "")
        sessions[g][key, default: Counts()].successful += sign * p.successfulSessionCount
        sessions[g][key, default: Counts()].failed += sign * p.failedSessionCount
        sessions[g][key, default: Counts()].policies += sign
        for d in p.failureDetails {
            var k = key
            k.resultType = d.resultType.rawValue
            sessions[g][k, default: Counts()].failed += sign * d.failedSessionCount
            sessions[g][k, default: Counts()].policies += sign
            if let host = d.receivingMXHostname, !host.isEmpty {
                let mk = MXKey(period: period, domain: p.domain, host: host, resultType: d.resultType.rawValue)
                mx[g][mk, default: Sum()].value += sign * d.failedSessionCount
                mx[g][mk, default: Sum()].contributors += sign
            }
        }
        if let mode = p.stsMode {
            modes[g][ModeKey(period: period, domain: p.domain, mode: mode.rawValue), default: 0] += sign
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
            for (k, c) in sessions[g] where c.policies != 0 {
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
            for (k, n) in mx[g] where n.contributors != 0 {
                try mxInsert.run { b in
                    b.text(k.period)
                    b.text(k.domain)
                    b.text(k.host)
                    b.text(k.resultType)
                    b.int(n.value)
                }
            }
            let modeInsert = try FastInsert(
                db,
                """
                INSERT INTO mode_rollup\(grain) (period, policy_domain, sts_mode, policy_count) VALUES (?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET policy_count = policy_count + excluded.policy_count
                """)
            for (k, n) in modes[g] where n != 0 {
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
