/// A report exactly as the sender wrote it: RFC 8460 §4.4 member names, values as received,
/// nothing normalized or checked beyond JSON types. `ReportNormalizer` turns it into a `Report`.
///
/// Every member is optional: absence is a fact about the sender, decided on by the normalizer.
/// Text values are not copied out of the JSON: a `WireText` says where each one is, and the
/// normalizer reads the bytes there (a report's strings are made once, in their final form).
public struct WireReport: Sendable, Equatable {
    /// `organization-name`.
    public var organizationName: WireText?
    /// `date-range`.
    public var dateRange: WireDateRange?
    /// `contact-info` (null reads as absent).
    public var contactInfo: WireText?
    /// `report-id`.
    public var reportID: WireText?
    /// `policies`.
    public var policies: [WirePolicyEntry]?
    /// The decoded text of the strings that held escape sequences, which `WireText.escapedIndex`
    /// points into (rare: most reports have none).
    public var unescapedTexts: [String] = []

    public init() {}
}

/// Where a text value is in the JSON the report was decoded from: a string's content (between the
/// quotes) or a number's text. Read it with `WireTextReader`.
public struct WireText: Sendable, Equatable {
    // 32-bit offsets keep a failure detail's eight texts small (`WireReport.decode` refuses JSON
    // of 4 GiB or more; the report cap is far below that).
    private let start: UInt32
    private let end: UInt32
    private let escaped: Int32
    /// Whether the value was a JSON number (RFC 8460 has strings there; we take the number's text).
    public let isNumber: Bool

    /// The byte range of the value in the JSON text.
    public var range: Range<Int> { Int(start)..<Int(end) }
    /// For a string with escape sequences: its index in `WireReport.unescapedTexts`; else -1.
    public var escapedIndex: Int { Int(escaped) }

    public init(range: Range<Int>, escapedIndex: Int = -1, isNumber: Bool = false) {
        self.start = UInt32(range.lowerBound)
        self.end = UInt32(range.upperBound)
        self.escaped = Int32(escapedIndex)
        self.isNumber = isNumber
    }
}

/// `date-range`.
public struct WireDateRange: Sendable, Equatable {
    /// `start-datetime`.
    public var startDatetime: WireText?
    /// `end-datetime`.
    public var endDatetime: WireText?
    public init() {}
}

/// One element of `policies`.
public struct WirePolicyEntry: Sendable, Equatable {
    /// `policy`.
    public var policy: WirePolicy?
    /// `summary`.
    public var summary: WireSummary?
    /// `failure-details`.
    public var failureDetails: [WireFailureDetail]?
    public init() {}
}

/// `policy`.
public struct WirePolicy: Sendable, Equatable {
    /// `policy-type`.
    public var policyType: WireText?
    /// `policy-string`: an array per the RFC; a lone string is kept as one element.
    public var policyString: [WireText]?
    /// `policy-domain`.
    public var policyDomain: WireText?
    /// `mx-host`: an array per erratum 6241, a string in the RFC's own example.
    public var mxHost: [WireText]?
    public init() {}
}

/// `summary`.
public struct WireSummary: Sendable, Equatable {
    /// `total-successful-session-count`: a number, or a string (some reporters quote counts).
    public var totalSuccessfulSessionCount: WireText?
    /// `total-failure-session-count`: a number, or a string.
    public var totalFailureSessionCount: WireText?
    public init() {}
}

/// One element of `failure-details`.
public struct WireFailureDetail: Sendable, Equatable {
    /// `result-type`.
    public var resultType: WireText?
    /// `sending-mta-ip`.
    public var sendingMTAIP: WireText?
    /// `receiving-mx-hostname` (or `receiving-mx-host-name`).
    public var receivingMXHostname: WireText?
    /// `receiving-mx-helo`.
    public var receivingMXHelo: WireText?
    /// `receiving-ip`.
    public var receivingIP: WireText?
    /// `failed-session-count`: a number, or a string (some reporters quote counts).
    public var failedSessionCount: WireText?
    /// `additional-information` (or `additional-info-uri`).
    public var additionalInformation: WireText?
    /// `failure-reason-code`.
    public var failureReasonCode: WireText?
    public init() {}
}

/// Reads `WireText` values out of the JSON a `WireReport` was decoded from.
public struct WireTextReader {
    /// The JSON text the report was decoded from.
    public let json: UnsafeBufferPointer<UInt8>
    /// `WireReport.unescapedTexts`.
    public let unescaped: [String]

    public init(json: UnsafeBufferPointer<UInt8>, unescaped: [String]) {
        self.json = json
        self.unescaped = unescaped
    }

    /// Calls `body` with the text's UTF-8 bytes (already checked to be valid UTF-8).
    @inline(__always)
    public func withBytes<R>(_ t: WireText, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if t.escapedIndex >= 0 {
            var copy = unescaped[t.escapedIndex]
            return copy.withUTF8(body)
        }
        precondition(t.range.upperBound <= json.count, "WireText outside the JSON it was decoded from")
        return body(UnsafeBufferPointer(rebasing: json[t.range]))
    }

    /// The text as a String.
    public func string(_ t: WireText) -> String {
        if t.escapedIndex >= 0 { return unescaped[t.escapedIndex] }
        precondition(t.range.upperBound <= json.count, "WireText outside the JSON it was decoded from")
        return String(decoding: UnsafeBufferPointer(rebasing: json[t.range]), as: UTF8.self)
    }

    /// The text shown in an error message: a number as written, a string quoted and escaped.
    func shown(_ t: WireText) -> String {
        t.isNumber ? string(t) : "\"\(string(t).debugDescriptionInner)\""
    }
}
