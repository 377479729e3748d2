import Dispatch
import Foundation
import Synchronization
import TLSRPT
import TLSRPTMail
import TLSRPTStore

/// Writes extracted items to the store in batches: one transaction (and one fsync) per batch,
/// so a crash loses at most the batch in flight and running the same ingest again completes it
/// (duplicates are recognised, never stored twice).
///
/// With `pipelined`, a full batch is committed on a writer thread while the caller goes on
/// reading and parsing the next ones (at most two batches queued): bulk ingest uses every core.
public final class IngestSession: @unchecked Sendable {
    /// The store written to.
    public let store: any ReportStore
    /// Items per transaction.
    public let batchSize: Int
    /// Payload bytes per transaction: a batch also closes once its reports' bytes reach this,
    /// so a batch of large reports stays small in memory.
    public let batchBytes: Int
    private var pendingBytes = 0
    /// Batches handed to the writer so far.
    private var batchesStarted = 0

    /// The size of the batch being gathered: pipelined, the first batches are small (500, then
    /// doubling up to `batchSize`) so the writer starts early instead of waiting for a whole
    /// batch to be parsed; it is the slower side, so it should never idle.
    private var currentBatchLimit: Int {
        Self.batchLimit(started: batchesStarted, batchSize: batchSize, pipelined: pipelined)
    }

    static func batchLimit(started: Int, batchSize: Int, pipelined: Bool) -> Int {
        guard pipelined, started < 8 else { return batchSize }
        return min(batchSize, 500 << started)
    }
    private let pipelined: Bool
    /// Pipelined, the WAL is checkpointed on a thread of its own while batches are written.
    private var checkpointer: (any BulkWrite)?
    private var pending: [StoreItem] = []
    /// The rollup changes of the reports in `pending`, gathered as they are queued.
    /// (Not a lazy property: mutating one goes through a getter and a setter, copying the
    /// tables on every report.)
    private var pendingRollups: RollupDelta
    private let now: @Sendable () -> Int64
    private let writer = DispatchQueue(label: "tlsrpt.ingest.writer")
    /// Batches that may be queued for the writer at once: two, so the reading side can fill
    /// the next batch while the writer is still on the last one and it never waits for a
    /// batch to be handed over.
    private let slot = DispatchSemaphore(value: IngestSession.batchesInFlight)
    static let batchesInFlight = 2
    private let state = Mutex<(tally: IngestTally, error: (any Error)?)>((IngestTally(), nil))

    /// Running totals of what has been committed.
    public var tally: IngestTally { state.withLock { $0.tally } }

    /// Creates a session writing to `store`.
    public init(
        store: any ReportStore, batchSize: Int = 5000, batchBytes: Int = 32_000_000, pipelined: Bool = false,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.batchBytes = max(1, batchBytes)
        self.pipelined = pipelined
        self.now = now
        pendingRollups = Self.delta(
            forBatch: Self.batchLimit(started: 0, batchSize: self.batchSize, pipelined: pipelined),
            pipelined: pipelined)
    }

    /// An empty delta for the next batch.
    private func newDelta() -> RollupDelta {
        Self.delta(forBatch: currentBatchLimit, pipelined: pipelined)
    }

    /// An empty delta sized for a batch of `limit` reports: a pipelined (bulk) batch gathers
    /// thousands of keys, so its tables start large (growing them from 64 entries took 1 % of
    /// a bulk ingest), but no larger than that batch needs — the first batches are small, and
    /// an ingest of one file (a mail piped to `tlsrpt ingest -`) spent a fifth of its 30 ms
    /// clearing tables sized for 5,000 reports.
    static func delta(forBatch limit: Int, pipelined: Bool) -> RollupDelta {
        RollupDelta(capacity: pipelined ? min(limit, 10_000) * 2 : 64)
    }

    /// A session dropped without `flush` (an ingest that failed) stops its checkpoint thread.
    deinit { checkpointer?.stop() }

    /// Queues an item; commits when the batch is full.
    public func add(_ item: ExtractedItem) throws {
        try add(prepared: PreparedItem(item))
    }

    /// Queues an item whose rows are already prepared (on any thread: `ingest(_:with:)`).
    func add(prepared: PreparedItem) throws {
        pending.append(prepared.stored)
        if let report = prepared.stored.report {
            pendingRollups.add(report, dkimPass: prepared.stored.dkim.isPass)
            pendingBytes += prepared.payloadBytes
        }
        guard pending.count >= currentBatchLimit || pendingBytes >= batchBytes else { return }
        pendingBytes = 0
        batchesStarted += 1
        if pipelined {
            if checkpointer == nil { checkpointer = store.beginBulkWrite() }
            let batch = pending
            let rollups = pendingRollups
            pending.removeAll(keepingCapacity: true)
            pendingRollups = newDelta()
            slot.wait()
            if let error = state.withLock({ $0.error }) {
                slot.signal()
                throw error
            }
            writer.async { [self] in
                // After a failed batch the ones queued behind it are not written either: the
                // ingest stops there, and running it again completes it.
                guard state.withLock({ $0.error == nil }) else {
                    slot.signal()
                    return
                }
                do {
                    _ = try commit(batch, rollups)
                } catch {
                    state.withLock { $0.error = error }
                }
                slot.signal()
            }
        } else {
            try flush()
        }
    }

    /// Waits for the batches in flight, then commits what is queued (and stops the background
    /// checkpoints of a pipelined session). Returns the outcome of each queued item, in order.
    @discardableResult
    public func flush() throws -> [IngestOutcome] {
        defer {
            checkpointer?.stop()
            checkpointer = nil
        }
        return try commitQueued()
    }

    /// `flush`, with `position` written in the same transaction as the queued items: the
    /// input's position and the reports it covers are committed together or not at all.
    @discardableResult
    public func flush(recording position: InputPosition) throws -> [IngestOutcome] {
        defer {
            checkpointer?.stop()
            checkpointer = nil
        }
        return try commitQueued(position: position)
    }

    /// Waits for the batches in flight, then commits what is queued now, however few: for input
    /// that has gone quiet (`ingest(_:with:commitWithin:)`). The session goes on taking items.
    @discardableResult
    func commitQueued(position: InputPosition? = nil) throws -> [IngestOutcome] {
        // The writer's queue is serial: once an empty block has run, every batch before it has.
        writer.sync {}
        if let error = state.withLock({ $0.error }) { throw error }
        guard !pending.isEmpty || position != nil else { return [] }
        let outcomes = try commit(pending, pendingRollups, position: position)
        pending.removeAll(keepingCapacity: true)
        pendingRollups = newDelta()
        pendingBytes = 0
        return outcomes
    }

    private func commit(_ items: [StoreItem], _ rollups: RollupDelta, position: InputPosition? = nil) throws
        -> [IngestOutcome]
    {
        let (outcomes, delta) = try store.commit(items, rollups: rollups, position: position, receivedAt: now())
        state.withLock { $0.tally.add(delta) }
        return outcomes
    }
}
