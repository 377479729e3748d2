import TLSRPT
import TLSRPTStore

/// One alert of `tlsrpt digest`: what fired, for which domain, the numbers behind it and what
/// to do (so a cron job can route it: `digest --format json`).
public struct DigestAlert: Sendable, Equatable {
    /// The kinds, named as in `digest --format json`.
    public enum Kind: String, Sendable, CaseIterable {
        case minReports = "min-reports"
        case failureRate = "failure-rate"
        case newResultTypes = "new-result-types"
        case baseline
        case newMX = "new-mx"
        case newReporter = "new-reporter"
        case silentReporter = "silent-reporter"
    }

    /// A number or text of the evidence.
    public enum Value: Sendable, Equatable {
        case count(Int64)
        /// A share, 0…1 (four decimals in JSON).
        case rate(Double)
        /// A plain decimal number (a factor).
        case number(Double)
        case text(String)
        case texts([String])
    }

    public var kind: Kind
    /// The policy domain (nil for `min-reports`, which is about the whole day).
    public var domain: String?
    /// One line in words.
    public var message: String
    /// The numbers behind it, in a fixed order.
    public var evidence: [(name: String, value: Value)]
    /// What to do (nil where there is nothing to add to the message).
    public var hint: String?

    public static func == (a: DigestAlert, b: DigestAlert) -> Bool {
        a.kind == b.kind && a.domain == b.domain && a.message == b.message && a.hint == b.hint
            && a.evidence.map(\.name) == b.evidence.map(\.name) && a.evidence.map(\.value) == b.evidence.map(\.value)
    }
}

/// The alerts a digest can raise (`digest` exits 1 when one fires). Only the ones a user asks
/// for are checked. The history alerts (baseline, new MX, new and silent reporters) need an
/// `AlertHistory`; the others only the digest.
public struct DigestThresholds: Sendable, Equatable {
    /// Alert when a domain's failure rate on the day is above this percentage.
    public var maxFailureRate: Double?
    /// Alert when a domain shows a result type the 30 days before did not.
    public var alertOnNewResultTypes: Bool
    /// Alert when fewer reports than this were filed under the day.
    public var minReports: Int?
    /// Alert when a domain's failure rate is at least this many times its median over the 28
    /// days before (`--alert-baseline [FACTOR]`).
    public var baselineFactor: Double?
    /// The fewest sessions on the day for the baseline alert (`--alert-min-sessions`).
    public var baselineMinSessions: Int64
    /// Alert when a receiving MX fails that had not failed in the 30 days before.
    public var alertOnNewMX: Bool
    /// Alert when a sending organization reports on a domain for the first time.
    public var alertOnNewReporter: Bool
    /// Alert when a sender that reported on at least 5 of 14 days has sent nothing for 2.
    public var alertOnSilentReporter: Bool

    /// Days of history the baseline's median is taken over, and the fewest of them with reports.
    public static let baselineDays = 28
    public static let baselineMinimumHistory = 7
    /// The lowest median the baseline compares with (0.1 %), so a domain that never failed
    /// alerts at FACTOR × 0.1 % and not at its first failed session.
    public static let baselineFloor = 0.001
    /// Silent reporter: reported on at least this many of the 14 days before its 2 silent days.
    public static let silentMinimumDays = 5

    public init(
        maxFailureRate: Double? = nil, alertOnNewResultTypes: Bool = false, minReports: Int? = nil,
        baselineFactor: Double? = nil, baselineMinSessions: Int64 = 100, alertOnNewMX: Bool = false,
        alertOnNewReporter: Bool = false, alertOnSilentReporter: Bool = false
    ) {
        self.maxFailureRate = maxFailureRate
        self.alertOnNewResultTypes = alertOnNewResultTypes
        self.minReports = minReports
        self.baselineFactor = baselineFactor
        self.baselineMinSessions = baselineMinSessions
        self.alertOnNewMX = alertOnNewMX
        self.alertOnNewReporter = alertOnNewReporter
        self.alertOnSilentReporter = alertOnSilentReporter
    }

    /// Whether an alert asked for needs `AlertHistory`.
    public var needsHistory: Bool {
        baselineFactor != nil || alertOnNewMX || alertOnNewReporter || alertOnSilentReporter
    }

    /// The alerts' messages (the day's alerts without history).
    public func alerts(_ digest: Digest) -> [String] { evaluate(digest, history: nil).map(\.message) }

    /// Every alert that fires for `digest`: `min-reports` first, then per domain (in domain
    /// order) failure rate, new result types, baseline, new MX hosts, new reporters, silent
    /// reporters. The history alerts fire only with `history`.
    public func evaluate(_ digest: Digest, history: AlertHistory?) -> [DigestAlert] {
        var out: [DigestAlert] = []
        if let min = minReports, digest.reportCount < min {
            out.append(
                DigestAlert(
                    kind: .minReports, domain: nil,
                    message: "only \(digest.reportCount) report(s) for \(digest.day), expected at least \(min)",
                    evidence: [
                        ("report_count", .count(Int64(digest.reportCount))), ("min_reports", .count(Int64(min))),
                    ],
                    hint:
                        "Fewer reports than usual arrive: check the _smtp._tls TXT record's rua= and that its mailbox or HTTPS endpoint accepts them."
                ))
        }
        let byDomain = Dictionary(uniqueKeysWithValues: digest.domains.map { ($0.today.policyDomain, $0) })
        let domains = Set(byDomain.keys).union(history?.domains ?? []).sorted()
        for domain in domains {
            let name = domain.isEmpty ? "(no policy domain)" : domain
            if let d = byDomain[domain] {
                if let max = maxFailureRate, d.failureRate * 100 > max {
                    let limit = max == max.rounded() ? String(Int(max)) : String(max)
                    out.append(
                        DigestAlert(
                            kind: .failureRate, domain: domain,
                            message: "\(name): failure rate \(percent(d.failureRate)) is above \(limit)%",
                            evidence: [
                                ("failure_rate", .rate(d.failureRate)), ("max_failure_rate", .rate(max / 100)),
                                ("sessions", .count(d.today.totalSessionCount)),
                                ("failed_sessions", .count(d.today.failedSessionCount)),
                            ], hint: Self.topHint(d.today)))
                }
                if alertOnNewResultTypes && !d.newResultTypes.isEmpty {
                    out.append(
                        DigestAlert(
                            kind: .newResultTypes, domain: domain,
                            message: "\(name): new result type(s) \(d.newResultTypes.joined(separator: ", "))",
                            evidence: [
                                ("result_types", .texts(d.newResultTypes)),
                                (
                                    "failed_sessions",
                                    .count(
                                        d.newResultTypes.reduce(0) { $0.saturatingAdd(d.today.resultTypes[$1] ?? 0) })
                                ),
                            ],
                            hint: d.newResultTypes.first.map { t in
                                Remediation.hint(
                                    for: t,
                                    hosts: d.today.mxHosts.filter { ($0.resultTypes[t] ?? 0) > 0 }.map(\.hostname))
                            }))
                }
            }
            guard let history else { continue }
            if let factor = baselineFactor, let alert = baseline(domain, name, factor, history) { out.append(alert) }
            if alertOnNewMX { out += newMX(domain, name, history) }
            if alertOnNewReporter { out += newReporters(domain, name, history) }
            if alertOnSilentReporter { out += silentReporters(domain, name, history) }
        }
        return out
    }

    /// The hint of the day's most frequent result type, naming its MX hosts.
    static func topHint(_ s: DomainSummary) -> String? {
        guard let top = s.resultTypes.filter({ $0.value > 0 }).max(by: { ($0.value, $1.key) < ($1.value, $0.key) })
        else { return nil }
        return Remediation.hint(
            for: top.key, hosts: s.mxHosts.filter { ($0.resultTypes[top.key] ?? 0) > 0 }.map(\.hostname))
    }

    /// The median of `xs` (not empty): the middle one, or the mean of the middle two.
    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    func baseline(_ domain: String, _ name: String, _ factor: Double, _ h: AlertHistory) -> DigestAlert? {
        guard let today = h.summary(domain, on: h.day), today.totalSessionCount >= baselineMinSessions,
            today.failedSessionCount > 0
        else { return nil }
        let rates = (1...Self.baselineDays).compactMap { back -> Double? in
            guard let s = h.summary(domain, on: h.day.adding(days: -back)), s.totalSessionCount > 0 else { return nil }
            return 1 - s.successRate
        }
        guard rates.count >= Self.baselineMinimumHistory else { return nil }
        let rate = 1 - today.successRate
        let median = Self.median(rates)
        guard rate >= factor * max(median, Self.baselineFloor) else { return nil }
        let times = median > 0 ? " (\(DigestRenderer.f1(rate / median))×)" : ""
        return DigestAlert(
            kind: .baseline, domain: domain,
            message:
                "\(name): failure rate \(percent(rate)) against a median of \(percent(median)) over the \(rates.count) days with reports of the \(Self.baselineDays) before\(times)",
            evidence: [
                ("failure_rate", .rate(rate)), ("median_failure_rate", .rate(median)), ("factor", .number(factor)),
                ("sessions", .count(today.totalSessionCount)), ("failed_sessions", .count(today.failedSessionCount)),
                ("history_days", .count(Int64(rates.count))),
            ], hint: Self.topHint(today))
    }

    func newMX(_ domain: String, _ name: String, _ h: AlertHistory) -> [DigestAlert] {
        guard let today = h.summary(domain, on: h.day) else { return [] }
        var before = Set<String>()
        for back in 1...30 {
            for m in h.summary(domain, on: h.day.adding(days: -back))?.mxHosts ?? [] where m.failedSessionCount > 0 {
                before.insert(m.hostname)
            }
        }
        return today.mxHosts.filter { $0.failedSessionCount > 0 && !before.contains($0.hostname) }
            .sorted { $0.hostname < $1.hostname }
            .map { m in
                let types = m.resultTypes.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                return DigestAlert(
                    kind: .newMX, domain: domain,
                    message:
                        "\(name): MX host \(m.hostname) failed \(m.failedSessionCount) session(s) (\(types.map(\.key).joined(separator: ", "))), none in the 30 days before",
                    evidence: [
                        ("mx_host", .text(m.hostname)), ("failed_sessions", .count(m.failedSessionCount)),
                        ("result_types", .texts(types.map(\.key))),
                    ], hint: types.first.map { Remediation.hint(for: $0.key, hosts: [m.hostname]) })
            }
    }

    func newReporters(_ domain: String, _ name: String, _ h: AlertHistory) -> [DigestAlert] {
        guard let today = h.summary(domain, on: h.day) else { return [] }
        let known = h.reportersBefore[domain] ?? []
        return today.reporters.filter { !known.contains($0.organizationName) }
            .sorted { $0.organizationName < $1.organizationName }
            .map { r in
                DigestAlert(
                    kind: .newReporter, domain: domain,
                    message:
                        "\(name): first report from \(r.organizationName) (\(r.successfulSessionCount.saturatingAdd(r.failedSessionCount)) sessions, \(r.failedSessionCount) failed)",
                    evidence: [
                        ("reporter", .text(r.organizationName)),
                        ("successful_sessions", .count(r.successfulSessionCount)),
                        ("failed_sessions", .count(r.failedSessionCount)),
                    ],
                    hint:
                        "A sender reports on this domain for the first time: compare its failures with the other reporters' before acting on them."
                )
            }
    }

    func silentReporters(_ domain: String, _ name: String, _ h: AlertHistory) -> [DigestAlert] {
        // Silent on the day and the day before, after a report the day before those.
        let reporters = { (back: Int) -> Set<String> in
            Set(h.summary(domain, on: h.day.adding(days: -back))?.reporters.map(\.organizationName) ?? [])
        }
        let lastSeen = reporters(2).subtracting(reporters(1)).subtracting(reporters(0))
        return lastSeen.sorted().compactMap { org in
            let days = (2...15).filter { reporters($0).contains(org) }.count
            guard days >= Self.silentMinimumDays else { return nil }
            return DigestAlert(
                kind: .silentReporter, domain: domain,
                message:
                    "\(name): no report from \(org) for 2 days (it reported on \(days) of the 14 days before, last on \(h.day.adding(days: -2)))",
                evidence: [
                    ("reporter", .text(org)), ("days_reported", .count(Int64(days))),
                    ("last_report_day", .text(h.day.adding(days: -2).description)),
                ],
                hint:
                    "Its reports may not be reaching you: check the _smtp._tls TXT record's rua= (a mailbox that accepts the mail, an HTTPS endpoint that answers 200) and that no spam filter drops them."
            )
        }
    }
}
