import TLSRPT
import TLSRPTStore

extension DigestRenderer {
    /// `digest --format json`: the day, its alerts (kind, domain, message, evidence, hint) and
    /// per domain the day's numbers, so a cron job can route each alert.
    public static func json(_ digest: Digest, alerts: [DigestAlert]) -> String {
        let w = JSONWriter(pretty: true)
        w.object {
            w.member("day") { w.string(digest.day.description) }
            w.member("report_count") { w.raw(String(digest.reportCount)) }
            w.member("alerts") {
                w.array(alerts) { a in
                    w.object {
                        w.member("kind") { w.string(a.kind.rawValue) }
                        w.member("policy_domain") { a.domain.map { w.string($0) } ?? w.raw("null") }
                        w.member("message") { w.string(a.message) }
                        w.member("evidence") {
                            w.object {
                                for (name, value) in a.evidence { w.member(name) { Self.value(w, value) } }
                            }
                        }
                        w.member("hint") { a.hint.map { w.string($0) } ?? w.raw("null") }
                    }
                }
            }
            w.member("policy_domains") {
                w.array(digest.domains) { d in
                    let t = d.today
                    w.object {
                        w.member("policy_domain") { w.string(t.policyDomain) }
                        w.member("successful_session_count") { w.raw(String(t.successfulSessionCount)) }
                        w.member("failed_session_count") { w.raw(String(t.failedSessionCount)) }
                        w.member("failure_rate") { w.raw(decimal(d.failureRate)) }
                        w.member("previous_week_failure_rate") {
                            w.raw(d.previousFailureRate.map(decimal) ?? "null")
                        }
                        w.member("result_types") { SummaryRenderer.counts(w, t.resultTypes) }
                        w.member("new_result_types") { w.array(d.newResultTypes) { w.string($0) } }
                        w.member("reporters") { w.array(t.reporters.map(\.organizationName)) { w.string($0) } }
                        w.member("new_reporters") { w.array(d.newReporters) { w.string($0) } }
                        w.member("mx_hosts") {
                            w.array(t.mxHosts) { h in
                                w.object {
                                    w.member("receiving_mx_hostname") { w.string(h.hostname) }
                                    w.member("failed_session_count") { w.raw(String(h.failedSessionCount)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return w.output + "\n"
    }

    static func value(_ w: JSONWriter, _ v: DigestAlert.Value) {
        switch v {
        case .count(let n): w.raw(String(n))
        case .rate(let r): w.raw(decimal(r))
        case .number(let x): w.raw(x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x))
        case .text(let s): w.string(s)
        case .texts(let list): w.array(list) { w.string($0) }
        }
    }
}
