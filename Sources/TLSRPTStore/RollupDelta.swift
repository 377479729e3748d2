import TLSRPT

/// Rollup changes gathered over one transaction and applied at its end: many reports for the
/// same day and domain change one rollup cell once instead of once per report. Kept at three
/// grains: day, month and all time (`RollupPeriod`).
///
/// Bulk ingest gathers the delta of a batch on the reading thread, as reports are queued, and
/// the writer takes back the share of any report that turns out to be a duplicate: the writer
/// thread, the bottleneck, does no hashing for the reports it stores.
public struct RollupDelta: Sendable {
    /// Keys hold numbers standing for texts (`Texts`): hashing five small integers instead of
    /// five Strings made gathering the delta a third cheaper on the reading thread.
    package struct Key: PackedKey {
        /// The period itself (`RollupPeriod`), not a text number.
        package var period: Int64
        package var domain: Int32
        package var organization: Int32
        package var policyType: Int32
        package var resultType: Int32

        package var hashBits: UInt64 {
            mixHash(
                mixHash(
                    UInt64(bitPattern: period),
                    UInt64(UInt32(bitPattern: domain)) << 32 | UInt64(UInt32(bitPattern: organization))),
                UInt64(UInt32(bitPattern: policyType)) << 32 | UInt64(UInt32(bitPattern: resultType)))
        }
    }
    package struct Counts: Sendable {
        package var successful: Int64 = 0
        package var failed: Int64 = 0
        package var policies: Int64 = 0
    }
    /// A count and how many policies or details contributed to it (a row is written only when
    /// something still contributes: a duplicate's share taken back leaves nothing behind).
    package struct Sum: Sendable {
        package var value: Int64 = 0
        package var contributors: Int64 = 0
    }
    package struct MXKey: PackedKey {
        package var period: Int64
        package var domain: Int32
        package var host: Int32
        package var resultType: Int32

        package var hashBits: UInt64 {
            mixHash(
                mixHash(UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain))),
                UInt64(UInt32(bitPattern: host)) << 32 | UInt64(UInt32(bitPattern: resultType)))
        }
    }
    /// A cell of the delta: a period and a domain (numbered text).
    package struct CellKey: PackedKey {
        package var period: Int64
        package var domain: Int32

        package var hashBits: UInt64 { mixHash(UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain))) }

        /// Creates it from its parts.
        package init(period: Int64, domain: Int32) {
            self.period = period
            self.domain = domain
        }
    }
    package struct ModeKey: PackedKey {
        package var period: Int64
        package var domain: Int32
        package var mode: Int32

        package var hashBits: UInt64 {
            mixHash(
                UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain)) << 32 | UInt64(UInt32(bitPattern: mode)))
        }
    }

    /// The texts of one delta, each numbered once.
    package struct Texts: Sendable {
        private var numbers: [String: Int32] = [:]
        package private(set) var texts: [String] = []

        package mutating func number(_ s: String) -> Int32 {
            if let n = numbers[s] { return n }
            let n = Int32(texts.count)
            texts.append(s)
            numbers[s] = n
            return n
        }

        package subscript(_ n: Int32) -> String { texts[Int(n)] }
    }

    package var texts = Texts()
    /// Per grain, in `RollupGrain.allCases` order.
    package var sessions: [SumTable<Key, Counts>]
    package var mx: [SumTable<MXKey, Sum>]
    package var modes: [SumTable<ModeKey, Int64>]

    /// An empty delta whose tables start with room for about `capacity` keys each (a bulk ingest's
    /// batch of 5,000 reports gathers ~20,000 at the day grain; growing the tables from 64
    /// took 1 % of the ingest).
    public init(capacity: Int = 64) {
        sessions = (0..<3).map { _ in SumTable(zero: Counts(), capacity: capacity) }
        mx = (0..<3).map { _ in SumTable(zero: Sum(), capacity: capacity / 2) }
        modes = (0..<3).map { _ in SumTable(zero: 0, capacity: capacity / 4) }
    }

    /// Distinct day, month and all-time session keys gathered.
    public var keyCount: Int { sessions.reduce(0) { $0 + $1.count } }

    /// The text number standing for `RollupCell.dkimPassMarker` (no text has it).
    package static let dkimPassNumber: Int32 = -1

    /// Adds the share of every policy of `report` (`sign` -1 takes it back); with `dkimPass`,
    /// the report also counts once per policy domain as a DKIM-verified report of its sender.
    public mutating func add(_ report: Report, sign: Int64 = 1, dkimPass: Bool = false) {
        let periods = (RollupPeriod.day(report.day), RollupPeriod.month(report.day), RollupPeriod.allTime)
        let organization = texts.number(report.organizationName)
        let empty = texts.number("")
        if dkimPass {
            // Each domain once (a report seldom has more than two policies: no Set needed).
            for (i, p) in report.policies.enumerated()
            where !report.policies[..<i].contains(where: { $0.domain == p.domain }) {
                let domain = texts.number(p.domain)
                for g in 0..<3 {
                    let key = Key(
                        period: g == 0 ? periods.0 : g == 1 ? periods.1 : periods.2, domain: domain,
                        organization: organization, policyType: Self.dkimPassNumber, resultType: Self.dkimPassNumber)
                    sessions[g].update(key) { $0.add(successful: 0, failed: 0, policies: sign) }
                }
            }
        }
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
            for g in 0..<3 {
                let period = g == 0 ? periods.0 : g == 1 ? periods.1 : periods.2
                let key = Key(
                    period: period, domain: domain, organization: organization, policyType: type, resultType: empty)
                sessions[g].update(key) {
                    $0.add(
                        successful: sign * p.successfulSessionCount, failed: sign * p.failedSessionCount, policies: sign
                    )
                }
                for d in details {
                    var k = key
                    k.resultType = d.type
                    sessions[g].update(k) { $0.add(successful: 0, failed: sign * d.failed, policies: sign) }
                    if let host = d.host {
                        let mk = MXKey(period: period, domain: domain, host: host, resultType: d.type)
                        mx[g].update(mk) { $0.add(sign * d.failed, contributors: sign) }
                    }
                }
                if let mode {
                    modes[g].update(ModeKey(period: period, domain: domain, mode: mode)) { $0 += sign }
                }
            }
        }
    }
}

extension RollupDelta.Counts {
    /// Adds (saturating: counts may be as large as a report claims).
    package mutating func add(successful: Int64, failed: Int64, policies: Int64) {
        self.successful.saturate(adding: successful)
        self.failed.saturate(adding: failed)
        self.policies += policies
    }
}

extension RollupDelta.Sum {
    /// Adds (saturating: counts may be as large as a report claims).
    package mutating func add(_ value: Int64, contributors: Int64) {
        self.value.saturate(adding: value)
        self.contributors += contributors
    }
}
