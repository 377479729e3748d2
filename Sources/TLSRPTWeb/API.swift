import TLSRPT
import TLSRPTRender
import TLSRPTStore

/// `/api/…`: the data of each page as JSON, with the same filters and the same date range
/// (`since`/`until` are in every answer, filled in as the pages fill them in). Summaries use
/// the keys of `tlsrpt summary --format json`.
struct API: Sendable {
    let pages: Pages
    var store: any ReportStore { pages.store }

    /// `{"since", "until", "policy_domains": [...]}`: `summary --format json` of the range.
    func summary(_ query: WebQuery) throws -> String {
        let q = try pages.ranged(query)
        let summaries = try store.summary(q.filter(), topHosts: 5)
        return document(q) { w in
            w.member("policy_domains") { w.array(summaries) { SummaryRenderer.domain(w, $0) } }
        }
    }

    /// The rows of `/`, worst first.
    func domains(_ query: WebQuery) throws -> String {
        let q = try pages.ranged(query)
        let rows = try OverviewRow.rows(store, q)
        return document(q) { w in
            w.member("policy_domains") {
                w.array(rows) { r in
                    w.object {
                        w.member("policy_domain") { w.string(r.summary.policyDomain) }
                        w.member("successful_session_count") { w.raw(String(r.summary.successfulSessionCount)) }
                        w.member("failed_session_count") { w.raw(String(r.summary.failedSessionCount)) }
                        w.member("total_session_count") { w.raw(String(r.summary.totalSessionCount)) }
                        w.member("failure_rate") { w.raw(decimal(r.failureRate)) }
                        w.member("daily") { Self.daily(w, r.daily) }
                        w.member("new_result_types") { w.array(r.newResultTypes) { w.string($0) } }
                        w.member("new_failing_mx_hosts") { w.array(r.newFailingMX) { w.string($0) } }
                        w.member("new_reporters") { w.array(r.newReporters) { w.string($0) } }
                    }
                }
            }
        }
    }

    /// `/domain/NAME`'s data, or nil when the range has nothing of it.
    func domain(_ name: String, _ query: WebQuery) throws -> String? {
        let q = try pages.ranged(query)
        let domain = normalizeDomain(name)
        let summary = try store.summary(q.filter(domain: domain), topHosts: Int.max).first
        let policies = try store.policiesSeen(q.filter(domain: domain))
        guard summary != nil || !policies.isEmpty else { return nil }
        return try domainDocument(q, domain, summary ?? DomainSummary(policyDomain: domain), policies)
    }

    private func domainDocument(_ q: WebQuery, _ domain: String, _ summary: DomainSummary, _ policies: [PolicySeen])
        throws -> String
    {
        let daily = try store.dailySummaries(q.filter(domain: domain), topHosts: 0)
        return document(q) { w in
            w.member("summary") { SummaryRenderer.domain(w, summary) }
            w.member("daily") {
                w.array(q.days) { day in
                    let s = daily[day]?.first { $0.policyDomain == domain }
                    w.object {
                        w.member("day") { w.string(day.description) }
                        w.member("successful_session_count") { w.raw(String(s?.successfulSessionCount ?? 0)) }
                        w.member("failed_session_count") { w.raw(String(s?.failedSessionCount ?? 0)) }
                        w.member("result_types") {
                            w.object {
                                for (k, v) in (s?.resultTypes ?? [:]).sorted(by: { $0.key < $1.key }) where v > 0 {
                                    w.member(k) { w.raw(String(v)) }
                                }
                            }
                        }
                    }
                }
            }
            w.member("policies_seen") {
                w.array(policies) { p in
                    w.object {
                        w.member("policy_type") { w.string(p.policyType) }
                        w.member("sts_mode") { p.stsMode.map { w.string($0) } ?? w.raw("null") }
                        w.member("mx_patterns") { w.array(p.mxPatterns) { w.string($0) } }
                        w.member("policy_strings") { w.array(p.policyStrings) { w.string($0) } }
                        w.member("policy_count") { w.raw(String(p.policyCount)) }
                        w.member("reporters") { w.array(p.reporters) { w.string($0) } }
                        w.member("first_day") { w.string(p.firstDay) }
                        w.member("last_day") { w.string(p.lastDay) }
                    }
                }
            }
        }
    }

    /// A page of `/reports`.
    func reports(_ q: WebQuery) throws -> String {
        let page = try store.listReports(q.filter(), offset: (q.page - 1) * Pages.pageSize, limit: Pages.pageSize)
        return document(q) { w in
            w.member("total") { w.raw(String(page.total)) }
            w.member("page") { w.raw(String(q.page)) }
            w.member("page_size") { w.raw(String(Pages.pageSize)) }
            w.member("reports") {
                w.array(page.reports) { r in
                    w.object {
                        w.member("id") { w.raw(String(r.id)) }
                        w.member("organization_name") { w.string(r.organizationName) }
                        w.member("report_id") { w.string(r.reportID) }
                        w.member("day") { w.string(r.day) }
                        w.member("policy_domains") { w.array(r.domains) { w.string($0) } }
                        w.member("successful_session_count") { w.raw(String(r.successfulSessionCount)) }
                        w.member("failed_session_count") { w.raw(String(r.failedSessionCount)) }
                        w.member("result_types") { w.array(r.resultTypes) { w.string($0) } }
                        w.member("dkim_pass") { w.raw(r.dkimPass ? "true" : "false") }
                    }
                }
            }
        }
    }

    /// The rejected inputs of `/rejected` (newest 500).
    func rejected(_ q: WebQuery) throws -> String {
        let inputs = try q.rejectedInputs(store)
        let w = JSONWriter(pretty: true)
        w.object {
            w.member("rejected") {
                w.array(inputs) { RejectedRenderer.object(w, $0) }
            }
        }
        return w.output + "\n"
    }

    /// `{"error": message}` for a 4xx answer.
    static func error(_ message: String) -> String {
        let w = JSONWriter(pretty: false)
        w.object { w.member("error") { w.string(message) } }
        return w.output + "\n"
    }

    private func document(_ q: WebQuery, _ body: (JSONWriter) -> Void) -> String {
        let w = JSONWriter(pretty: true)
        w.object {
            w.member("since") { w.string(q.since?.description ?? "") }
            w.member("until") { w.string(q.until?.description ?? "") }
            body(w)
        }
        return w.output + "\n"
    }

    private static func daily(_ w: JSONWriter, _ points: [DailyPoint]) {
        w.array(points) { p in
            w.object {
                w.member("day") { w.string(p.day.description) }
                w.member("successful_session_count") { w.raw(String(p.successfulSessionCount)) }
                w.member("failed_session_count") { w.raw(String(p.failedSessionCount)) }
            }
        }
    }
}
