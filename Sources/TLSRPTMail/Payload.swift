import MailAuthentication

/// Bytes that should hold a TLS report (a file, an attachment, a POST body), with where they came
/// from and what the carrying mail said about them.
public struct Payload: Sendable {
    /// Where the bytes came from.
    public var provenance: Provenance
    /// The bytes as received (gzip, zip or JSON; sniffed later).
    public var bytes: [UInt8]
    /// Headers of the carrying mail message, when there was one.
    public var mail: MailContext?
    /// How the bytes arrived.
    public var channel: Channel
    /// The DKIM verdict on the carrying mail message (nil: not checked, or not mail). Set
    /// when the payload is decoded, from `pendingDKIM`.
    public var dkim: DKIMVerdict?
    /// The verdict still to be computed (a payload as the walker hands it over).
    public var pendingDKIM: PendingVerdict?
    /// Whether the report may be stored only with a `pass` verdict (`--dkim require`).
    public var requiresDKIMPass = false
    /// The whole carrying message, kept only when `requiresDKIMPass` and the verdict is not
    /// `pass`: the rejected input's bytes, so that the mail can be ingested again later.
    public var message: [UInt8]?

    /// How a payload arrived.
    public enum Channel: String, Sendable {
        /// A report file (or standard input).
        case file
        /// A mail message (mbox, Maildir, .eml).
        case mail
        /// An HTTPS POST.
        case https
    }

    /// Creates a payload; the channel defaults to mail when there is a mail context.
    public init(provenance: Provenance, bytes: [UInt8], mail: MailContext? = nil, channel: Channel? = nil) {
        self.provenance = provenance
        self.bytes = bytes
        self.mail = mail
        self.channel = channel ?? (mail == nil ? .file : .mail)
    }
}

/// What a report mail's headers say (RFC 8460 §5.3). The JSON wins where they disagree; the
/// `TLS-Report-Domain` header is only a fallback for a policy that names no domain.
public struct MailContext: Sendable, Equatable {
    /// `TLS-Report-Domain`.
    public var reportDomain: String?
    /// `TLS-Report-Submitter`.
    public var reportSubmitter: String?
    /// `Subject`.
    public var subject: String?
    /// `Message-ID`.
    public var messageID: String?
    /// `Date`.
    public var date: String?
    /// `From`.
    public var from: String?

    /// Creates a mail context.
    public init(
        reportDomain: String? = nil, reportSubmitter: String? = nil, subject: String? = nil,
        messageID: String? = nil, date: String? = nil, from: String? = nil
    ) {
        self.reportDomain = reportDomain
        self.reportSubmitter = reportSubmitter
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.from = from
    }
}
