import Foundation
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

/// The stored form of a rollup cell: what is encoded decodes to the same counts, entries added
/// to a stored cell sum per key, sums saturate, and damaged bytes are refused, never misread.
@Suite struct RollupCellTests {
    static func randomCell(_ g: inout SeededGenerator, entries: Int) -> RollupCell {
        var cell = RollupCell()
        for _ in 0..<entries {
            let key = RollupCell.SessionKey(
                organization: Int64.random(in: 0...5, using: &g), policyType: Int64.random(in: 0...3, using: &g),
                resultType: Int64.random(in: 0...12, using: &g))
            cell.sessions[key, default: .init()].add(
                RollupCell.Counts(
                    successful: Int64.random(in: 0...Int64(Int32.max), using: &g),
                    failed: Int64.random(in: 0...1000, using: &g), policies: 1))
            cell.mx[RollupCell.MXKey(host: Int64.random(in: 0...300, using: &g), resultType: 3), default: 0] += 7
            cell.modes[Int64.random(in: 0...2, using: &g), default: 0] += 1
        }
        return cell
    }

    @Test func roundTripsAndAddsUp() throws {
        var g = SeededGenerator(seed: 5)
        for n in [0, 1, 2, 40, 500] {
            let a = Self.randomCell(&g, entries: n)
            let b = Self.randomCell(&g, entries: n)
            #expect(try RollupCell(decoding: a.encoded()) == a)
            // Adding b's entries to a stored a equals merging the two.
            var stored = try RollupCell(decoding: a.encoded())
            let added = stored.encoded(
                adding: RollupCell.Entries(sessions: Array(b.sessions), mx: Array(b.mx), modes: Array(b.modes)))
            var merged = a
            merged.merge(b)
            #expect(try RollupCell(decoding: added) == merged)
            if n > 0 {
                let first = a.sessions.first!
                #expect(
                    merged.sessions[first.key]!.successful == first.value.successful
                        + (b.sessions[first.key]?.successful ?? 0))
            }
        }
    }

    /// Whether each list of a stored cell is ordered by key, each key once.
    static func isOrdered(_ bytes: [UInt8]) throws -> Bool {
        var sessions: [RollupCell.SessionKey] = []
        var mx: [RollupCell.MXKey] = []
        var modes: [Int64] = []
        try bytes.withUnsafeBytes { p in
            try RollupCell.visit(
                p, sessions: { k, _ in sessions.append(k) }, mx: { k, _ in mx.append(k) },
                modes: { k, _ in modes.append(k) })
        }
        func ordered<T: Comparable>(_ keys: [T]) -> Bool { zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 } }
        return ordered(sessions) && ordered(mx) && ordered(modes)
    }

    static func entries(_ cell: RollupCell) -> RollupCell.Entries {
        RollupCell.Entries(sessions: Array(cell.sessions), mx: Array(cell.mx), modes: Array(cell.modes))
    }

    /// Cells are written with each list ordered by key; adding ordered entries to a stored cell
    /// merges the two lists into the same bytes as adding through dictionaries.
    @Test func cellsAreOrderedAndAddedByMerging() throws {
        var g = SeededGenerator(seed: 8)
        var compared = 0
        for n in [0, 1, 2, 3, 40, 500] {
            for m in [0, 1, 5, 40, 500] {
                let a = Self.randomCell(&g, entries: n)
                let b = Self.randomCell(&g, entries: m)
                let stored = a.encoded()
                #expect(try Self.isOrdered(stored))
                let entries = Self.entries(b).ordered()
                let merged = try #require(try stored.withUnsafeBytes { try RollupCell.merging($0, adding: entries) })
                #expect(try Self.isOrdered(merged))
                var expected = a
                expected.merge(b)
                #expect(try RollupCell(decoding: merged) == expected)
                var decoded = try RollupCell(decoding: stored)
                #expect(decoded.encoded(adding: entries) == merged)
                compared += 1
            }
        }
        #expect(compared == 30)
    }

    /// A stored cell whose lists are not ordered (an earlier version wrote them in any order):
    /// merging declines, and adding to it in the database goes through dictionaries and writes
    /// the sum, ordered.
    @Test func unorderedStoredCellIsAddedThroughDictionaries() throws {
        var bytes: [UInt8] = [1]
        Varint.append(2, to: &bytes)
        for (organization, successful) in [(Int64(9), Int64(100)), (4, 40)] {
            for v in [organization, 2, 0, successful, 0, 1] { Varint.append(v, to: &bytes) }
        }
        Varint.append(0, to: &bytes)
        Varint.append(0, to: &bytes)
        #expect(try !Self.isOrdered(bytes))
        var add = RollupCell()
        add.sessions[RollupCell.SessionKey(organization: 9, policyType: 2, resultType: 0)] = RollupCell.Counts(
            successful: 1, failed: 2, policies: 1)
        add.sessions[RollupCell.SessionKey(organization: 1, policyType: 2, resultType: 0)] = RollupCell.Counts(
            successful: 7, failed: 0, policies: 1)
        let entries = Self.entries(add).ordered()
        #expect(try bytes.withUnsafeBytes { try RollupCell.merging($0, adding: entries) } == nil)

        let dir = try TestPaths.temporaryDirectory("rollup-cell")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("t.sqlite").path)
        let key = RollupCells.Key(period: 20_261_124, domain: 77)
        let stored = try store.write { db -> [UInt8] in
            try db.execute(
                sql: "INSERT INTO rollup_day (period, domain_id, cell) VALUES (?, ?, ?)",
                arguments: [key.period, key.domain, Data(bytes)])
            try RollupCells.add(db, .day, [(key, Self.entries(add))])
            return try [UInt8](Data.fetchOne(db, sql: "SELECT cell FROM rollup_day WHERE domain_id = 77")!)
        }
        #expect(try Self.isOrdered(stored))
        let cell = try RollupCell(decoding: stored)
        #expect(cell.sessions.count == 3)
        #expect(
            cell.sessions[.init(organization: 9, policyType: 2, resultType: 0)]
                == .init(successful: 101, failed: 2, policies: 2))
        #expect(
            cell.sessions[.init(organization: 4, policyType: 2, resultType: 0)]
                == .init(successful: 40, failed: 0, policies: 1))
        #expect(
            cell.sessions[.init(organization: 1, policyType: 2, resultType: 0)]
                == .init(successful: 7, failed: 0, policies: 1))
    }

    @Test func sumsSaturate() throws {
        var a = RollupCell()
        let key = RollupCell.SessionKey(organization: 1, policyType: 2, resultType: 3)
        a.sessions[key] = RollupCell.Counts(successful: .max - 1, failed: 5, policies: 1)
        var b = a
        b.merge(a)
        #expect(b.sessions[key] == RollupCell.Counts(successful: .max, failed: 10, policies: 2))
        #expect(try RollupCell(decoding: b.encoded()) == b)
        // The same when merged as stored bytes.
        let merged = try #require(
            try a.encoded().withUnsafeBytes { try RollupCell.merging($0, adding: Self.entries(a).ordered()) })
        #expect(try RollupCell(decoding: merged) == b)
    }

    @Test func damagedBytesAreRefused() throws {
        var g = SeededGenerator(seed: 6)
        let good = Self.randomCell(&g, entries: 30).encoded()
        #expect(throws: (any Error).self) { try RollupCell(decoding: [UInt8]()) }
        #expect(throws: (any Error).self) { try RollupCell(decoding: [2] + good.dropFirst()) }  // unknown version
        #expect(throws: (any Error).self) { try RollupCell(decoding: Array(good.dropLast())) }  // cut short
        #expect(throws: (any Error).self) { try RollupCell(decoding: good + [0]) }  // trailing byte
        #expect(throws: (any Error).self) { try RollupCell(decoding: [1, 0xFF, 0xFF, 0xFF, 0x7F]) }  // huge count
        // Every truncation is refused or reads as some cell, never a crash.
        for cut in 0..<good.count { _ = try? RollupCell(decoding: Array(good.prefix(cut))) }
    }

    /// Random damage (flipped, inserted and deleted bytes) is refused or reads as some cell that
    /// then round-trips; it never crashes or reads past the end.
    @Test func randomDamageNeverCrashes() throws {
        var g = SeededGenerator(seed: 7)
        var refused = 0
        let entries = Self.entries(Self.randomCell(&g, entries: 5)).ordered()
        for round in 0..<3000 {
            var bytes = Self.randomCell(&g, entries: round % 20).encoded()
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                let at = Int.random(in: 0..<bytes.count, using: &g)
                switch Int.random(in: 0..<3, using: &g) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &g)
                case 1: bytes.insert(UInt8.random(in: 0...255, using: &g), at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            // Merging into the damaged bytes throws, declines (out of order), or gives a cell.
            if let merged = try? bytes.withUnsafeBytes({ try RollupCell.merging($0, adding: entries) }) {
                #expect(try RollupCell(decoding: merged).sessions.count >= entries.sessions.count)
            }
            if let cell = try? RollupCell(decoding: bytes) {
                #expect(try RollupCell(decoding: cell.encoded()) == cell)
            } else {
                refused += 1
            }
        }
        #expect(refused > 1000)
    }
}
