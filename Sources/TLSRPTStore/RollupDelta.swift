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
    /// Keys hold numbers standing for texts (`Texts`): hashing five small integers instead of
    /// five Strings made gathering the delta a third cheaper on the reading thread.
    struct Key: Hashable {
        var period: Int32
        var domain: Int32
        var organization: Int32
        var policyType: Int32
        var resultType: Int32
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
        var period: Int32
        var domain: Int32
        var host: Int32
        var resultType: Int32
    }
    struct ModeKey: Hashable {
        var period: Int32
        var domain: Int32
        var mode: Int32
    }

    /// The texts of one delta, each numbered once.
    struct Texts: Sendable {
        private var numbers: [String: Int32] = [:]
        private(set) var texts: [String] = []

        mutating func number(_ s: String) -> Int32 {
            if let n = numbers[s] { return n }
            let n = Int32(texts.count)
            texts.append(s)
            numbers[s] = n
            return n
        }

        subscript(_ n: Int32) -> String { texts[Int(n)] }
    }

    /// Table-name suffixes of the grains, in the order of the arrays below.
    static let grains = ["_day", "_month", "_total"]

    var texts = Texts()
    var sessions: [[Key: Counts]] = [[:], [:], [:]]
    var mx: [[MXKey: Sum]] = [[:], [:], [:]]
    var modes: [[ModeKey: Int64]] = [[:], [:], [:]]

    /// Adds the share of every policy of `report` (`sign` -1 takes it back).
    mutating func add(_ report: Report, sign: Int64 = 1) {
        let day = report.day.description
        let periods = (texts.number(day), texts.number(String(day.prefix(7))), texts.number(""))
        let organization = texts.number(report.organizationName)
        let empty = periods.2
        for p in report.policies {
            let domain = texts.number(p.domain)
            let type = texts.number(p.type.rawValue)
            let mode = p.stsMode.map { texts.number($0.rawValue) }
            // Per detail: its result type and MX host, numbered once for the three grains.
            let details = p.failureDetails.map { d in
                (
                    type: texts.number(d.resultType.rawValue),
                    host: d.receivingMXHostname.flatMap { $0.isEmpty ? nil : texts.number($0) },
                    failed: d.failedSessionCount
                )
            }
            for (g, period) in [periods.0, periods.1, periods.2].enumerated() {
                let key = Key(
                    period: period, domain: domain, organization: organization, policyType: type, resultType: empty)
                sessions[g][key, default: Counts()].add(
                    successful: sign * p.successfulSessionCount, failed: sign * p.failedSessionCount, policies: sign)
                for d in details {
                    var k = key
                    k.resultType = d.type
                    sessions[g][k, default: Counts()].add(successful: 0, failed: sign * d.failed, policies: sign)
                    if let host = d.host {
                        let mk = MXKey(period: period, domain: domain, host: host, resultType: d.type)
                        mx[g][mk, default: Sum()].add(sign * d.failed, contributors: sign)
                    }
                }
                if let mode {
                    modes[g][ModeKey(period: period, domain: domain, mode: mode), default: 0] += sign
                }
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
            for (k, c) in sessions[g] where c.policies != 0 {
                try sessionInsert.run { b in
                    b.text(texts[k.period])
                    b.text(texts[k.domain])
                    b.text(texts[k.organization])
                    b.text(texts[k.policyType])
                    b.text(texts[k.resultType])
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
                    b.text(texts[k.period])
                    b.text(texts[k.domain])
                    b.text(texts[k.host])
                    b.text(texts[k.resultType])
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
                    b.text(texts[k.period])
                    b.text(texts[k.domain])
                    b.text(texts[k.mode])
                    b.int(n)
                }
            }
        }
    }
}

extension RollupDelta.Counts {
    mutating func add(successful: Int64, failed: Int64, policies: Int64) {
        self.successful += successful
        self.failed += failed
        self.policies += policies
    }
}

extension RollupDelta.Sum {
    mutating func add(_ value: Int64, contributors: Int64) {
        self.value += value
        self.contributors += contributors
    }
}
