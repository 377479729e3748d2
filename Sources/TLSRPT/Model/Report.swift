/// One TLS report, normalized: what a sender says happened to SMTP sessions towards the policy
/// domains in it during one date range. Built from a `WireReport` by `ReportNormalizer`.
public struct Report: Sendable, Hashable {
    /// The sending organization (`organization-name`), as received.
    public var organizationName: String
    /// `contact-info` as received, if any.
    public var contactInfo: String?
    /// The domain the contact-info points at (`smtp-tls-reporting@google.com` → `google.com`).
    public var reporterDomain: String?
    /// `report-id`, as received.
    public var reportID: String
    /// Start of the date range, in UTC.
    public var start: Timestamp
    /// End of the date range, in UTC.
    public var end: Timestamp
    /// The policies, in the order received (several may share type and domain).
    public var policies: [Policy]

    /// Creates a report.
    public init(
        organizationName: String, contactInfo: String?, reportID: String, start: Timestamp, end: Timestamp,
        policies: [Policy]
    ) {
        self.organizationName = organizationName
        self.contactInfo = contactInfo
        self.reporterDomain = contactInfo.flatMap(Report.domain(ofContact:))
        self.reportID = reportID
        self.start = start
        self.end = end
        self.policies = policies
    }

    /// The day the report is filed under: the UTC date of its start (senders end a day at
    /// 23:59:59Z or at the next day's 00:00:00Z; the start is what they agree on).
    public var day: Day { start.day }

    /// What identifies a report for deduplication.
    public var identity: ReportIdentity {
        ReportIdentity(organizationName: organizationName, reportID: reportID, start: start, end: end)
    }

    /// Sessions that succeeded, over all policies.
    public var successfulSessionCount: Int64 { policies.reduce(0) { $0 &+ $1.successfulSessionCount } }
    /// Sessions that failed, over all policies (the summaries, not the details).
    public var failedSessionCount: Int64 { policies.reduce(0) { $0 &+ $1.failedSessionCount } }

    /// The domain part of a contact: an address, a `mailto:` URI or an `https:` URL.
    static func domain(ofContact contact: String) -> String? {
        contact.withBytes { p -> String? in
            var (lo, hi) = trimmedBounds(p)
            if contact.hasPrefixIgnoringCase("mailto:") { lo += 7 }
            let text = UnsafeBufferPointer(rebasing: p[lo..<hi])
            var hostStart: Int?
            var i = 0
            while i + 2 < text.count {
                if text[i] == UInt8(ascii: ":") && text[i + 1] == UInt8(ascii: "/") && text[i + 2] == UInt8(ascii: "/")
                {
                    hostStart = i + 3
                    break
                }
                i += 1
            }
            let stops: [UInt8]
            if let start = hostStart {
                stops = [UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "?")]
                _ = start
            } else if let at = text.lastIndex(of: UInt8(ascii: "@")) {
                hostStart = at + 1
                stops = [UInt8(ascii: ">"), UInt8(ascii: " "), UInt8(ascii: ",")]
            } else {
                return nil
            }
            var end = hostStart!
            while end < text.count && !stops.contains(text[end]) { end += 1 }
            guard end > hostStart! else { return nil }
            let host = String(decoding: UnsafeBufferPointer(rebasing: text[hostStart!..<end]), as: UTF8.self)
            return normalizeDomain(host)
        }
    }
}

/// The four fields that identify a report: a retry or a second delivery carries the same four.
public struct ReportIdentity: Sendable, Hashable {
    public var organizationName: String
    public var reportID: String
    public var start: Timestamp
    public var end: Timestamp
}

/// One policy of a report with its session counts and failures.
public struct Policy: Sendable, Hashable {
    /// `policy-type`.
    public var type: PolicyType
    /// `policy-domain`, lower-cased without trailing dot; `""` when neither the report nor its
    /// carrying mail named one.
    public var domain: String
    /// Whether `domain` came from the carrying mail's `TLS-Report-Domain` header rather than
    /// from the JSON (so two copies of one report, by mail and by HTTPS, still compare equal).
    public var domainFromMailHeader: Bool = false
    /// `policy-string` lines as received (a single string is read as one line).
    public var policyStrings: [String]
    /// For `sts`: the `mode:` line of the policy string.
    public var stsMode: STSMode?
    /// MX patterns: `mx:` lines of the policy string plus `mx-host`, normalized, de-duplicated.
    public var mxPatterns: [String]
    /// For `tlsa`: the TLSA records (one per entry; Microsoft's JSON-in-a-string unpacked).
    public var tlsaRecords: [String]
    /// `total-successful-session-count` (0 when absent).
    public var successfulSessionCount: Int64
    /// `total-failure-session-count` (0 when absent).
    public var failedSessionCount: Int64
    /// `failure-details`, in the order received.
    public var failureDetails: [FailureDetail]

    /// Creates a policy.
    public init(
        type: PolicyType, domain: String, policyStrings: [String] = [], stsMode: STSMode? = nil,
        mxPatterns: [String] = [], tlsaRecords: [String] = [], successfulSessionCount: Int64,
        failedSessionCount: Int64, failureDetails: [FailureDetail] = []
    ) {
        self.type = type
        self.domain = domain
        self.policyStrings = policyStrings
        self.stsMode = stsMode
        self.mxPatterns = mxPatterns
        self.tlsaRecords = tlsaRecords
        self.successfulSessionCount = successfulSessionCount
        self.failedSessionCount = failedSessionCount
        self.failureDetails = failureDetails
    }
}

/// One `failure-details` entry: a count of sessions that failed the same way.
public struct FailureDetail: Sendable, Hashable {
    /// `result-type`.
    public var resultType: ResultType
    /// `sending-mta-ip`, as received (kept even when it is not an IP address).
    public var sendingMTAIP: String?
    /// `receiving-mx-hostname` (or SocketLabs' `receiving-mx-host-name`), lower-cased, no trailing dot.
    public var receivingMXHostname: String?
    /// `receiving-mx-helo`, as received.
    public var receivingMXHelo: String?
    /// `receiving-ip`, as received.
    public var receivingIP: String?
    /// `failed-session-count` (0 when absent).
    public var failedSessionCount: Int64
    /// `additional-information` (or `additional-info-uri`), as received.
    public var additionalInformation: String?
    /// `failure-reason-code`, free text, as received.
    public var failureReasonCode: String?

    /// Creates a failure detail.
    public init(
        resultType: ResultType, sendingMTAIP: String? = nil, receivingMXHostname: String? = nil,
        receivingMXHelo: String? = nil, receivingIP: String? = nil, failedSessionCount: Int64,
        additionalInformation: String? = nil, failureReasonCode: String? = nil
    ) {
        self.resultType = resultType
        self.sendingMTAIP = sendingMTAIP
        self.receivingMXHostname = receivingMXHostname
        self.receivingMXHelo = receivingMXHelo
        self.receivingIP = receivingIP
        self.failedSessionCount = failedSessionCount
        self.additionalInformation = additionalInformation
        self.failureReasonCode = failureReasonCode
    }

    /// Whether `sending-mta-ip` and `receiving-ip`, where given, are IP addresses.
    /// Malformed ones are kept as text; this only flags them.
    public var addressesLookValid: Bool {
        [sendingMTAIP, receivingIP].allSatisfy { $0.map(IPAddressText.isValid) ?? true }
    }
}

/// `normalizeDomain` of UTF-8 bytes: the String is made once, in its final form, for the common
/// case (ASCII, ending in a letter or digit); anything else goes through the String version.
func normalizeDomain(_ p: UnsafeBufferPointer<UInt8>) -> String {
    let (lo, hi) = trimmedBounds(p)
    let t = UnsafeBufferPointer(rebasing: p[lo..<hi])
    if let last = t.last, last > 0x20, last < 0x80, last != UInt8(ascii: "."), isASCII(t) {
        return normalizedToken(t)
    }
    return normalizeDomain(String(decoding: p, as: UTF8.self))
}

/// Domain names are compared lower-case without the root's trailing dot; A-labels stay as they are.
public func normalizeDomain(_ s: String) -> String {
    var t = normalizedToken(s)
    // The common case, checked on the last byte: nothing to strip.
    if let lastByte = t.utf8.last, lastByte > 0x20, lastByte < 0x80, lastByte != UInt8(ascii: ".") {
        return t
    }
    // Trailing dots and white space in any order ("example.com. " or "example.com ."), so
    // that normalizing twice changes nothing (found by fuzzing).
    while let last = t.last, last == "." || last.isWhitespace {
        t.removeLast()
    }
    return t
}
