import Prometheus
import Synchronization

/// The receiver's Prometheus metrics (`GET /metrics`).
public final class ReceiverMetrics: Sendable {
    /// The registry the text exposition is made from.
    public let registry = PrometheusCollectorRegistry()
    let reportsStored: Counter
    let duplicates: Counter
    let storeFailures: Counter
    let bytesReceived: Counter
    let ingestLatency: DurationHistogram
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let rejectedCounters = Mutex<[String: Counter]>([:])

    public init() {
        reportsStored = registry.makeCounter(
            name: "tlsrpt_reports_stored_total", help: "Reports stored for the first time.")
        duplicates = registry.makeCounter(
            name: "tlsrpt_reports_duplicate_total", help: "Copies of reports already stored.")
        storeFailures = registry.makeCounter(name: "tlsrpt_store_failures_total", help: "Requests answered 503.")
        bytesReceived = registry.makeCounter(name: "tlsrpt_request_bytes_total", help: "Request body bytes received.")
        ingestLatency = registry.makeDurationHistogram(
            name: "tlsrpt_ingest_duration_seconds",
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ],
            help: "Time from a complete request body to the answer (includes the commit).")
    }

    /// Counts a request by status code.
    public func request(status: Int) {
        let key = String(status)
        let c = requestCounters.withLock { map in
            if let c = map[key] { return c }
            let c = registry.makeCounter(
                name: "tlsrpt_requests_total", labels: [("status", key)], help: "HTTP requests by status code.")
            map[key] = c
            return c
        }
        c.increment()
    }

    /// Counts a rejection by reason.
    func rejected(_ reason: String) {
        let c = rejectedCounters.withLock { map in
            if let c = map[reason] { return c }
            let c = registry.makeCounter(
                name: "tlsrpt_rejected_total", labels: [("reason", reason)], help: "Rejected request bodies by reason.")
            map[reason] = c
            return c
        }
        c.increment()
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}
