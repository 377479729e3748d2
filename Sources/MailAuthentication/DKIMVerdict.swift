/// The verdict types of DKIM for report mail (RFC 8460 §3), apart from the verifier: the mail
/// reader (`TLSRPTMail`) hands messages to a `MessageAuthenticator` and carries its verdicts,
/// without depending on the crypto (`DKIM`, swift-crypto) — so it builds alone, for the fuzzer.

/// What checking a mail's DKIM signatures found (RFC 6376; RFC 8460 §3 for TLS reports).
public enum DKIMVerdict: Sendable, Equatable, CustomStringConvertible {
    /// A valid signature by `domain` (d=), key `selector` (s=), aligned with the report's submitter.
    case pass(domain: String, selector: String)
    /// Signatures there, none valid: the reason of the first.
    case fail(String)
    /// No DKIM-Signature at all.
    case none
    /// A key could not be fetched (DNS did not answer); the mail may pass later.
    case temperror(String)

    /// Whether this is a pass.
    public var isPass: Bool {
        if case .pass = self { return true }
        return false
    }

    /// The signing domain and selector of a pass, the reason of a fail or temperror.
    public var detail: String? {
        switch self {
        case .pass(let d, let s): return "d=\(d) s=\(s)"
        case .fail(let reason), .temperror(let reason): return reason
        case .none: return nil
        }
    }

    /// `pass`, `fail`, `none` or `temperror`.
    public var name: String {
        switch self {
        case .pass: return "pass"
        case .fail: return "fail"
        case .none: return "none"
        case .temperror: return "temperror"
        }
    }

    public var description: String {
        switch self {
        case .pass(let d, let s): return "pass (d=\(d) s=\(s))"
        case .fail(let reason): return "fail (\(reason))"
        case .none: return "none"
        case .temperror(let reason): return "temperror (\(reason))"
        }
    }
}

/// What `--dkim` asks of reports that came in a mail (RFC 8460 §3: "Reports sent via SMTP MUST
/// contain a valid DKIM signature by the reporting domain").
public enum DKIMMode: String, Sendable, CaseIterable {
    /// No check: no verdict is recorded.
    case off
    /// Every mailed report gets a verdict, stored with its copy; none is refused for it.
    case record
    /// A mailed report without a `pass` verdict is not stored: it becomes a rejected input of
    /// kind `dkim` with the verdict as its reason and the whole mail message as its bytes.
    case require
}

/// Gives a whole mail message its DKIM verdict (`DKIM.DKIMVerifier` with a key source).
public protocol MessageAuthenticator: Sendable {
    /// The verdict on `message` (its bytes as stored, LF or CRLF).
    func verdict(_ message: [UInt8]) -> DKIMVerdict
}
