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
    /// Store transactions (one per group of concurrent requests) and the items they held.
    let commits: Counter
    let committedItems: Counter
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let rejectedCounters = Mutex<[String: Counter]>([:])

    public init() {
        reportsStored = registry.makeCounter(
            name: "tlsrpt_reports_stored_total", help: "Reports stored for the first time.")
        duplicates = registry.makeCounter(
            name: "tlsrpt_reports_duplicate_total", help: "Copies of reports already stored.")
        storeFailures = registry.makeCounter(name: "tlsrpt_store_failures_total", help: "Requests answered 503.")
        bytesReceived = registry.makeCounter(name: "tlsrpt_request_bytes_total", help: "Request body bytes received.")
        commits = registry.makeCounter(
            name: "tlsrpt_store_commits_total", help: "Store transactions (group commits) made by the receiver.")
        committedItems = registry.makeCounter(
            name: "tlsrpt_store_committed_items_total", help: "Items (reports and rejections) in those transactions.")
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
        labeled(requestCounters, "tlsrpt_requests_total", "status", String(status), "HTTP requests by status code.")
    }

    /// Counts a rejection by reason.
    func rejected(_ reason: String) {
        labeled(rejectedCounters, "tlsrpt_rejected_total", "reason", reason, "Rejected request bodies by reason.")
    }

    /// Increments the counter `name{label="value"}`, made on first use.
    private func labeled(
        _ cache: borrowing Mutex<[String: Counter]>, _ name: String, _ label: String, _ value: String, _ help: String
    ) {
        let counter = cache.withLock { map in
            if let c = map[value] { return c }
            let c = registry.makeCounter(name: name, labels: [(label, value)], help: help)
            map[value] = c
            return c
        }
        counter.increment()
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}
