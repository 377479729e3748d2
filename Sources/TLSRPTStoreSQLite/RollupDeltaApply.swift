import GRDB
import TLSRPT
import TLSRPTStore

extension RollupDelta {
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
