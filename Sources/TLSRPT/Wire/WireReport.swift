/// A report exactly as the sender wrote it: RFC 8460 §4.4 member names, values as received,
/// nothing normalized or checked beyond JSON types. `ReportNormalizer` turns it into a `Report`.
///
/// Every member is optional: absence is a fact about the sender, decided on by the normalizer.
public struct WireReport: Sendable, Equatable {
    /// `organization-name`.
    public var organizationName: String?
    /// `date-range`.
    public var dateRange: WireDateRange?
    /// `contact-info` (null reads as absent).
    public var contactInfo: String?
    /// `report-id`.
    public var reportID: String?
    /// `policies`.
    public var policies: [WirePolicyEntry]?

    public init() {}
}

/// `date-range`.
public struct WireDateRange: Sendable, Equatable {
    /// `start-datetime`.
    public var startDatetime: String?
    /// `end-datetime`.
    public var endDatetime: String?
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
    public var policyType: String?
    /// `policy-string`: an array per the RFC; a lone string is kept as one element.
    public var policyString: [String]?
    /// `policy-domain`.
    public var policyDomain: String?
    /// `mx-host`: an array per erratum 6241, a string in the RFC's own example.
    public var mxHost: [String]?
    public init() {}
}

/// `summary`.
public struct WireSummary: Sendable, Equatable {
    /// `total-successful-session-count`.
    public var totalSuccessfulSessionCount: WireCount?
    /// `total-failure-session-count`.
    public var totalFailureSessionCount: WireCount?
    public init() {}
}

/// One element of `failure-details`.
public struct WireFailureDetail: Sendable, Equatable {
    /// `result-type`.
    public var resultType: String?
    /// `sending-mta-ip`.
    public var sendingMTAIP: String?
    /// `receiving-mx-hostname` (or `receiving-mx-host-name`).
    public var receivingMXHostname: String?
    /// `receiving-mx-helo`.
    public var receivingMXHelo: String?
    /// `receiving-ip`.
    public var receivingIP: String?
    /// `failed-session-count`.
    public var failedSessionCount: WireCount?
    /// `additional-information` (or `additional-info-uri`).
    public var additionalInformation: String?
    /// `failure-reason-code`.
    public var failureReasonCode: String?
    public init() {}
}

/// A session count as written: a JSON number's text, or a string (some reporters quote counts).
public enum WireCount: Sendable, Equatable {
    case number(String)
    case string(String)
}
