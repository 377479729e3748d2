import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore

/// `SumTable` (the rollup changes' hash table) adds up exactly what a `Dictionary` does,
/// through growth, for keys that differ in one field only and keys with zero fields (the
/// all-time period is 0).
@Suite struct SumTableTests {
    @Test func sumsEqualADictionarys() {
        var g = SeededGenerator(seed: 11)
        var table = SumTable<RollupDelta.Key, Int64>(zero: 0, capacity: 4)
        var reference: [String: Int64] = [:]
        for _ in 0..<50_000 {
            let key = RollupDelta.Key(
                period: [0, 202_611, 20_261_124].randomElement(using: &g)!,
                domain: Int32.random(in: 0..<300, using: &g), organization: Int32.random(in: 0..<3, using: &g),
                policyType: Int32.random(in: 0..<2, using: &g), resultType: Int32.random(in: 0..<4, using: &g))
            let n = Int64.random(in: -5...100, using: &g)
            table.update(key) { $0 += n }
            reference[
                "\(key.period)/\(key.domain)/\(key.organization)/\(key.policyType)/\(key.resultType)", default: 0] += n
        }
        #expect(table.count == reference.count)
        var seen = 0
        table.forEach { key, value in
            seen += 1
            #expect(
                reference["\(key.period)/\(key.domain)/\(key.organization)/\(key.policyType)/\(key.resultType)"]
                    == value)
        }
        #expect(seen == reference.count)
        let absent = RollupDelta.Key(period: 1, domain: 1, organization: 1, policyType: 1, resultType: 1)
        #expect(table.value(absent) == nil)
    }
}
