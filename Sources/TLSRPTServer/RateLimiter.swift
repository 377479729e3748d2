import Foundation
import Synchronization

/// A token bucket per client address: `perMinute` requests a minute on average, bursts up to
/// the same number. Old buckets are forgotten so a flood of addresses cannot grow it forever.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }
    private let perMinute: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    private let now: @Sendable () -> Double

    public init(perMinute: Int, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.perMinute = perMinute
        self.now = now
    }

    /// Whether a request from `client` may go ahead now (and takes a token if so).
    public func allow(_ client: String) -> Bool {
        guard perMinute > 0 else { return true }
        let t = now()
        let capacity = Double(perMinute)
        let rate = capacity / 60
        return buckets.withLock { map in
            if map.count > 100_000 { map = map.filter { t - $0.value.updated < 60 } }
            var b = map[client] ?? Bucket(tokens: capacity, updated: t)
            b.tokens = min(capacity, b.tokens + (t - b.updated) * rate)
            b.updated = t
            let ok = b.tokens >= 1
            if ok { b.tokens -= 1 }
            map[client] = b
            return ok
        }
    }
}
