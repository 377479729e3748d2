/// Why a session failed (RFC 8460 §4.3, IANA "STARTTLS Validation Result Types").
///
/// The registry is open and senders invent values (`"Testing"` in a Microsoft-shaped test report,
/// free text from small reporters), so every value is kept: the eleven registered ones get cases,
/// anything else is `.other` with its lower-cased text. Nothing is ever mapped to a catch-all.
public enum ResultType: Sendable, Hashable, CustomStringConvertible {
    case starttlsNotSupported
    case certificateHostMismatch
    case certificateExpired
    case certificateNotTrusted
    case validationFailure
    case tlsaInvalid
    case dnssecInvalid
    case daneRequired
    case stsPolicyFetchError
    case stsPolicyInvalid
    case stsWebPKIInvalid
    /// A value outside the IANA registry, lower-cased and trimmed, as received otherwise.
    case other(String)

    /// The eleven registered values, in registry order.
    public static let registered: [ResultType] = [
        .starttlsNotSupported, .certificateHostMismatch, .certificateExpired, .certificateNotTrusted,
        .validationFailure, .tlsaInvalid, .dnssecInvalid, .daneRequired, .stsPolicyFetchError,
        .stsPolicyInvalid, .stsWebPKIInvalid,
    ]

    /// Reads a wire value: case and surrounding white space are ignored.
    public init(_ wire: String) {
        let v = normalizedToken(wire)
        switch v {
        case "starttls-not-supported": self = .starttlsNotSupported
        case "certificate-host-mismatch": self = .certificateHostMismatch
        case "certificate-expired": self = .certificateExpired
        case "certificate-not-trusted": self = .certificateNotTrusted
        case "validation-failure": self = .validationFailure
        case "tlsa-invalid": self = .tlsaInvalid
        case "dnssec-invalid": self = .dnssecInvalid
        case "dane-required": self = .daneRequired
        case "sts-policy-fetch-error": self = .stsPolicyFetchError
        case "sts-policy-invalid": self = .stsPolicyInvalid
        case "sts-webpki-invalid": self = .stsWebPKIInvalid
        default: self = .other(v)
        }
    }

    /// Reads a wire value from its UTF-8 bytes, as `init(_:)` does, without making a String for a
    /// registered value.
    init(_ p: UnsafeBufferPointer<UInt8>) {
        self = enumeratedToken(p, known: Self.registered(_:), other: ResultType.other, fromString: ResultType.init)
    }

    /// The registered value spelled `t` (ASCII, any case), by length first.
    private static func registered(_ t: UnsafeBufferPointer<UInt8>) -> ResultType? {
        @inline(__always) func `is`(_ name: StaticString) -> Bool { equalsIgnoringCase(t, name) }
        switch t.count {
        case 12: return `is`("tlsa-invalid") ? .tlsaInvalid : nil
        case 13: return `is`("dane-required") ? .daneRequired : nil
        case 14: return `is`("dnssec-invalid") ? .dnssecInvalid : nil
        case 18:
            if `is`("validation-failure") { return .validationFailure }
            if `is`("sts-policy-invalid") { return .stsPolicyInvalid }
            return `is`("sts-webpki-invalid") ? .stsWebPKIInvalid : nil
        case 19: return `is`("certificate-expired") ? .certificateExpired : nil
        case 22:
            if `is`("starttls-not-supported") { return .starttlsNotSupported }
            return `is`("sts-policy-fetch-error") ? .stsPolicyFetchError : nil
        case 23: return `is`("certificate-not-trusted") ? .certificateNotTrusted : nil
        case 25: return `is`("certificate-host-mismatch") ? .certificateHostMismatch : nil
        default: return nil
        }
    }

    /// The registry spelling (or the kept text for `.other`).
    public var rawValue: String {
        switch self {
        case .starttlsNotSupported: return "starttls-not-supported"
        case .certificateHostMismatch: return "certificate-host-mismatch"
        case .certificateExpired: return "certificate-expired"
        case .certificateNotTrusted: return "certificate-not-trusted"
        case .validationFailure: return "validation-failure"
        case .tlsaInvalid: return "tlsa-invalid"
        case .dnssecInvalid: return "dnssec-invalid"
        case .daneRequired: return "dane-required"
        case .stsPolicyFetchError: return "sts-policy-fetch-error"
        case .stsPolicyInvalid: return "sts-policy-invalid"
        case .stsWebPKIInvalid: return "sts-webpki-invalid"
        case .other(let v): return v
        }
    }

    /// Whether the value is in the IANA registry.
    public var isRegistered: Bool {
        if case .other = self { return false }
        return true
    }

    public var description: String { rawValue }
}

/// The kind of policy a sender applied (RFC 8460 §4.3 `policy-type`).
///
/// Upper-case `STS` (seen in a synthetic "quirky reporter" fixture) is read as `sts`; unknown
/// values (e.g. `invalid-policy-type` in a Stalwart test report) are kept, lower-cased.
public enum PolicyType: Sendable, Hashable, CustomStringConvertible {
    case sts
    case tlsa
    case noPolicyFound
    /// Anything else, lower-cased and trimmed.
    case other(String)

    /// Reads a wire value: case and surrounding white space are ignored.
    public init(_ wire: String) {
        let v = normalizedToken(wire)
        switch v {
        case "sts": self = .sts
        case "tlsa": self = .tlsa
        case "no-policy-found": self = .noPolicyFound
        default: self = .other(v)
        }
    }

    /// Reads a wire value from its UTF-8 bytes, as `init(_:)` does.
    init(_ p: UnsafeBufferPointer<UInt8>) {
        self = enumeratedToken(
            p,
            known: { t in
                equalsIgnoringCase(t, "sts")
                    ? .sts
                    : equalsIgnoringCase(t, "tlsa")
                        ? .tlsa : equalsIgnoringCase(t, "no-policy-found") ? .noPolicyFound : nil
            }, other: PolicyType.other, fromString: PolicyType.init)
    }

    /// The wire spelling.
    public var rawValue: String {
        switch self {
        case .sts: return "sts"
        case .tlsa: return "tlsa"
        case .noPolicyFound: return "no-policy-found"
        case .other(let v): return v
        }
    }

    public var description: String { rawValue }
}

/// The `mode` of an MTA-STS policy (RFC 8461 §3.2), read from the policy string.
public enum STSMode: Sendable, Hashable, CustomStringConvertible {
    /// `mode: enforce`: senders must not deliver without validated TLS.
    case enforce
    /// `mode: testing`: senders deliver anyway and report failures.
    case testing
    /// `mode: none`: the domain has withdrawn its policy. (Not called `none`, which reads as
    /// `Optional.none` wherever an `STSMode?` is compared.)
    case disabled
    /// Anything else, lower-cased.
    case other(String)

    /// Reads a policy-file (or stored) value: case and surrounding white space are ignored.
    public init(_ wire: String) {
        let v = normalizedToken(wire)
        switch v {
        case "enforce": self = .enforce
        case "testing": self = .testing
        case "none": self = .disabled
        default: self = .other(v)
        }
    }

    /// Reads a policy-file value from its UTF-8 bytes, as `init(_:)` does.
    init(_ p: UnsafeBufferPointer<UInt8>) {
        self = enumeratedToken(
            p,
            known: { t in
                equalsIgnoringCase(t, "enforce")
                    ? .enforce
                    : equalsIgnoringCase(t, "testing") ? .testing : equalsIgnoringCase(t, "none") ? .disabled : nil
            }, other: STSMode.other, fromString: STSMode.init)
    }

    /// The policy-file spelling.
    public var rawValue: String {
        switch self {
        case .enforce: return "enforce"
        case .testing: return "testing"
        case .disabled: return "none"
        case .other(let v): return v
        }
    }

    public var description: String { rawValue }
}

/// An enumerated wire value read from UTF-8 bytes: `known` gets the trimmed text when it is ASCII
/// (compared ignoring case, no String made), anything else becomes `other` with the lower-cased
/// text. Non-ASCII text goes to the String initializer, whose lower-casing is Unicode's (the
/// Kelvin sign K lower-cases into a registered name).
@inline(__always)
func enumeratedToken<T>(
    _ p: UnsafeBufferPointer<UInt8>, known: (UnsafeBufferPointer<UInt8>) -> T?, other: (String) -> T,
    fromString: (String) -> T
) -> T {
    let (lo, hi) = trimmedBounds(p)
    let t = UnsafeBufferPointer(rebasing: p[lo..<hi])
    guard isASCII(t) else { return fromString(String(decoding: p, as: UTF8.self)) }
    return known(t) ?? other(normalizedToken(t))
}
