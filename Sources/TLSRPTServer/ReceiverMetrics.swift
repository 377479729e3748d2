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
        let registry = self.registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: Self.descriptor(name, unit: "total", help: help))
        }
        reportsStored = counter("reports_stored", "Reports stored for the first time.")
        duplicates = counter("reports_duplicate", "Copies of reports already stored.")
        storeFailures = counter("store_failures", "Requests answered 503.")
        bytesReceived = counter("request_bytes", "Request body bytes received.")
        commits = counter("store_commits", "Store transactions (group commits) made by the receiver.")
        committedItems = counter("store_committed_items", "Items (reports and rejections) in those transactions.")
        ingestLatency = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "ingest_duration", unit: "seconds",
                help: "Time from a complete request body to the answer (includes the commit)."),
            buckets: [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ])
    }

    /// The metric `tlsrpt_<name>_<unit>`.
    static func descriptor(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tlsrpt", metricName: name, unitName: unit, helpText: help)
    }

    /// Counts a request by status code.
    public func request(status: Int) {
        labeled(requestCounters, "requests", "status", String(status), "HTTP requests by status code.")
    }

    /// Counts a rejection by reason.
    func rejected(_ reason: String) {
        labeled(rejectedCounters, "rejected", "reason", reason, "Rejected request bodies by reason.")
    }

    /// Increments the counter `tlsrpt_<name>_total{label="value"}`, made on first use.
    private func labeled(
        _ cache: borrowing Mutex<[String: Counter]>, _ name: String, _ label: String, _ value: String, _ help: String
    ) {
        let counter = cache.withLock { map in
            if let c = map[value] { return c }
            let c = registry.makeCounter(
                descriptor: Self.descriptor(name, unit: "total", help: help), labels: [(label, value)])
            map[value] = c
            return c
        }
        counter.increment()
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}
