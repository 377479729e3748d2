import TLSRPT
import TLSRPTStore

/// Changes to the rollup tables, one entry per row key, added to the stored rows in one
/// statement per table (`INSERT … ON CONFLICT DO UPDATE SET n = n + EXCLUDED.n`), keys sorted so
/// that two writers take their row locks in one order. Rows left with no contributor go.
struct RollupRows {
    struct SessionKey: Hashable, Comparable {
        var grain: Int64, period: Int64, domain: String, organization: String, policyType: String, resultType: String
        static func < (a: Self, b: Self) -> Bool {
            (a.grain, a.period, a.domain, a.organization, a.policyType, a.resultType)
                < (b.grain, b.period, b.domain, b.organization, b.policyType, b.resultType)
        }
    }
    struct MXKey: Hashable, Comparable {
        var grain: Int64, period: Int64, domain: String, host: String, resultType: String
        static func < (a: Self, b: Self) -> Bool {
            (a.grain, a.period, a.domain, a.host, a.resultType) < (b.grain, b.period, b.domain, b.host, b.resultType)
        }
    }
    struct ModeKey: Hashable, Comparable {
        var grain: Int64, period: Int64, domain: String, mode: String
        static func < (a: Self, b: Self) -> Bool {
            (a.grain, a.period, a.domain, a.mode) < (b.grain, b.period, b.domain, b.mode)
        }
    }
    struct DKIMKey: Hashable, Comparable {
        var grain: Int64, period: Int64, domain: String, organization: String
        static func < (a: Self, b: Self) -> Bool {
            (a.grain, a.period, a.domain, a.organization) < (b.grain, b.period, b.domain, b.organization)
        }
    }

    var sessions: [SessionKey: (successful: Int64, failed: Int64, policies: Int64)] = [:]
    var mx: [MXKey: (failed: Int64, contributors: Int64)] = [:]
    var modes: [ModeKey: Int64] = [:]
    var dkim: [DKIMKey: Int64] = [:]

    init() {}

    /// The rows a batch's `RollupDelta` changes.
    init(_ delta: RollupDelta) {
        let texts = delta.texts
        for g in 0..<3 {
            delta.sessions[g].forEach { k, c in
                guard c.policies != 0 || c.successful != 0 || c.failed != 0 else { return }
                if k.policyType == RollupDelta.dkimPassNumber {
                    dkim[
                        DKIMKey(
                            grain: Int64(g), period: k.period, domain: texts[k.domain],
                            organization: texts[k.organization]), default: 0] += c.policies
                } else {
                    let key = SessionKey(
                        grain: Int64(g), period: k.period, domain: texts[k.domain], organization: texts[k.organization],
                        policyType: texts[k.policyType], resultType: texts[k.resultType])
                    sessions[key] = (c.successful, c.failed, c.policies)
                }
            }
            delta.mx[g].forEach { k, n in
                guard n.contributors != 0 || n.value != 0 else { return }
                mx[
                    MXKey(
                        grain: Int64(g), period: k.period, domain: texts[k.domain], host: texts[k.host],
                        resultType: texts[k.resultType])] = (n.value, n.contributors)
            }
            delta.modes[g].forEach { k, n in
                guard n != 0 else { return }
                modes[ModeKey(grain: Int64(g), period: k.period, domain: texts[k.domain], mode: texts[k.mode])] = n
            }
        }
    }

    /// Day rows as read (`grain` 0); `sign` -1 to take them away.
    mutating func addDayRows(_ other: RollupRows, sign: Int64) {
        func spread(_ period: Int64, _ body: (Int64, Int64) -> Void) {
            body(0, period)
            body(1, RollupPeriod.monthOf(period))
            body(2, RollupPeriod.allTime)
        }
        for (k, v) in other.sessions where k.grain == 0 {
            spread(k.period) { g, p in
                var key = k
                key.grain = g
                key.period = p
                let old = sessions[key] ?? (0, 0, 0)
                sessions[key] = (
                    old.successful &+ sign &* v.successful, old.failed &+ sign &* v.failed,
                    old.policies &+ sign &* v.policies
                )
            }
        }
        for (k, v) in other.mx where k.grain == 0 {
            spread(k.period) { g, p in
                var key = k
                key.grain = g
                key.period = p
                let old = mx[key] ?? (0, 0)
                mx[key] = (old.failed &+ sign &* v.failed, old.contributors &+ sign &* v.contributors)
            }
        }
        for (k, v) in other.modes where k.grain == 0 {
            spread(k.period) { g, p in
                var key = k
                key.grain = g
                key.period = p
                modes[key, default: 0] &+= sign &* v
            }
        }
        for (k, v) in other.dkim where k.grain == 0 {
            spread(k.period) { g, p in
                var key = k
                key.grain = g
                key.period = p
                dkim[key, default: 0] &+= sign &* v
            }
        }
    }

    /// The cells (grain, period, domain) where `other` has a row these do not, or a row
    /// with other numbers (rows holding only zeros count as absent).
    func differingCells(_ other: RollupRows) -> Int {
        struct Cell: Hashable {
            var grain: Int64, period: Int64, domain: String
        }
        var cells = Set<Cell>()
        func compare<K: Hashable, V>(
            _ a: [K: V], _ b: [K: V], cell: (K) -> Cell, same: (V, V) -> Bool, zero: (V) -> Bool
        ) {
            for (k, v) in a where !zero(v) {
                if let w = b[k], same(v, w) { continue }
                cells.insert(cell(k))
            }
            for (k, w) in b where !zero(w) && a[k] == nil {
                cells.insert(cell(k))
            }
        }
        compare(
            sessions, other.sessions, cell: { Cell(grain: $0.grain, period: $0.period, domain: $0.domain) },
            same: { $0 == $1 }, zero: { $0 == (0, 0, 0) })
        compare(
            mx, other.mx, cell: { Cell(grain: $0.grain, period: $0.period, domain: $0.domain) }, same: { $0 == $1 },
            zero: { $0 == (0, 0) })
        compare(
            modes, other.modes, cell: { Cell(grain: $0.grain, period: $0.period, domain: $0.domain) },
            same: { $0 == $1 }, zero: { $0 == 0 })
        compare(
            dkim, other.dkim, cell: { Cell(grain: $0.grain, period: $0.period, domain: $0.domain) },
            same: { $0 == $1 }, zero: { $0 == 0 })
        return cells.count
    }

    var isEmpty: Bool { sessions.isEmpty && mx.isEmpty && modes.isEmpty && dkim.isEmpty }

    /// Adds the changes to the stored rows, then deletes the rows the changes emptied.
    func apply(_ s: PostgresSession) throws {
        if !sessions.isEmpty {
            var rows = JSONRows()
            var emptied = JSONRows()
            for (k, v) in sessions.sorted(by: { $0.key < $1.key }) {
                if v.policies < 0 {
                    emptied.row(k.grain, k.period, k.domain, k.organization, k.policyType, k.resultType)
                }
                rows.int(k.grain)
                rows.int(k.period)
                rows.text(k.domain)
                rows.text(k.organization)
                rows.text(k.policyType)
                rows.text(k.resultType)
                rows.int(v.successful)
                rows.int(v.failed)
                rows.int(v.policies)
                rows.endRow()
            }
            try upsert(
                s, rows, emptied: emptied, table: "rollup_sessions",
                keys: ["grain", "period", "domain", "organization", "policy_type", "result_type"],
                keyTypes: ["smallint", "bigint", "text", "text", "text", "text"],
                sums: [("successful", "numeric"), ("failed", "numeric"), ("policies", "bigint")], emptyWhen: "policies")
        }
        if !mx.isEmpty {
            var rows = JSONRows()
            var emptied = JSONRows()
            for (k, v) in mx.sorted(by: { $0.key < $1.key }) {
                if v.contributors < 0 { emptied.row(k.grain, k.period, k.domain, k.host, k.resultType) }
                rows.int(k.grain)
                rows.int(k.period)
                rows.text(k.domain)
                rows.text(k.host)
                rows.text(k.resultType)
                rows.int(v.failed)
                rows.int(v.contributors)
                rows.endRow()
            }
            try upsert(
                s, rows, emptied: emptied, table: "rollup_mx",
                keys: ["grain", "period", "domain", "host", "result_type"],
                keyTypes: ["smallint", "bigint", "text", "text", "text"],
                sums: [("failed", "numeric"), ("contributors", "bigint")], emptyWhen: "contributors")
        }
        if !modes.isEmpty {
            var rows = JSONRows()
            var emptied = JSONRows()
            for (k, v) in modes.sorted(by: { $0.key < $1.key }) {
                if v < 0 { emptied.row(k.grain, k.period, k.domain, k.mode) }
                rows.int(k.grain)
                rows.int(k.period)
                rows.text(k.domain)
                rows.text(k.mode)
                rows.int(v)
                rows.endRow()
            }
            try upsert(
                s, rows, emptied: emptied, table: "rollup_modes", keys: ["grain", "period", "domain", "mode"],
                keyTypes: ["smallint", "bigint", "text", "text"], sums: [("policies", "bigint")], emptyWhen: "policies")
        }
        if !dkim.isEmpty {
            var rows = JSONRows()
            var emptied = JSONRows()
            for (k, v) in dkim.sorted(by: { $0.key < $1.key }) {
                if v < 0 { emptied.row(k.grain, k.period, k.domain, k.organization) }
                rows.int(k.grain)
                rows.int(k.period)
                rows.text(k.domain)
                rows.text(k.organization)
                rows.int(v)
                rows.endRow()
            }
            try upsert(
                s, rows, emptied: emptied, table: "rollup_dkim", keys: ["grain", "period", "domain", "organization"],
                keyTypes: ["smallint", "bigint", "text", "text"], sums: [("reports", "bigint")], emptyWhen: "reports")
        }
    }

    private func upsert(
        _ s: PostgresSession, _ rows: JSONRows, emptied: JSONRows, table: String, keys: [String], keyTypes: [String],
        sums: [(String, String)], emptyWhen counter: String
    ) throws {
        let columns = keys + sums.map(\.0)
        let types = keyTypes + sums.map(\.1)
        let select = zip(columns.indices, types).map { i, t in "(e->>\(i))::\(t)" }.joined(separator: ", ")
        let updates = sums.map { "\($0.0) = \(table).\($0.0) + EXCLUDED.\($0.0)" }.joined(separator: ", ")
        try s.query(
            """
            INSERT INTO \(table) (\(columns.joined(separator: ", ")))
            SELECT \(select) FROM jsonb_array_elements($1::jsonb) AS e
            ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET \(updates)
            """, [.text(rows.finished)])
        // Only a row whose counter went down can have lost its last contributor.
        guard emptied.count > 0 else { return }
        let match = zip(keys.indices, keyTypes).map { i, t in "t.\(keys[i]) = (e->>\(i))::\(t)" }
            .joined(separator: " AND ")
        try s.query(
            """
            DELETE FROM \(table) t USING jsonb_array_elements($1::jsonb) AS e
            WHERE \(match) AND t.\(counter) = 0
            """, [.text(emptied.finished)])
    }
}
