import GRDB
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
    struct Key: PackedKey {
        /// The period itself (`RollupPeriod`), not a text number.
        var period: Int64
        var domain: Int32
        var organization: Int32
        var policyType: Int32
        var resultType: Int32

        var hashBits: UInt64 {
            mixHash(
                mixHash(
                    UInt64(bitPattern: period),
                    UInt64(UInt32(bitPattern: domain)) << 32 | UInt64(UInt32(bitPattern: organization))),
                UInt64(UInt32(bitPattern: policyType)) << 32 | UInt64(UInt32(bitPattern: resultType)))
        }
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
    struct MXKey: PackedKey {
        var period: Int64
        var domain: Int32
        var host: Int32
        var resultType: Int32

        var hashBits: UInt64 {
            mixHash(
                mixHash(UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain))),
                UInt64(UInt32(bitPattern: host)) << 32 | UInt64(UInt32(bitPattern: resultType)))
        }
    }
    /// A cell of the delta: a period and a domain (numbered text).
    struct CellKey: PackedKey {
        var period: Int64
        var domain: Int32

        var hashBits: UInt64 { mixHash(UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain))) }
    }
    struct ModeKey: PackedKey {
        var period: Int64
        var domain: Int32
        var mode: Int32

        var hashBits: UInt64 {
            mixHash(
                UInt64(bitPattern: period), UInt64(UInt32(bitPattern: domain)) << 32 | UInt64(UInt32(bitPattern: mode)))
        }
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

    var texts = Texts()
    /// Per grain, in `RollupGrain.allCases` order.
    var sessions: [SumTable<Key, Counts>]
    var mx: [SumTable<MXKey, Sum>]
    var modes: [SumTable<ModeKey, Int64>]

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
    static let dkimPassNumber: Int32 = -1

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

    /// Writes the changes: for each grain, one cell per period and domain touched, added to
    /// the stored cell (`RollupCells`). `known` maps texts to their `rollup_texts` ids as far
    /// as known; returns the ids it had to look up or create, which the caller may remember
    /// once the transaction has committed (not before: a rolled-back id would be handed out
    /// again for another text).
    func apply(_ db: Database, known: [String: Int64]) throws -> [String: Int64] {
        var added: [String: Int64] = [:]
        var ids = [Int64](repeating: 0, count: texts.texts.count)
        for (n, text) in texts.texts.enumerated() {
            if let id = known[text] {
                ids[n] = id
            } else {
                ids[n] = try RollupCells.textID(db, text)
                added[text] = ids[n]
            }
        }
        for (g, grain) in RollupGrain.allCases.enumerated() {
            var cells = CellsBuilder(ids: ids)
            sessions[g].forEach { k, c in
                guard c.policies != 0 else { return }
                let key =
                    k.policyType == Self.dkimPassNumber
                    ? RollupCell.SessionKey(
                        organization: ids[Int(k.organization)], policyType: RollupCell.dkimPassMarker,
                        resultType: RollupCell.dkimPassMarker)
                    : RollupCell.SessionKey(
                        organization: ids[Int(k.organization)], policyType: ids[Int(k.policyType)],
                        resultType: ids[Int(k.resultType)])
                cells.append(
                    session: (key, RollupCell.Counts(successful: c.successful, failed: c.failed, policies: c.policies)),
                    period: k.period, domain: k.domain)
            }
            mx[g].forEach { k, n in
                guard n.contributors != 0 else { return }
                let key = RollupCell.MXKey(host: ids[Int(k.host)], resultType: ids[Int(k.resultType)])
                cells.append(mx: (key, n.value), period: k.period, domain: k.domain)
            }
            modes[g].forEach { k, n in
                guard n != 0 else { return }
                cells.append(mode: (ids[Int(k.mode)], n), period: k.period, domain: k.domain)
            }
            try RollupCells.add(db, grain, cells.cells)
        }
        return added
    }
}

/// The entries of each cell (a period and domain) of one grain, found through a table of
/// slots. (A struct with mutating methods rather than a closure over local variables: captured,
/// they were boxed and each use checked for exclusive access at run time.)
private struct CellsBuilder {
    let ids: [Int64]
    var slots = SumTable<RollupDelta.CellKey, Int32>(zero: -1, capacity: 1024)
    var cells: [(key: RollupCells.Key, entries: RollupCell.Entries)] = []

    init(ids: [Int64]) { self.ids = ids }

    /// The index in `cells` of the cell of `period` and `domain` (a text number), made when new.
    mutating func slot(_ period: Int64, _ domain: Int32) -> Int {
        var index: Int32 = -1
        let next = Int32(cells.count)
        slots.update(RollupDelta.CellKey(period: period, domain: domain)) { n in
            if n < 0 { n = next }
            index = n
        }
        if index == next {
            cells.append((RollupCells.Key(period: period, domain: ids[Int(domain)]), RollupCell.Entries()))
        }
        return Int(index)
    }

    mutating func append(session: (RollupCell.SessionKey, RollupCell.Counts), period: Int64, domain: Int32) {
        cells[slot(period, domain)].entries.sessions.append(session)
    }

    mutating func append(mx: (RollupCell.MXKey, Int64), period: Int64, domain: Int32) {
        cells[slot(period, domain)].entries.mx.append(mx)
    }

    mutating func append(mode: (Int64, Int64), period: Int64, domain: Int32) {
        cells[slot(period, domain)].entries.modes.append(mode)
    }
}

extension RollupDelta.Counts {
    /// Adds (saturating: counts may be as large as a report claims).
    mutating func add(successful: Int64, failed: Int64, policies: Int64) {
        self.successful.saturate(adding: successful)
        self.failed.saturate(adding: failed)
        self.policies += policies
    }
}

extension RollupDelta.Sum {
    /// Adds (saturating: counts may be as large as a report claims).
    mutating func add(_ value: Int64, contributors: Int64) {
        self.value.saturate(adding: value)
        self.contributors += contributors
    }
}
