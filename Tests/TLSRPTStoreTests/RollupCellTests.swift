import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore

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

    @Test func sumsSaturate() throws {
        var a = RollupCell()
        let key = RollupCell.SessionKey(organization: 1, policyType: 2, resultType: 3)
        a.sessions[key] = RollupCell.Counts(successful: .max - 1, failed: 5, policies: 1)
        var b = a
        b.merge(a)
        #expect(b.sessions[key] == RollupCell.Counts(successful: .max, failed: 10, policies: 2))
        #expect(try RollupCell(decoding: b.encoded()) == b)
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
            if let cell = try? RollupCell(decoding: bytes) {
                #expect(try RollupCell(decoding: cell.encoded()) == cell)
            } else {
                refused += 1
            }
        }
        #expect(refused > 1000)
    }
}
