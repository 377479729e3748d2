import Foundation
import TLSRPTMail
import TLSRPTStore

/// A walk of the inputs on a thread of its own, handing its events over one by one. Splitting
/// mail (MIME, base64) then overlaps with decoding the reports (7 % faster for a mbox or a
/// Maildir), and the ingest can act when no event comes: `tlsrpt ingest -` fed by a mail
/// system reads a pipe that may pause for hours, and without this the reports read before a
/// pause would wait in memory until a batch filled or the input ended (a crash meanwhile would
/// lose them, and the sender of a pipe has no copy to read again). At most `capacity` events
/// and `capacityBytes` of payload wait (at least one event, however large); the walk waits for
/// the ingest when they do, so memory stays bounded whatever the input.
final class StreamedWalk: @unchecked Sendable {
    enum Next {
        case event(InputEvent)
        /// The deadline passed (whether or not events are waiting).
        case timedOut
        /// The walk has ended and every event was taken.
        case finished
    }

    /// Whether standard input is a regular file (`tlsrpt ingest - < file`): it cannot pause,
    /// so it is walked like any file.
    static var standardInputIsFile: Bool {
        var info = stat()
        return fstat(0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private let condition = NSCondition()
    private var waiting: [InputEvent] = []
    private var head = 0
    private var ended = false
    private var stopped = false
    private let capacity: Int
    private let capacityBytes: Int
    /// Payload bytes of the events waiting.
    private var waitingBytes = 0

    /// Starts walking `paths` with `walker` on a new thread.
    init(_ paths: [String], walker: InputWalker, capacity: Int, capacityBytes: Int) {
        self.capacity = max(1, capacity)
        self.capacityBytes = capacityBytes
        let thread = Thread { [self] in
            struct Stopped: Error {}
            // A stopped walk (the ingest failed) ends at its next event instead of reading on.
            try? walker.walk(paths) { event in
                if !self.put(event) { throw Stopped() }
            }
            condition.lock()
            ended = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tlsrpt.ingest.walk"
        // The walk recurses into directories and MIME parts: give it a main thread's stack
        // rather than whatever a secondary thread gets by default.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Hands `event` over, waiting while the queue is full; false once stopped.
    private func put(_ event: InputEvent) -> Bool {
        let bytes = Self.bytes(of: event)
        condition.lock()
        defer { condition.unlock() }
        while waiting.count > head && (waiting.count - head >= capacity || waitingBytes + bytes > capacityBytes)
            && !stopped
        {
            condition.wait()
        }
        guard !stopped else { return false }
        waiting.append(event)
        waitingBytes += bytes
        condition.broadcast()
        return true
    }

    /// The next event; `.timedOut` once `deadline` (if any) has passed, even with events
    /// waiting, so a steady stream cannot put off a commit.
    func next(until deadline: Date?) -> Next {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let deadline, deadline <= Date() { return .timedOut }
            if head < waiting.count {
                let event = waiting[head]
                head += 1
                waitingBytes -= Self.bytes(of: event)
                // Taken events are let go of in bulk, so at most 2 × capacity are held.
                if head == waiting.count {
                    waiting.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= capacity {
                    waiting.removeFirst(head)
                    head = 0
                }
                condition.broadcast()
                return .event(event)
            }
            if ended { return .finished }
            if let deadline {
                _ = condition.wait(until: deadline)
            } else {
                condition.wait()
            }
        }
    }

    /// Payload bytes waiting to be taken now.
    var queuedBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitingBytes
    }

    private static func bytes(of event: InputEvent) -> Int {
        if case .payload(let payload) = event { return payload.bytes.count }
        return 0
    }

    /// Stops the walk at its next event (the ingest is over, or failed).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
