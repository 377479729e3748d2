import Dispatch
import Foundation
import TLSRPTMail

extension IngestSession {
    /// Events read ahead and decoded together: at most this many…
    static let windowEvents = 256
    /// …or this many payload bytes (memory stays bounded whatever the files).
    static let windowBytes = 8_000_000

    /// Reads `paths` with `extractor` and adds every item in input order — what
    /// `extractor.extract(paths) { try add($0) }` does, with the same outcome — but decodes the
    /// payloads and prepares their rows on `workers` threads. The walk itself (directory
    /// listing, file reads, mbox and MIME splitting) stays on the calling thread, in order; it
    /// reads up to `windowEvents` payloads ahead, decodes them in parallel, then queues their
    /// items in order. With the writer thread of a pipelined session, a bulk ingest keeps both
    /// cores busy (parsing alone was the slower side: BENCHMARKS.md §3). `onItem` sees each
    /// item, in order, before it is queued.
    public func ingest(
        _ paths: [String], with extractor: ReportExtractor,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        onItem: (ExtractedItem) throws -> Void = { _ in }
    ) throws {
        var window: [InputEvent] = []
        var bytes = 0
        func drain() throws {
            guard !window.isEmpty else { return }
            let events = window
            window.removeAll(keepingCapacity: true)
            bytes = 0
            let results = Slots(count: events.count)
            defer { results.free() }
            let n = max(1, min(workers, events.count))
            DispatchQueue.concurrentPerform(iterations: n) { worker in
                // Worker w takes events w, w + n, w + 2n…: each slot is written by one worker.
                for i in stride(from: worker, to: events.count, by: n) {
                    var items: [PreparedItem] = []
                    extractor.dispatch(events[i]) { items.append(PreparedItem($0)) }
                    results.base[i] = items
                }
            }
            for items in UnsafeBufferPointer(start: results.base, count: events.count) {
                for prepared in items {
                    try onItem(prepared.item)
                    try add(prepared: prepared)
                }
            }
        }
        try extractor.walker.walk(paths) { event in
            window.append(event)
            if case .payload(let payload) = event { bytes += payload.bytes.count }
            if window.count >= Self.windowEvents || bytes >= Self.windowBytes { try drain() }
        }
        try drain()
    }
}

/// The workers' result slots: slot i is written by one worker only, and read after they have
/// all finished (`concurrentPerform` returns when every iteration has).
private struct Slots: @unchecked Sendable {
    let base: UnsafeMutablePointer<[PreparedItem]>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: [], count: count)
    }

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
