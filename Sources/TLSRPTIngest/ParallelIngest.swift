import Dispatch
import Foundation
import TLSRPTMail
import TLSRPTStore

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
    ///
    /// When the walk splits mail (a mbox, a Maildir, a mail file, standard input) it runs on a
    /// thread of its own (`StreamedWalk`): parsing MIME and decoding base64 make it the heavier
    /// side, and overlapping it with the decoding took 7 % off a mbox or Maildir of 20,000
    /// report mails (BENCHMARKS.md §2). For a folder of report files it cost 1–3 %: the walk
    /// there is only reading files. With `commitWithin` (seconds) and `-` among the paths
    /// while standard input is a pipe or a terminal — a mail system streaming messages, which
    /// may pause for hours — every report is committed at most that long after it arrived,
    /// even when its batch is not full.
    public func ingest(
        _ paths: [String], with extractor: ReportExtractor,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, commitWithin: Double? = nil,
        onItem: (ExtractedItem) throws -> Void = { _ in }
    ) throws {
        var window = DecodeWindow(extractor: extractor, workers: workers)
        // Commits on a deadline only for a pipe: a file cannot pause.
        let deadline =
            paths.contains("-") && !StreamedWalk.standardInputIsFile ? commitWithin.flatMap { $0 > 0 ? $0 : nil } : nil
        if deadline != nil || extractor.walker.splitsMail(paths) {
            let walk = StreamedWalk(
                paths, walker: extractor.walker, capacity: Self.windowEvents, capacityBytes: Self.windowBytes)
            defer { walk.stop() }
            // When the oldest report not yet committed arrived; nil when all are committed.
            var oldest: Date?
            while true {
                switch walk.next(until: deadline.flatMap { d in oldest.map { $0.addingTimeInterval(d) } }) {
                case .event(let event):
                    if oldest == nil && deadline != nil { oldest = Date() }
                    if window.append(event) { try window.drain(into: self, onItem) }
                case .timedOut:
                    try window.drain(into: self, onItem)
                    try commitQueued()
                    oldest = nil
                case .finished:
                    try window.drain(into: self, onItem)
                    return
                }
            }
        }
        try extractor.walker.walk(paths) { event in
            if window.append(event) { try window.drain(into: self, onItem) }
        }
        try window.drain(into: self, onItem)
    }
}

/// The events read ahead: decoded together on every core, then queued in input order.
private struct DecodeWindow {
    let extractor: ReportExtractor
    let workers: Int
    private var events: [InputEvent] = []
    private var bytes = 0

    init(extractor: ReportExtractor, workers: Int) {
        self.extractor = extractor
        self.workers = workers
    }

    /// Adds an event; true when the window is full and should be drained.
    mutating func append(_ event: InputEvent) -> Bool {
        events.append(event)
        if case .payload(let payload) = event { bytes += payload.bytes.count }
        return events.count >= IngestSession.windowEvents || bytes >= IngestSession.windowBytes
    }

    /// Decodes the window's payloads and prepares their rows on `workers` threads, then adds
    /// the items to `session` in input order.
    mutating func drain(into session: IngestSession, _ onItem: (ExtractedItem) throws -> Void) throws {
        guard !events.isEmpty else { return }
        let events = self.events
        self.events.removeAll(keepingCapacity: true)
        bytes = 0
        let results = Slots(count: events.count)
        defer { results.free() }
        let n = max(1, min(workers, events.count))
        let extractor = self.extractor
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
                try session.add(prepared: prepared)
            }
        }
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
