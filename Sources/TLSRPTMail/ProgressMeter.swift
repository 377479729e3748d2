#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display for long inputs: messages and reports per second and bytes done,
/// redrawn at most every half second. Shown only when standard error is a terminal.
public final class ProgressMeter {
    private let write: (String) -> Void
    private let now: () -> Double
    private let start: Double
    private var lastDraw: Double
    private(set) var messages = 0
    private(set) var reports = 0
    private(set) var bytes = 0
    private var drew = false
    /// Seconds between redraws.
    public var interval = 0.5

    /// A meter writing to standard error when it is a terminal; nil otherwise.
    public static func forTerminal() -> ProgressMeter? {
        guard isatty(2) == 1 else { return nil }
        return ProgressMeter(write: { s in
            var t = s
            t.withUTF8 { p in _ = Glibc.write(2, p.baseAddress, p.count) }
        })
    }

    /// A meter with an explicit output and clock (for tests).
    public init(write: @escaping (String) -> Void, now: @escaping () -> Double = ProgressMeter.monotonicSeconds) {
        self.write = write
        self.now = now
        start = now()
        lastDraw = start
    }

    /// Counts one extracted item.
    public func add(_ item: ExtractedItem) {
        switch item {
        case .report(_, let payload):
            reports += 1
            bytes += payload.bytes.count
            if payload.provenance.steps.first?.hasPrefix("message") == true || payload.mail != nil { messages += 1 }
        case .rejected(_, _, let raw, _):
            bytes += raw?.count ?? 0
        case .messageWithoutReport:
            messages += 1
        }
        let t = now()
        if t - lastDraw >= interval {
            lastDraw = t
            draw(at: t)
        }
    }

    /// The current line.
    public func line(at t: Double) -> String {
        let elapsed = max(t - start, 1e-9)
        let mb = Double(bytes) / 1_000_000
        return
            "\(messages) messages (\(Int((Double(messages) / elapsed).rounded()))/s), \(reports) reports (\(Int((Double(reports) / elapsed).rounded()))/s), \(Int(mb)) MB"
    }

    private func draw(at t: Double) {
        drew = true
        write("\r\u{1B}[K" + line(at: t))
    }

    /// Clears the line (call before printing the final tally).
    public func finish() {
        if drew { write("\r\u{1B}[K") }
    }

    /// Seconds from a monotonic clock.
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
