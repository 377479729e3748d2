import TLSRPT
import TLSRPTStore

/// The filters of a dashboard URL (`?since=&until=&domain=&reporter=&result_type=&page=`),
/// so every view has an address to bookmark and share. Dates are UTC days (YYYY-MM-DD); a
/// malformed value is an error naming the parameter (the page answers 400).
struct WebQuery: Sendable, Equatable {
    var since: Day?
    var until: Day?
    var domains: [String] = []
    var reporters: [String] = []
    var resultTypes: [String] = []
    /// 1-based page of a list.
    var page = 1

    init() {}

    /// Reads the query parameters (`name`, `value` pairs in order; repeated names add up).
    init(_ parameters: [(String, String)]) throws {
        for (name, value) in parameters {
            let v = value.trimmingCharacters(in: .whitespaces)
            switch name {
            case "since", "until":
                guard !v.isEmpty else { continue }
                guard let day = Day(v) else { throw WebError("\(name)=\(value) is not a date (YYYY-MM-DD)") }
                if name == "since" { since = day } else { until = day }
            case "domain":
                if !v.isEmpty { domains.append(v) }
            case "reporter":
                if !v.isEmpty { reporters.append(v) }
            case "result_type":
                if !v.isEmpty { resultTypes.append(v) }
            case "page":
                guard !v.isEmpty else { continue }
                guard let n = Int(v), n >= 1, n <= 1_000_000 else {
                    throw WebError("page=\(value) is not a page number")
                }
                page = n
            default:
                continue
            }
        }
        if let since, let until, since > until {
            throw WebError("since=\(since) is after until=\(until)")
        }
    }

    /// The query with its date range filled in: `until` defaults to the newest report's day (so
    /// a database of old reports shows them), else `today`; `since` to 29 days before `until`.
    func withRange(newest: Day?, today: Day) -> WebQuery {
        var q = self
        let until = q.until ?? (q.since.map { s in max(s, newest ?? today) } ?? newest ?? today)
        q.until = until
        q.since = q.since ?? until.adding(days: -29)
        return q
    }

    /// The store filter of this query (with `domain` in place of its domains when given).
    func filter(domain: String? = nil) -> ReportFilter {
        ReportFilter(
            since: since, until: until, domains: domain.map { [$0] } ?? domains, reporters: reporters,
            resultTypes: resultTypes)
    }

    /// The days from `since` to `until`, both included (empty without both).
    var days: [Day] {
        guard let since, let until, since <= until else { return [] }
        let n = Int(until.daysSinceEpoch - since.daysSinceEpoch) + 1
        return (0..<min(n, 3660)).map { since.adding(days: $0) }
    }

    /// Query pairs for links that keep this query's filters (page left out unless asked).
    func pairs(page: Int? = nil, dropDomains: Bool = false) -> [(String, String?)] {
        var out: [(String, String?)] = [("since", since?.description), ("until", until?.description)]
        if !dropDomains { out += domains.map { ("domain", $0) } }
        out += reporters.map { ("reporter", $0) }
        out += resultTypes.map { ("result_type", $0) }
        if let page, page > 1 { out.append(("page", String(page))) }
        return out
    }

    /// The newest 500 rejected inputs received from `since` to `until` (UTC days, both
    /// included; either open), for `/rejected` and `/api/rejected`.
    func rejectedInputs(_ store: any ReportStore) throws -> [RejectedInput] {
        let inputs = try store.rejectedInputs(limit: 500, since: since.map { Int64($0.daysSinceEpoch) * 86_400 })
        guard let until else { return inputs }
        let end = (Int64(until.daysSinceEpoch) + 1) * 86_400
        return inputs.filter { $0.receivedAt < end }
    }
}
