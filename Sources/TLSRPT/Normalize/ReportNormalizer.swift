/// Turns a `WireReport` into a `Report`: checks what makes a report a report and normalizes the
/// deviations real senders make (each one commented where it is handled).
///
/// Refused, with the JSON path named: no `organization-name` or `report-id`; a missing or
/// unreadable `date-range`; no `policies`; a policy without `policy-type`; a count that is not a
/// non-negative integer.
public struct ReportNormalizer: Sendable {
    /// Facts about the carrier of the report that the JSON may lack.
    public struct Context: Sendable, Equatable {
        /// The carrying mail's `TLS-Report-Domain` header (RFC 8460 §5.3), if any: the policy
        /// domain of a policy that names none.
        public var reportDomainHeader: String?
        public init(reportDomainHeader: String? = nil) { self.reportDomainHeader = reportDomainHeader }
    }

    public init() {}

    /// Normalizes `wire`, or throws a `ReportError` naming the JSON path of the first problem.
    public func normalize(_ wire: WireReport, context: Context = Context()) throws(ReportError) -> Report {
        guard let org = wire.organizationName, !org.isBlank else {
            throw missing("organization-name", "the sending organization is part of a report's identity")
        }
        guard let reportID = wire.reportID, !reportID.isBlank else {
            throw missing("report-id", "the report-id is part of a report's identity")
        }
        guard let range = wire.dateRange else { throw missing("date-range", "a report covers a date range") }
        let start = try at("date-range") { () throws(ReportError) in
            try timestamp(range.startDatetime, key: "start-datetime")
        }
        let end = try at("date-range") { () throws(ReportError) in
            try timestamp(range.endDatetime, key: "end-datetime")
        }
        guard let wirePolicies = wire.policies, !wirePolicies.isEmpty else {
            throw missing("policies", "a report holds at least one policy")
        }
        // Postfix with sys4's tlsrpt-reporter omits policy-domain for no-policy-found policies
        // (RFC 8460 §4.4 makes it required); the mail's TLS-Report-Domain names the domain.
        let fallbackDomain = context.reportDomainHeader.map(normalizeDomain) ?? ""
        var policies: [Policy] = []
        policies.reserveCapacity(wirePolicies.count)
        for (i, entry) in wirePolicies.enumerated() {
            let policy = try at("policies") { () throws(ReportError) in
                try at(.index(i)) { () throws(ReportError) in try normalize(entry, fallbackDomain: fallbackDomain) }
            }
            policies.append(policy)
        }
        // contact-info: null (Stalwart-generated reports) or absent (small reporters) is no contact.
        let contact = wire.contactInfo.flatMap { $0.isBlank ? nil : $0 }
        return Report(
            organizationName: org, contactInfo: contact, reportID: reportID, start: start, end: end,
            policies: policies)
    }

    private func normalize(_ entry: WirePolicyEntry, fallbackDomain: String) throws(ReportError) -> Policy {
        guard let wp = entry.policy else { throw missing("policy", "each policy names its type") }
        guard let typeText = wp.policyType, !typeText.isBlank else {
            throw ReportError(.invalidReport, "missing", path: [.key("policy"), .key("policy-type")])
        }
        let type = PolicyType(typeText)
        var domain = wp.policyDomain.map(normalizeDomain) ?? ""
        var fromHeader = false
        if domain.isEmpty && !fallbackDomain.isEmpty {
            domain = fallbackDomain
            fromHeader = true
        }
        let strings = wp.policyString ?? []

        var mode: STSMode?
        var mx: [String] = []
        var tlsa: [String] = []
        if type == .tlsa {
            tlsa = Self.tlsaRecords(strings)
        } else {
            for line in strings {
                switch Self.policyLine(line) {
                case .mode(let value): mode = STSMode(value)
                case .mx(let value): appendUnique(Self.mxPattern(value), to: &mx)
                case nil: break
                }
            }
        }
        for host in wp.mxHost ?? [] {
            // `"mx: mx.server.com"` as an mx-host element (a Stalwart-generated report, possibly
            // an anonymisation artefact): the policy-file line pasted whole. Keep the pattern.
            appendUnique(Self.mxPattern(host), to: &mx)
        }

        // An absent summary or count is 0 (Stalwart test report without total-failure-session-count).
        let success = try at("summary") { () throws(ReportError) in
            try at("total-successful-session-count") { () throws(ReportError) in
                try count(entry.summary?.totalSuccessfulSessionCount)
            }
        }
        let failure = try at("summary") { () throws(ReportError) in
            try at("total-failure-session-count") { () throws(ReportError) in
                try count(entry.summary?.totalFailureSessionCount)
            }
        }
        // failure-details absent, empty, or with only result-type and count: all normal (Google
        // omits the member on clean days; Microsoft and Mail.ru send type+count only). Their sum
        // need not equal the summary's failure count (RFC 8460 §4.3): both are kept, neither derived.
        var details: [FailureDetail] = []
        if let wireDetails = entry.failureDetails {
            details.reserveCapacity(wireDetails.count)
            for (i, wd) in wireDetails.enumerated() {
                let detail = try at("failure-details") { () throws(ReportError) in
                    try at(.index(i)) { () throws(ReportError) in try normalize(wd) }
                }
                details.append(detail)
            }
        }
        var policy = Policy(
            type: type, domain: domain, policyStrings: strings, stsMode: mode, mxPatterns: mx, tlsaRecords: tlsa,
            successfulSessionCount: success, failedSessionCount: failure, failureDetails: details)
        policy.domainFromMailHeader = fromHeader
        return policy
    }

    private func normalize(_ wd: WireFailureDetail) throws(ReportError) -> FailureDetail {
        // A detail without result-type still carries a count; keep it under the empty type
        // rather than lose sessions (seen in hand-written test reports only).
        let type = ResultType(wd.resultType ?? "")
        let n = try at("failed-session-count") { () throws(ReportError) in try count(wd.failedSessionCount) }
        let mxHost = wd.receivingMXHostname.map(normalizeDomain)
        return FailureDetail(
            resultType: type, sendingMTAIP: wd.sendingMTAIP?.trimmingWhitespace, receivingMXHostname: mxHost,
            receivingMXHelo: wd.receivingMXHelo, receivingIP: wd.receivingIP?.trimmingWhitespace,
            failedSessionCount: n, additionalInformation: wd.additionalInformation,
            failureReasonCode: wd.failureReasonCode)
    }

    private func timestamp(_ text: String?, key: String) throws(ReportError) -> Timestamp {
        guard let text else { throw missing(key, "the date range needs both ends") }
        guard let t = Timestamp(rfc3339: text) else {
            throw ReportError(
                .invalidReport, "expected an RFC 3339 date-time, found \"\(text.debugDescriptionInner)\"",
                path: [.key(key)])
        }
        return t
    }

    /// A session count: digits only (a quoted "12" from some reporters is read as 12), at most
    /// 2^63-1. Absent is 0.
    func count(_ wire: WireCount?) throws(ReportError) -> Int64 {
        let text: String
        let shown: String
        switch wire {
        case nil: return 0
        case .number(let t):
            text = t
            shown = t
        case .string(let s):
            text = s.trimmingWhitespace
            shown = "\"\(s.debugDescriptionInner)\""
        }
        var value: Int64 = 0
        var ok = !text.isEmpty
        for b in text.utf8 {
            let d = b &- 0x30
            guard d < 10 else {
                ok = false
                break
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else {
                throw ReportError(.invalidReport, "expected a non-negative integer below 2^63, found \(shown)")
            }
            value = s
        }
        guard ok else { throw ReportError(.invalidReport, "expected a non-negative integer, found \(shown)") }
        return value
    }

    /// An MX pattern, normalized. A leading `mx:` is the policy-file line pasted whole (a
    /// Stalwart-generated report's mx-host, possibly an anonymisation artefact; found again by
    /// fuzzing inside policy strings): it is dropped wherever it appears.
    static func mxPattern(_ raw: String) -> String {
        var value = raw.trimmingWhitespace
        while value.hasPrefixIgnoringCase("mx:") {
            value = String(value.trimmingWhitespace.dropFirst(3)).trimmingWhitespace
        }
        return normalizeDomain(value)
    }

    /// The lines of an MTA-STS policy (RFC 8461 §3.2) that matter here: `mode:` and `mx:`.
    enum PolicyLine: Equatable {
        case mode(String)
        case mx(String)
    }

    static func policyLine(_ line: String) -> PolicyLine? {
        line.withBytes { p -> PolicyLine? in
            guard let colon = p.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let key = UnsafeBufferPointer(rebasing: p[0..<colon])
            let (klo, khi) = trimmedBounds(key)
            let trimmedKey = UnsafeBufferPointer(rebasing: key[klo..<khi])
            let isMode = equalsIgnoringCase(trimmedKey, "mode")
            guard isMode || equalsIgnoringCase(trimmedKey, "mx") else { return nil }
            let rest = UnsafeBufferPointer(rebasing: p[(colon + 1)...])
            let (lo, hi) = trimmedBounds(rest)
            let value = String(decoding: UnsafeBufferPointer(rebasing: rest[lo..<hi]), as: UTF8.self)
            return isMode ? .mode(value) : .mx(value)
        }
    }

    private func missing(_ key: String, _ why: String) -> ReportError {
        ReportError(.invalidReport, "missing (\(why))", path: [.key(key)])
    }

    /// TLSA records from a tlsa policy's policy-string. Microsoft (2024–2025) sends one string
    /// holding a JSON array of records (`["[\"3 1 1 60…\",\"3 1 1 83…\"]"]`) where RFC 8460 §4.3
    /// expects one record per element: unpack it.
    static func tlsaRecords(_ strings: [String]) -> [String] {
        var out: [String] = []
        for s in strings {
            let t = s.trimmingWhitespace
            if t.hasPrefix("["), t.hasSuffix("]") {
                let inner = Array(t.utf8)
                if let list = try? inner.withUnsafeBufferPointer({ (p) throws(ReportError) -> [String]? in
                    var r = JSONReader(bytes: p, maxDepth: 4)
                    let l = try r.readTextList()
                    try r.expectEnd()
                    return l
                }) {
                    out.append(contentsOf: list.map(\.trimmingWhitespace))
                    continue
                }
            }
            out.append(t)
        }
        return out
    }
}

private func appendUnique(_ value: String, to list: inout [String]) {
    if !value.isEmpty && !list.contains(value) { list.append(value) }
}
