import Foundation
import TLSRPT
import TLSRPTRender
import TLSRPTStore

/// The dashboard's pages, rendered from the store on each request (read only).
struct Pages: Sendable {
    let store: any ReportStore
    /// Today (UTC), for the default range of an empty database.
    var today: @Sendable () -> Day = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)).day }

    /// The query with its range filled in from the newest report.
    func ranged(_ q: WebQuery) throws -> WebQuery {
        q.withRange(newest: try store.reportDays()?.upperBound, today: today())
    }

    // MARK: /

    func overview(_ query: WebQuery) throws -> String {
        let q = try ranged(query)
        let rows = try OverviewRow.rows(store, q)
        return Layout.page("Policy domains", section: .domains) { html in
            html.element("h1", text: "Policy domains")
            html.element("p", ["class": "muted", "id": "range"], text: "\(q.since!) – \(q.until!) (UTC days)")
            Layout.filters(q, action: "/", into: &html)
            var ok: Int64 = 0
            var failed: Int64 = 0
            for r in rows {
                ok.saturate(adding: r.summary.successfulSessionCount)
                failed.saturate(adding: r.summary.failedSessionCount)
            }
            html.raw("<div class=\"cards\">")
            Layout.card("policy domains", String(rows.count), id: "domain-count", into: &html)
            Layout.card("sessions", String(ok.saturatingAdd(failed)), id: "total-sessions", into: &html)
            Layout.card("failed sessions", String(failed), id: "total-failed", into: &html)
            let total = ok.saturatingAdd(failed)
            Layout.card(
                "failure rate", percent(total == 0 ? 0 : Double(failed) / Double(total)), id: "total-rate", into: &html)
            html.raw("</div>")
            guard !rows.isEmpty else {
                html.element("p", ["id": "empty"], text: "No reports in this range.")
                return
            }
            html.raw(
                "<table id=\"domains\"><thead><tr><th>Policy domain</th><th class=\"num\">Sessions</th><th class=\"num\">Failed</th><th class=\"num\">Failure rate</th><th>Last 30 days</th><th>New this week</th></tr></thead><tbody>"
            )
            for r in rows {
                let s = r.summary
                html.open("tr", ["class": "domain-row", "data-domain": s.policyDomain])
                html.raw("<td>")
                html.link(WebURL.domain(s.policyDomain, q.pairs(dropDomains: true)), Layout.domainName(s.policyDomain))
                html.raw("</td>")
                html.element("td", ["class": "num sessions"], text: String(s.totalSessionCount))
                html.element("td", ["class": "num failed"], text: String(s.failedSessionCount))
                html.raw("<td class=\"num rate\">")
                Layout.rate(s.failedSessionCount, of: s.totalSessionCount, into: &html)
                html.raw("</td><td>")
                Charts.sparkline(r.daily, into: &html)
                html.raw("</td><td class=\"new\">")
                for t in r.newResultTypes { html.element("span", ["class": "tag new result-type"], text: t) }
                for m in r.newFailingMX { html.element("span", ["class": "tag new mx"], text: "MX " + m) }
                for o in r.newReporters { html.element("span", ["class": "tag reporter"], text: "from " + o) }
                html.raw("</td></tr>")
            }
            html.raw("</tbody></table>")
        }
    }

    // MARK: /domain/NAME

    func domain(_ name: String, _ query: WebQuery) throws -> (found: Bool, html: String) {
        let q = try ranged(query)
        let domain = normalizeDomain(name)
        let summary = try store.summary(q.filter(domain: domain), topHosts: Int.max).first
        let daily = try store.dailySummaries(q.filter(domain: domain), topHosts: 0)
        let policies = try store.policiesSeen(q.filter(domain: domain))
        let digest = try store.digest(day: q.until!, domains: [domain])
        let title = Layout.domainName(domain)
        let html = Layout.page(title, section: .domains) { html in
            html.element("h1", text: title)
            html.element("p", ["class": "muted", "id": "range"], text: "\(q.since!) – \(q.until!) (UTC days)")
            Layout.filters(q, action: WebURL.domain(domain), domain: false, into: &html)
            let s = summary ?? DomainSummary(policyDomain: domain)
            html.raw("<div class=\"cards\">")
            Layout.card("sessions", String(s.totalSessionCount), id: "sessions", into: &html)
            Layout.card("successful", String(s.successfulSessionCount), id: "successful", into: &html)
            Layout.card("failed", String(s.failedSessionCount), id: "failed", into: &html)
            Layout.card("failure rate", percent(1 - s.successRate), id: "rate", into: &html)
            html.raw("</div>")
            alerts(digest, into: &html)
            html.element("h2", text: "Daily sessions")
            let days = q.days
            let perDay = days.map { d in daily[d]?.first { $0.policyDomain == domain } }
            Charts.stackedBars(
                days: days,
                series: [
                    Charts.Series(
                        name: "successful", colour: "#2e7d32", values: perDay.map { $0?.successfulSessionCount ?? 0 }),
                    Charts.Series(
                        name: "failed", colour: "#c62828", values: perDay.map { $0?.failedSessionCount ?? 0 }),
                ], kind: "sessions", label: "daily sessions, successful and failed", into: &html)
            html.element("h2", text: "Daily failures by result type")
            let types = s.resultTypes.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            Charts.stackedBars(
                days: days,
                series: types.enumerated().map { i, t in
                    Charts.Series(
                        name: t.key, colour: Charts.palette[i % Charts.palette.count],
                        values: perDay.map { $0?.resultTypes[t.key] ?? 0 })
                }, kind: "failures", label: "daily failed sessions by result type", into: &html)
            html.element("h2", text: "Failures by result type")
            if types.isEmpty {
                html.element("p", ["class": "muted", "id": "no-failures"], text: "No failures in this range.")
            } else {
                html.raw(
                    "<table id=\"result-types\"><thead><tr><th>Result type</th><th class=\"num\">Failed sessions</th><th>What to do</th></tr></thead><tbody>"
                )
                for (type, n) in types {
                    let hosts = s.mxHosts.filter { ($0.resultTypes[type] ?? 0) > 0 }.map(\.hostname)
                    html.open("tr", ["data-result-type": type])
                    html.element("td", text: type)
                    Layout.number(n, into: &html)
                    html.element(
                        "td", ["class": "hint"], text: Remediation.hint(for: type, hosts: Array(hosts.prefix(5))))
                    html.raw("</tr>")
                }
                html.raw("</tbody></table>")
            }
            html.element("h2", text: "Failing MX hosts")
            if s.mxHosts.isEmpty {
                html.element("p", ["class": "muted"], text: "No failing MX host named in this range.")
            } else {
                html.raw(
                    "<table id=\"mx-hosts\"><thead><tr><th>Receiving MX</th><th class=\"num\">Failed sessions</th><th>Result types</th></tr></thead><tbody>"
                )
                for h in s.mxHosts {
                    html.open("tr", ["data-mx": h.hostname])
                    html.element("td", text: h.hostname)
                    Layout.number(h.failedSessionCount, into: &html)
                    html.element(
                        "td",
                        text: h.resultTypes.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                            .map {
                                "\($0.key) \($0.value)"
                            }
                            .joined(separator: ", "))
                    html.raw("</tr>")
                }
                html.raw("</tbody></table>")
            }
            html.element("h2", text: "Reporters")
            html.raw(
                "<table id=\"reporters\"><thead><tr><th>Sending organization</th><th class=\"num\">Successful</th><th class=\"num\">Failed</th><th class=\"num\">Failure rate</th><th class=\"num\">DKIM-verified reports</th></tr></thead><tbody>"
            )
            for r in s.reporters {
                html.open("tr", ["data-reporter": r.organizationName])
                html.raw("<td>")
                html.link(
                    WebURL.with(
                        "/reports",
                        [("domain", domain), ("reporter", r.organizationName)] + q.pairs(dropDomains: true).prefix(2)),
                    r.organizationName)
                html.raw("</td>")
                Layout.number(r.successfulSessionCount, into: &html)
                Layout.number(r.failedSessionCount, into: &html)
                html.raw("<td class=\"num\">")
                Layout.rate(
                    r.failedSessionCount, of: r.successfulSessionCount.saturatingAdd(r.failedSessionCount), into: &html)
                html.raw("</td>")
                Layout.number(r.dkimPassReports, into: &html)
                html.raw("</tr>")
            }
            html.raw("</tbody></table>")
            html.element("h2", text: "Policies seen")
            html.raw(
                "<table id=\"policies\"><thead><tr><th>Type</th><th>Mode</th><th>MX patterns</th><th>Policy strings</th><th class=\"num\">Policies</th><th>Reporters</th><th>Seen</th></tr></thead><tbody>"
            )
            for p in policies {
                html.raw("<tr class=\"policy\">")
                html.element("td", text: p.policyType)
                html.element("td", text: p.stsMode ?? "")
                html.element("td", text: p.mxPatterns.joined(separator: ", "))
                html.raw("<td>")
                if !p.policyStrings.isEmpty { html.element("pre", text: p.policyStrings.joined(separator: "\n")) }
                html.raw("</td>")
                Layout.number(p.policyCount, into: &html)
                html.element("td", text: p.reporters.joined(separator: ", "))
                html.element("td", text: p.firstDay == p.lastDay ? p.firstDay : "\(p.firstDay) – \(p.lastDay)")
                html.raw("</tr>")
            }
            html.raw("</tbody></table>")
            html.raw("<p>")
            html.link(
                WebURL.with("/reports", [("domain", domain)] + q.pairs(dropDomains: true)), "This domain's reports")
            html.raw("</p>")
        }
        return (summary != nil || !policies.isEmpty, html)
    }

    /// The digest's findings for the range's last day: new result types and reporters, and the
    /// failure rate against the week before.
    func alerts(_ digest: Digest, into html: inout HTML) {
        html.element("h2", text: "Alerts for \(digest.day)")
        guard let d = digest.domains.first else {
            html.element("p", ["class": "muted", "id": "alerts-none"], text: "No reports for this day.")
            return
        }
        var any = false
        html.raw("<div id=\"alerts\">")
        for type in d.newResultTypes {
            any = true
            let hosts = d.today.mxHosts.filter { ($0.resultTypes[type] ?? 0) > 0 }.map(\.hostname)
            html.raw("<div class=\"alert\" data-alert=\"new-result-type\">")
            html.element("strong", text: "New result type \(type)")
            html.text(" (not seen in the 30 days before). ")
            html.element("span", ["class": "hint"], text: Remediation.hint(for: type, hosts: hosts))
            html.raw("</div>")
        }
        for reporter in d.newReporters {
            any = true
            html.raw("<div class=\"alert\" data-alert=\"new-reporter\">")
            html.element("strong", text: "New reporter \(reporter)")
            html.text(" (no report from it in the 30 days before).")
            html.raw("</div>")
        }
        if d.today.failedSessionCount > 0 {
            any = true
            html.raw("<div class=\"alert\" data-alert=\"failures\">")
            html.element("strong", text: "Failure rate \(percent(d.failureRate))")
            if let before = d.previousFailureRate {
                html.text(" (previous 7 days: \(percent(before))).")
            } else {
                html.text(" (no reports in the previous 7 days).")
            }
            html.raw("</div>")
        }
        if !any { html.element("p", ["class": "muted", "id": "alerts-none"], text: "Nothing to report.") }
        html.raw("</div>")
    }

    // MARK: /reports

    static let pageSize = 50

    func reports(_ q: WebQuery) throws -> String {
        let page = try store.listReports(q.filter(), offset: (q.page - 1) * Self.pageSize, limit: Self.pageSize)
        return Layout.page("Reports", section: .reports) { html in
            html.element("h1", text: "Reports")
            Layout.filters(q, action: "/reports", into: &html)
            let first = page.total == 0 ? 0 : (q.page - 1) * Self.pageSize + 1
            let last = (q.page - 1) * Self.pageSize + page.reports.count
            html.element(
                "p", ["id": "report-count", "data-total": String(page.total)],
                text: "\(page.total) report(s)" + (page.total > 0 ? ", \(first)–\(last) shown" : ""))
            html.raw(
                "<table id=\"report-list\"><thead><tr><th>Day</th><th>Sending organization</th><th>Report id</th><th>Policy domains</th><th class=\"num\">Successful</th><th class=\"num\">Failed</th><th>Result types</th><th>DKIM</th></tr></thead><tbody>"
            )
            for r in page.reports {
                html.open("tr", ["class": "report-row", "data-id": String(r.id)])
                html.element("td", text: r.day)
                html.element("td", text: r.organizationName)
                html.raw("<td>")
                html.link("/reports/\(r.id)", r.reportID)
                html.raw("</td>")
                html.element("td", text: r.domains.map(Layout.domainName).joined(separator: ", "))
                Layout.number(r.successfulSessionCount, into: &html)
                Layout.number(r.failedSessionCount, into: &html)
                html.raw("<td>")
                for t in r.resultTypes { html.element("span", ["class": "tag"], text: t) }
                html.raw("</td>")
                html.element("td", text: r.dkimPass ? "pass" : "")
                html.raw("</tr>")
            }
            html.raw("</tbody></table><p class=\"pager\">")
            if q.page > 1 { html.link(WebURL.with("/reports", q.pairs(page: q.page - 1)), "← newer", class: "prev") }
            if last < page.total {
                html.link(WebURL.with("/reports", q.pairs(page: q.page + 1)), "older →", class: "next")
            }
            html.raw("</p>")
        }
    }

    // MARK: /reports/ID

    func report(_ id: Int64) throws -> String? {
        guard let stored = try store.storedReport(id: id) else { return nil }
        let r = stored.report
        let copies =
            [(stored.receivedAt, stored.source, stored.channel, "stored", stored.dkim)]
            + stored.receipts.map { ($0.receivedAt, $0.source, $0.channel, $0.outcome, $0.dkim) }
        let json = (try? ReportDecoder().gunzip(stored.gzip)).map { String(decoding: $0, as: UTF8.self) }
        return Layout.page("Report \(r.reportID)", section: .reports) { html in
            html.element("h1", text: "Report \(r.reportID)")
            html.raw("<table id=\"report-facts\"><tbody>")
            func fact(_ name: String, _ value: String?) {
                html.raw("<tr>")
                html.element("th", text: name)
                html.element("td", text: value ?? "")
                html.raw("</tr>")
            }
            fact("Sending organization", r.organizationName)
            fact("Contact", r.contactInfo)
            fact("Reporter domain", r.reporterDomain)
            fact("Report id", r.reportID)
            fact("Start", stored.begin)
            fact("End", stored.end)
            fact("Day", stored.day)
            fact("DKIM", stored.dkimPass ? "pass" : (stored.dkim.name ?? "not checked"))
            html.raw("</tbody></table>")
            for (i, p) in r.policies.enumerated() {
                html.element("h2", text: "Policy \(i + 1): \(p.type.rawValue) for \(Layout.domainName(p.domain))")
                html.raw("<table class=\"policy-facts\"><tbody>")
                fact("Policy domain", p.domain)
                fact("MTA-STS mode", p.stsMode?.rawValue)
                fact("MX patterns", p.mxPatterns.joined(separator: ", "))
                fact("TLSA records", p.tlsaRecords.joined(separator: "\n"))
                fact("Successful sessions", String(p.successfulSessionCount))
                fact("Failed sessions", String(p.failedSessionCount))
                html.raw("</tbody></table>")
                if !p.policyStrings.isEmpty { html.element("pre", text: p.policyStrings.joined(separator: "\n")) }
                if !p.failureDetails.isEmpty {
                    html.raw(
                        "<table class=\"details\"><thead><tr><th>Result type</th><th class=\"num\">Failed</th><th>Sending MTA</th><th>Receiving MX</th><th>HELO</th><th>Receiving IP</th><th>Reason code</th><th>Additional information</th></tr></thead><tbody>"
                    )
                    for d in p.failureDetails {
                        html.raw("<tr class=\"detail\">")
                        html.element("td", text: d.resultType.rawValue)
                        Layout.number(d.failedSessionCount, into: &html)
                        html.element("td", text: d.sendingMTAIP ?? "")
                        html.element("td", text: d.receivingMXHostname ?? "")
                        html.element("td", text: d.receivingMXHelo ?? "")
                        html.element("td", text: d.receivingIP ?? "")
                        html.element("td", text: d.failureReasonCode ?? "")
                        html.element("td", text: d.additionalInformation ?? "")
                        html.raw("</tr>")
                    }
                    html.raw("</tbody></table>")
                }
            }
            html.element("h2", text: "Copies received")
            html.raw(
                "<table id=\"copies\"><thead><tr><th>Received</th><th>Source</th><th>Channel</th><th>Outcome</th><th>DKIM</th></tr></thead><tbody>"
            )
            for (receivedAt, source, channel, outcome, dkim) in copies {
                html.open("tr", ["class": "copy", "data-outcome": outcome])
                html.element("td", text: Timestamp(seconds: receivedAt).description)
                html.element("td", text: source)
                html.element("td", text: channel)
                html.element("td", text: outcome)
                html.element(
                    "td", text: [dkim.name, dkim.domain, dkim.reason].compactMap { $0 }.joined(separator: " "))
                html.raw("</tr>")
            }
            html.raw("</tbody></table>")
            html.element("h2", text: "Raw JSON")
            html.raw("<p>")
            html.link("/reports/\(id)/raw", "Download the report as received (gzip)")
            html.raw("</p>")
            html.element("pre", ["id": "raw-json"], text: json ?? "(the stored bytes could not be decompressed)")
        }
    }

    // MARK: /rejected

    func rejected(_ q: WebQuery) throws -> String {
        let inputs = try q.rejectedInputs(store)
        return Layout.page("Rejected inputs", section: .rejected) { html in
            html.element("h1", text: "Rejected inputs")
            html.element(
                "p", ["id": "rejected-count", "data-total": String(inputs.count)],
                text: "\(inputs.count) rejected input(s)\(inputs.count == 500 ? " (the newest 500)" : ""), newest first"
            )
            html.raw(
                "<table id=\"rejected\"><thead><tr><th>Received</th><th>Source</th><th>Channel</th><th>Kind</th><th>Where</th><th>Reason</th><th class=\"num\">Bytes</th><th></th></tr></thead><tbody>"
            )
            for r in inputs {
                html.open("tr", ["class": "rejected-row", "data-id": String(r.id)])
                html.element("td", text: Timestamp(seconds: r.receivedAt).description)
                html.element("td", text: r.source)
                html.element("td", text: r.channel)
                html.element("td", text: r.kind)
                html.element("td", text: r.jsonPath)
                html.element("td", text: r.reason)
                Layout.number(Int64(r.byteCount), into: &html)
                html.raw("<td>")
                html.link("/rejected/\(r.id)/raw", "download")
                html.raw("</td></tr>")
            }
            html.raw("</tbody></table>")
        }
    }
}
