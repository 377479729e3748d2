import TLSRPT
import TLSRPTStore

/// The rollup changes a pipelined bulk ingest gathers on its reading side, gathered the same
/// way (same batch sizes, same tables) with no database: what `tlsrpt-bench read-files
/// --rollups` adds to the reading floor, so the work any ingest must do is measured, not
/// guessed (BENCHMARKS.md §3). Not used by `tlsrpt` itself.
@_spi(Benchmarks)
public struct BatchRollups {
    private let batchSize: Int
    private var delta: RollupDelta
    private var inBatch = 0
    private var batches = 0
    /// Distinct rollup keys gathered over all batches (so the work cannot be optimized away).
    public private(set) var keys = 0

    /// Batches of at most `batchSize` reports, ramping up as a pipelined ingest's do.
    public init(batchSize: Int = 5000) {
        self.batchSize = batchSize
        delta = IngestSession.delta(
            forBatch: IngestSession.batchLimit(started: 0, batchSize: batchSize, pipelined: true), pipelined: true)
    }

    /// Adds `report`'s share to the batch; a full batch's changes are counted and dropped.
    public mutating func add(_ report: Report) {
        delta.add(report)
        inBatch += 1
        guard inBatch >= IngestSession.batchLimit(started: batches, batchSize: batchSize, pipelined: true) else {
            return
        }
        finish()
    }

    /// Counts and drops the changes of the batch being gathered.
    public mutating func finish() {
        keys += delta.keyCount
        inBatch = 0
        batches += 1
        delta = IngestSession.delta(
            forBatch: IngestSession.batchLimit(started: batches, batchSize: batchSize, pipelined: true), pipelined: true
        )
    }
}
