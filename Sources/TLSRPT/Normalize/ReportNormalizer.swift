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

    /// Normalizes `wire`, decoded from `json`, or throws a `ReportError` naming the JSON path of
    /// the first problem.
    public func normalize(
        _ wire: WireReport, json: UnsafeBufferPointer<UInt8>, context: Context = Context()
    ) throws(ReportError) -> Report {
        let texts = WireTextReader(json: json, unescaped: wire.unescapedTexts)
        guard let org = wire.organizationName, !texts.withBytes(org, isBlank) else {
            throw missing("organization-name", "the sending organization is part of a report's identity")
        }
        guard let reportID = wire.reportID, !texts.withBytes(reportID, isBlank) else {
            throw missing("report-id", "the report-id is part of a report's identity")
        }
        guard let range = wire.dateRange else { throw missing("date-range", "a report covers a date range") }
        let start = try at("date-range") { () throws(ReportError) in
            try timestamp(range.startDatetime, key: "start-datetime", texts)
        }
        let end = try at("date-range") { () throws(ReportError) in
            try timestamp(range.endDatetime, key: "end-datetime", texts)
        }
        guard let wirePolicies = wire.policies, !wirePolicies.isEmpty else {
            throw missing("policies", "a report holds at least one policy")
        }
        // Postfix with sys4's tlsrpt-reporter omits policy-domain for no-policy-found policies
        // (RFC 8460 §4.4 makes it required); the mail's TLS-Report-Domain names the domain.
        let fallbackDomain = context.reportDomainHeader.map(normalizeDomain) ?? ""
        var policies: [Policy] = []
        policies.reserveCapacity(wirePolicies.count)
        for i in wirePolicies.indices {
            let policy = try at("policies") { () throws(ReportError) in
                try at(.index(i)) { () throws(ReportError) in
                    try normalize(wirePolicies[i], fallbackDomain: fallbackDomain, texts)
                }
            }
            policies.append(policy)
        }
        // contact-info: null (Stalwart-generated reports) or absent (small reporters) is no contact.
        let contact = wire.contactInfo.flatMap { texts.withBytes($0, isBlank) ? nil : texts.string($0) }
        return Report(
            organizationName: texts.string(org), contactInfo: contact, reportID: texts.string(reportID),
            start: start, end: end, policies: policies)
    }

    /// Normalizes `wire`, decoded from the JSON text in `json`.
    public func normalize(
        _ wire: WireReport, json: [UInt8], context: Context = Context()
    ) throws(ReportError) -> Report {
        do {
            return try json.withUnsafeBufferPointer { try normalize(wire, json: $0, context: context) }
        } catch let error as ReportError {
            throw error
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    private func normalize(
        _ entry: WirePolicyEntry, fallbackDomain: String, _ texts: WireTextReader
    ) throws(ReportError) -> Policy {
        guard let wp = entry.policy else { throw missing("policy", "each policy names its type") }
        guard let typeText = wp.policyType, !texts.withBytes(typeText, isBlank) else {
            throw ReportError(.invalidReport, "missing", path: [.key("policy"), .key("policy-type")])
        }
        let type = texts.withBytes(typeText) { PolicyType($0) }
        var domain = wp.policyDomain.map { texts.withBytes($0) { normalizeDomain($0) } } ?? ""
        var fromHeader = false
        if domain.isEmpty && !fallbackDomain.isEmpty {
            domain = fallbackDomain
            fromHeader = true
        }
        let wireStrings = wp.policyString ?? []
        var strings: [String] = []
        strings.reserveCapacity(wireStrings.count)

        var mode: STSMode?
        var mx: [String] = []
        mx.reserveCapacity(wireStrings.count + (wp.mxHost?.count ?? 0))
        var tlsa: [String] = []
        for line in wireStrings {
            strings.append(texts.string(line))
            guard type != .tlsa else { continue }
            texts.withBytes(line) { p in
                guard let (isMode, value) = Self.policyLine(p) else { return }
                if isMode {
                    mode = STSMode(value)
                } else {
                    appendUnique(Self.mxPattern(value), to: &mx)
                }
            }
        }
        if type == .tlsa { tlsa = Self.tlsaRecords(strings) }
        for host in wp.mxHost ?? [] {
            // `"mx: mx.server.com"` as an mx-host element (a Stalwart-generated report, possibly
            // an anonymisation artefact): the policy-file line pasted whole. Keep the pattern.
            appendUnique(texts.withBytes(host) { Self.mxPattern($0) }, to: &mx)
        }

        // An absent summary or count is 0 (Stalwart test report without total-failure-session-count).
        let success = try at("summary") { () throws(ReportError) in
            try at("total-successful-session-count") { () throws(ReportError) in
                try count(entry.summary?.totalSuccessfulSessionCount, texts)
            }
        }
        let failure = try at("summary") { () throws(ReportError) in
            try at("total-failure-session-count") { () throws(ReportError) in
                try count(entry.summary?.totalFailureSessionCount, texts)
            }
        }
        // failure-details absent, empty, or with only result-type and count: all normal (Google
        // omits the member on clean days; Microsoft and Mail.ru send type+count only). Their sum
        // need not equal the summary's failure count (RFC 8460 §4.3): both are kept, neither derived.
        var details: [FailureDetail] = []
        if let wireDetails = entry.failureDetails {
            details.reserveCapacity(wireDetails.count)
            for i in wireDetails.indices {
                let detail = try at("failure-details") { () throws(ReportError) in
                    try at(.index(i)) { () throws(ReportError) in try normalize(wireDetails[i], texts) }
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

    private func normalize(_ wd: WireFailureDetail, _ texts: WireTextReader) throws(ReportError) -> FailureDetail {
        // A detail without result-type still carries a count; keep it under the empty type
        // rather than lose sessions (seen in hand-written test reports only).
        let type = wd.resultType.map { texts.withBytes($0) { ResultType($0) } } ?? ResultType("")
        let n = try at("failed-session-count") { () throws(ReportError) in try count(wd.failedSessionCount, texts) }
        return FailureDetail(
            resultType: type,
            sendingMTAIP: wd.sendingMTAIP.map { texts.withBytes($0, trimmedString) },
            receivingMXHostname: wd.receivingMXHostname.map { texts.withBytes($0) { normalizeDomain($0) } },
            receivingMXHelo: wd.receivingMXHelo.map(texts.string),
            receivingIP: wd.receivingIP.map { texts.withBytes($0, trimmedString) },
            failedSessionCount: n,
            additionalInformation: wd.additionalInformation.map(texts.string),
            failureReasonCode: wd.failureReasonCode.map(texts.string))
    }

    private func timestamp(_ text: WireText?, key: String, _ texts: WireTextReader) throws(ReportError) -> Timestamp {
        guard let text else { throw missing(key, "the date range needs both ends") }
        guard let t = texts.withBytes(text, Timestamp.parse) else {
            throw ReportError(
                .invalidReport, "expected an RFC 3339 date-time, found \(texts.shown(text))", path: [.key(key)])
        }
        return t
    }

    /// A session count: digits only (a quoted "12" from some reporters is read as 12, white
    /// space around it ignored), at most 2^63-1. Absent is 0.
    func count(_ wire: WireText?, _ texts: WireTextReader) throws(ReportError) -> Int64 {
        guard let wire else { return 0 }
        enum Outcome { case value(Int64), notAnInteger, tooLarge }
        let outcome = texts.withBytes(wire) { all -> Outcome in
            let p: UnsafeBufferPointer<UInt8>
            if wire.isNumber {
                p = all
            } else {
                let (lo, hi) = trimmedBounds(all)
                p = UnsafeBufferPointer(rebasing: all[lo..<hi])
            }
            guard !p.isEmpty else { return .notAnInteger }
            var value: Int64 = 0
            for b in p {
                let d = b &- 0x30
                guard d < 10 else { return .notAnInteger }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1 && !o2 else { return .tooLarge }
                value = s
            }
            return .value(value)
        }
        switch outcome {
        case .value(let v): return v
        case .tooLarge:
            throw ReportError(.invalidReport, "expected a non-negative integer below 2^63, found \(texts.shown(wire))")
        case .notAnInteger:
            throw ReportError(.invalidReport, "expected a non-negative integer, found \(texts.shown(wire))")
        }
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

    /// `mxPattern` of UTF-8 bytes, the String made once; non-ASCII text goes through the String
    /// version (it drops whole characters, combining marks included).
    static func mxPattern(_ p: UnsafeBufferPointer<UInt8>) -> String {
        guard isASCII(p) else { return mxPattern(String(decoding: p, as: UTF8.self)) }
        var (lo, hi) = trimmedBounds(p)
        while hi - lo >= 3, equalsIgnoringCase(UnsafeBufferPointer(rebasing: p[lo..<(lo + 3)]), "mx:") {
            lo += 3
            while lo < hi && isWhitespaceByte(p[lo]) { lo += 1 }
        }
        return normalizeDomain(UnsafeBufferPointer(rebasing: p[lo..<hi]))
    }

    /// The lines of an MTA-STS policy (RFC 8461 §3.2) that matter here: `mode:` and `mx:`.
    enum PolicyLine: Equatable {
        case mode(String)
        case mx(String)
    }

    static func policyLine(_ line: String) -> PolicyLine? {
        line.withBytes { p -> PolicyLine? in
            guard let (isMode, value) = policyLine(p) else { return nil }
            let text = String(decoding: value, as: UTF8.self)
            return isMode ? .mode(text) : .mx(text)
        }
    }

    /// A `mode:` or `mx:` line: whether it is the mode, and its value, trimmed.
    static func policyLine(_ p: UnsafeBufferPointer<UInt8>) -> (isMode: Bool, value: UnsafeBufferPointer<UInt8>)? {
        guard let colon = p.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let key = UnsafeBufferPointer(rebasing: p[0..<colon])
        let (klo, khi) = trimmedBounds(key)
        let trimmedKey = UnsafeBufferPointer(rebasing: key[klo..<khi])
        let isMode = equalsIgnoringCase(trimmedKey, "mode")
        guard isMode || equalsIgnoringCase(trimmedKey, "mx") else { return nil }
        let rest = UnsafeBufferPointer(rebasing: p[(colon + 1)...])
        let (lo, hi) = trimmedBounds(rest)
        return (isMode, UnsafeBufferPointer(rebasing: rest[lo..<hi]))
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
                if let list = try? inner.withUnsafeBufferPointer({ (p) throws(ReportError) -> [String] in
                    try JSONReader.stringList(p, maxDepth: 4)
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
