@_spi(Benchmarks) import TLSRPTIngest
import TLSRPTTestSupport
import Testing

@_spi(Benchmarks) @testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

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

/// `BatchRollups` (what `tlsrpt-bench read-files --rollups` adds to the reading floor) gathers
/// the batches a pipelined ingest gathers: 500 reports, then 1,000, 2,000…, each into a fresh
/// delta; its key count is the sum of those batches' day, month and all-time keys.
@Suite struct BatchRollupsTests {
    @Test func gathersTheIngestsBatches() {
        var g = SeededGenerator(seed: 5)
        let reports = (0..<2_000).map { RandomReports.report(&g, index: $0) }
        var gathered = BatchRollups(batchSize: 5000)
        for r in reports { gathered.add(r) }
        gathered.finish()
        var expected = 0
        for slice in [reports[0..<500], reports[500..<1500], reports[1500..<2000]] {
            var delta = RollupDelta()
            for r in slice { delta.add(r) }
            expected += delta.sessions.reduce(0) { $0 + $1.count }
        }
        var asOne = RollupDelta()
        for r in reports { asOne.add(r) }
        #expect(gathered.keys == expected)
        // Batching shows: one delta over all 2,000 reports has fewer keys than three batches.
        #expect(asOne.sessions.reduce(0) { $0 + $1.count } < expected)
    }
}
