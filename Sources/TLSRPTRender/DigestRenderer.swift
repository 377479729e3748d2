import TLSRPT
import TLSRPTStore

/// Writes a daily digest as plain text (mail body), Markdown (chat, tickets) or one
/// self-contained HTML file with an inline SVG chart. All report text is escaped for the format.
public enum DigestRenderer {
    /// Output formats of `tlsrpt digest`.
    public enum Format: String, Sendable, CaseIterable {
        case text, markdown, html, json
    }

    /// The digest in `format`, its alerts first.
    public static func render(_ digest: Digest, format: Format, alerts: [DigestAlert]) -> String {
        switch format {
        case .text: return text(digest, alerts: alerts)
        case .markdown: return markdown(digest, alerts: alerts)
        case .html: return html(digest, alerts: alerts)
        case .json: return json(digest, alerts: alerts)
        }
    }

    static func change(_ d: DigestDomain) -> String {
        guard let before = d.previousFailureRate else { return "no reports in the previous 7 days" }
        let points = (d.failureRate - before) * 100
        let sign = points >= 0 ? "+" : "−"
        let shown = percent(abs(points) / 100).dropLast()
        return "previous 7 days \(percent(before)) failed, \(sign)\(shown) points"
    }

    static func hosts(_ d: DigestDomain, _ type: String) -> [String] {
        d.today.mxHosts.filter { ($0.resultTypes[type] ?? 0) > 0 }.map(\.hostname)
    }

    static func sortedTypes(_ d: DigestDomain) -> [(String, Int64)] {
        d.today.resultTypes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    public static func text(_ digest: Digest, alerts: [DigestAlert]) -> String {
        var s =
            "TLS report digest for \(digest.day) (UTC): \(digest.reportCount) report(s), \(digest.domains.count) policy domain(s)\n"
        for a in alerts {
            s += "ALERT: \(SafeText.terminal(a.message))\n"
            if let hint = a.hint { s += "  what to do: \(SafeText.terminal(hint))\n" }
        }
        if digest.domains.isEmpty { s += "\nNo reports were filed under this day.\n" }
        for d in digest.domains {
            let t = d.today
            let name = t.policyDomain.isEmpty ? "(no policy domain)" : SafeText.terminal(t.policyDomain)
            s +=
                "\n\(name): \(t.totalSessionCount) sessions, \(t.failedSessionCount) failed (\(percent(d.failureRate))); \(change(d))\n"
            for (type, n) in sortedTypes(d) {
                let new = d.newResultTypes.contains(type) ? " (new)" : ""
                let hs = hosts(d, type).map(SafeText.terminal)
                s +=
                    "  \(SafeText.terminal(type)): \(n) failed session(s)\(new)\(hs.isEmpty ? "" : " at " + hs.joined(separator: ", "))\n"
                s += "    what to do: \(SafeText.terminal(Remediation.hint(for: type, hosts: hs)))\n"
            }
            let reporters = t.reporters.map { SafeText.terminal($0.organizationName) }
            s += "  reporters: \(reporters.joined(separator: ", "))\n"
            if !d.newReporters.isEmpty {
                s += "  new reporters: \(d.newReporters.map(SafeText.terminal).joined(separator: ", "))\n"
            }
        }
        return s
    }

    public static func markdown(_ digest: Digest, alerts: [DigestAlert]) -> String {
        var s = "# TLS report digest for \(digest.day) (UTC)\n\n"
        s += "\(digest.reportCount) report(s), \(digest.domains.count) policy domain(s).\n\n"
        for a in alerts {
            s += "> **Alert:** \(SafeText.markdown(a.message))"
            s += a.hint.map { " — \(SafeText.markdown($0))\n" } ?? "\n"
        }
        if !alerts.isEmpty { s += "\n" }
        if digest.domains.isEmpty { s += "No reports were filed under this day.\n" }
        for d in digest.domains {
            let t = d.today
            let name = t.policyDomain.isEmpty ? "(no policy domain)" : SafeText.markdown(t.policyDomain)
            s += "## \(name)\n\n"
            s +=
                "\(t.totalSessionCount) sessions, \(t.failedSessionCount) failed (\(percent(d.failureRate))); \(change(d)).\n\n"
            if !d.today.resultTypes.isEmpty {
                s += "| result type | failed sessions | MX hosts | what to do |\n|---|---:|---|---|\n"
                for (type, n) in sortedTypes(d) {
                    let new = d.newResultTypes.contains(type) ? " **(new)**" : ""
                    let hs = hosts(d, type)
                    s +=
                        "| \(SafeText.markdown(type))\(new) | \(n) | \(hs.map(SafeText.markdown).joined(separator: ", ")) | \(SafeText.markdown(Remediation.hint(for: type, hosts: hs))) |\n"
                }
                s += "\n"
            }
            s += "Reporters: \(t.reporters.map { SafeText.markdown($0.organizationName) }.joined(separator: ", "))\n"
            if !d.newReporters.isEmpty {
                s += "New reporters: \(d.newReporters.map(SafeText.markdown).joined(separator: ", "))\n"
            }
            s += "\n"
        }
        return s
    }

    public static func html(_ digest: Digest, alerts: [DigestAlert]) -> String {
        var s = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>TLS report digest \(digest.day)</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;max-width:60rem}
            h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
            table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccd;padding:.3rem .6rem;text-align:left;vertical-align:top}
            td.n{text-align:right}.alert{background:#fde8e8;border-left:4px solid #c62828;padding:.5rem 1rem;margin:.5rem 0}
            .new{color:#c62828;font-weight:600}.muted{color:#667}
            </style></head><body>
            <h1>TLS report digest for \(digest.day) (UTC)</h1>
            <p>\(digest.reportCount) report(s), \(digest.domains.count) policy domain(s).</p>

            """
        for a in alerts {
            let hint = a.hint.map { "<br><span class=\"muted\">\(SafeText.html($0))</span>" } ?? ""
            s += "<div class=\"alert\" data-kind=\"\(a.kind.rawValue)\">\(SafeText.html(a.message))\(hint)</div>\n"
        }
        s += "<h2>Failure rate per day, last 30 days (all domains)</h2>\n"
        s += chart(digest.daily) + "\n"
        if digest.domains.isEmpty { s += "<p>No reports were filed under this day.</p>\n" }
        for d in digest.domains {
            let t = d.today
            let name = t.policyDomain.isEmpty ? "(no policy domain)" : t.policyDomain
            s += "<h2>\(SafeText.html(name))</h2>\n"
            s +=
                "<p>\(t.totalSessionCount) sessions, \(t.failedSessionCount) failed (\(percent(d.failureRate))); <span class=\"muted\">\(SafeText.html(change(d)))</span>.</p>\n"
            if !t.resultTypes.isEmpty {
                s +=
                    "<table><tr><th>result type</th><th>failed sessions</th><th>MX hosts</th><th>what to do</th></tr>\n"
                for (type, n) in sortedTypes(d) {
                    let new = d.newResultTypes.contains(type) ? " <span class=\"new\">new</span>" : ""
                    let hs = hosts(d, type)
                    s +=
                        "<tr><td>\(SafeText.html(type))\(new)</td><td class=\"n\">\(n)</td><td>\(SafeText.html(hs.joined(separator: ", ")))</td><td>\(SafeText.html(Remediation.hint(for: type, hosts: hs)))</td></tr>\n"
                }
                s += "</table>\n"
            }
            s += "<p>Reporters: \(SafeText.html(t.reporters.map(\.organizationName).joined(separator: ", ")))</p>\n"
            if !d.newReporters.isEmpty {
                s +=
                    "<p>New reporters: <span class=\"new\">\(SafeText.html(d.newReporters.joined(separator: ", ")))</span></p>\n"
            }
        }
        s += "</body></html>\n"
        return s
    }

    /// An inline SVG bar chart of the failure rate per day (0–100 %), oldest on the left.
    public static func chart(_ points: [DailyPoint]) -> String {
        let width = 720.0
        let height = 220.0
        let left = 44.0
        let bottom = 28.0
        let top = 10.0
        let plotW = width - left - 10
        let plotH = height - bottom - top
        let n = max(points.count, 1)
        let slot = plotW / Double(n)
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"failure rate per day\">"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>"
        for pct in [0, 25, 50, 75, 100] {
            let y = top + plotH * (1 - Double(pct) / 100)
            s +=
                "<line x1=\"\(left)\" y1=\"\(f1(y))\" x2=\"\(f1(width - 10))\" y2=\"\(f1(y))\" stroke=\"#dde\" stroke-width=\"1\"/>"
            s +=
                "<text x=\"\(f1(left - 6))\" y=\"\(f1(y + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#556\">\(pct)%</text>"
        }
        for (i, p) in points.enumerated() {
            let x = left + Double(i) * slot + slot * 0.15
            let total = p.successfulSessionCount + p.failedSessionCount
            let rate = p.failureRate
            let h = max(plotH * rate, total > 0 ? 3 : 0)
            let y = top + plotH - h
            let color = total == 0 ? "#e4e6ee" : (rate > 0.05 ? "#c62828" : "#2e7d32")
            let barH = total == 0 ? 2.0 : h
            s +=
                "<rect x=\"\(f1(x))\" y=\"\(f1(total == 0 ? top + plotH - 2 : y))\" width=\"\(f1(slot * 0.7))\" height=\"\(f1(barH))\" fill=\"\(color)\"><title>\(p.day): \(percent(rate)) of \(total) sessions failed</title></rect>"
            if i % 5 == 0 || i == points.count - 1 {
                s +=
                    "<text x=\"\(f1(x + slot * 0.35))\" y=\"\(f1(height - 10))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#556\">\(p.day.description.suffix(5))</text>"
            }
        }
        s += "</svg>"
        return s
    }

    static func f1(_ x: Double) -> String {
        let v = Int((x * 10).rounded())
        return "\(v / 10).\(abs(v % 10))"
    }
}
