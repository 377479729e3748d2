import TLSRPT
import TLSRPTStore

/// Writes domain summaries as a table (for people), JSON or CSV (for scripts).
public enum SummaryRenderer {
    /// The output formats of `tlsrpt summary`.
    public enum Format: String, Sendable, CaseIterable {
        case table, json, csv
    }

    /// Renders `summaries` in `format`.
    public static func render(_ summaries: [DomainSummary], format: Format) -> String {
        switch format {
        case .table: return table(summaries)
        case .json: return json(summaries)
        case .csv: return csv(summaries)
        }
    }

    /// Widest line of the table.
    public static let width = 100

    /// A table that fits 100 columns; report text is stripped of control characters.
    public static func table(_ summaries: [DomainSummary]) -> String {
        if summaries.isEmpty { return "No reports match.\n" }
        var lines: [String] = []
        lines.append(
            pad("POLICY DOMAIN", 52) + lpad("SESSIONS", 16) + lpad("FAILED", 16) + lpad("SUCCESS", 16)
        )
        for s in summaries {
            let name = s.policyDomain.isEmpty ? "(no policy domain)" : SafeText.terminal(s.policyDomain)
            let types = s.resultTypes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .map { "\(SafeText.terminal($0.key)) \($0.value)" }.joined(separator: ", ")
            lines.append(
                pad(name, 52) + lpad(String(s.totalSessionCount), 16) + lpad(String(s.failedSessionCount), 16)
                    + lpad(percent(s.successRate), 16))
            if !types.isEmpty { lines.append("    failures: " + types) }
            let reporters = s.reporters.prefix(3).map {
                "\(SafeText.terminal($0.organizationName)) (\($0.successfulSessionCount) ok, \($0.failedSessionCount) failed"
                    + ($0.dkimPassReports > 0 ? ", \($0.dkimPassReports) report(s) DKIM pass)" : ")")
            }
            lines.append("    reporters: " + reporters.joined(separator: "; "))
            if !s.mxHosts.isEmpty {
                lines.append(
                    "    failing MX: "
                        + s.mxHosts.map { "\(SafeText.terminal($0.hostname)) \($0.failedSessionCount)" }.joined(
                            separator: ", "))
            }
            let policy = s.policyTypes.sorted { $0.key < $1.key }.map { SafeText.terminal($0.key) }.joined(
                separator: ", ")
            let modes = s.stsModes.sorted { $0.key < $1.key }.map { SafeText.terminal($0.key) }.joined(separator: ", ")
            lines.append("    policies: \(policy)" + (modes.isEmpty ? "" : "; MTA-STS mode: \(modes)"))
        }
        return lines.map { fit($0) }.joined(separator: "\n") + "\n"
    }

    /// `{"policy_domains": [...]}` with the contract's keys first.
    public static func json(_ summaries: [DomainSummary]) -> String {
        let w = JSONWriter(pretty: true)
        w.object {
            w.member("policy_domains") {
                w.array(summaries) { s in domain(w, s) }
            }
        }
        return w.output + "\n"
    }

    /// One policy domain's object of `json` (the contract's keys first), for other JSON
    /// documents that carry summaries (the dashboard's API).
    public static func domain(_ w: JSONWriter, _ s: DomainSummary) {
        w.object {
            w.member("policy_domain") { w.string(s.policyDomain) }
            w.member("successful_session_count") { w.raw(String(s.successfulSessionCount)) }
            w.member("failed_session_count") { w.raw(String(s.failedSessionCount)) }
            w.member("result_types") { counts(w, s.resultTypes) }
            w.member("total_session_count") { w.raw(String(s.totalSessionCount)) }
            w.member("success_rate") { w.raw(decimal(s.successRate)) }
            w.member("policy_count") { w.raw(String(s.policyCount)) }
            w.member("policy_types") { counts(w, s.policyTypes) }
            w.member("sts_modes") { counts(w, s.stsModes) }
            w.member("reporters") {
                w.array(s.reporters) { r in
                    w.object {
                        w.member("organization_name") { w.string(r.organizationName) }
                        w.member("successful_session_count") { w.raw(String(r.successfulSessionCount)) }
                        w.member("failed_session_count") { w.raw(String(r.failedSessionCount)) }
                        w.member("dkim_pass_report_count") { w.raw(String(r.dkimPassReports)) }
                    }
                }
            }
            w.member("mx_hosts") {
                w.array(s.mxHosts) { h in
                    w.object {
                        w.member("receiving_mx_hostname") { w.string(h.hostname) }
                        w.member("failed_session_count") { w.raw(String(h.failedSessionCount)) }
                        w.member("result_types") { counts(w, h.resultTypes) }
                    }
                }
            }
        }
    }

    /// One row per domain; maps as `key=value;key=value`.
    public static func csv(_ summaries: [DomainSummary]) -> String {
        let enc = CSVEncoder()
        var out = enc.line(
            [
                "policy_domain", "successful_session_count", "failed_session_count", "success_rate", "result_types",
                "policy_types", "sts_modes", "reporters", "mx_hosts", "reporters_dkim_pass",
            ].map { .header($0) })
        for s in summaries {
            func joined(_ m: [String: Int64]) -> String {
                m.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            }
            out += enc.line([
                .text(s.policyDomain), .number(s.successfulSessionCount), .number(s.failedSessionCount),
                .text(decimal(s.successRate)), .text(joined(s.resultTypes)), .text(joined(s.policyTypes)),
                .text(joined(s.stsModes)), .text(s.reporters.map(\.organizationName).joined(separator: ";")),
                .text(s.mxHosts.map(\.hostname).joined(separator: ";")),
                .text(s.reporters.map { "\($0.organizationName)=\($0.dkimPassReports)" }.joined(separator: ";")),
            ])
        }
        return out
    }

    static func counts(_ w: JSONWriter, _ m: [String: Int64]) {
        w.object {
            for (k, v) in m.sorted(by: { $0.key < $1.key }) { w.member(k) { w.raw(String(v)) } }
        }
    }
}

/// `0.5723` with four decimals (JSON/CSV).
public func decimal(_ x: Double) -> String {
    let scaled = Int((x * 10_000).rounded())
    let whole = scaled / 10_000
    let frac = scaled % 10_000
    let f = String(frac)
    return "\(whole)." + String(repeating: "0", count: 4 - f.count) + f
}

/// `57.23%`.
public func percent(_ x: Double) -> String {
    let scaled = Int((x * 10_000).rounded())
    let f = String(scaled % 100)
    return "\(scaled / 100)." + (f.count == 1 ? "0" + f : f) + "%"
}

func pad(_ s: String, _ n: Int) -> String {
    s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count)
}

func lpad(_ s: String, _ n: Int) -> String {
    s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
}

/// Cuts a line to the table width, marking the cut.
func fit(_ line: String) -> String {
    line.count <= SummaryRenderer.width ? line : String(line.prefix(SummaryRenderer.width - 1)) + "…"
}
