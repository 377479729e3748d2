import IMAPClient
import IMAPProtocol

/// Everything `tlsrpt fetch` needs to know about the mailbox and what to do with its messages.
public struct FetchSettings: Sendable {
    /// The mailbox (`imaps://USER@HOST[:PORT]/FOLDER`).
    public var mailbox: MailboxURL
    /// The password (from a file or the environment; never from the command line).
    public var password: String
    /// How the connection is protected.
    public var security: IMAPServer.Security
    /// A PEM file of CA certificates to trust (a private CA).
    public var caFile: String?
    /// Where messages whose reports are all stored (or already present) are moved.
    public var archiveFolder: String?
    /// Where messages with a rejected part, or without a report, are moved.
    public var invalidFolder: String?
    /// Messages fetched per command (and per transaction).
    public var batchMessages = 500
    /// Message bytes fetched per command at most (memory stays bounded by about twice this).
    public var batchBytes = 32 << 20
    /// Largest message fetched; a larger one is recorded as rejected without being loaded.
    public var maxMessageBytes: Int
    /// How long to wait for an answer, in seconds.
    public var responseTimeout: Double = 120
    /// Watch mode: how long one IDLE lasts before it is renewed (servers drop it after 30 min).
    public var idleRenewSeconds: Double = 29 * 60
    /// Watch mode: the longest wait between reconnection attempts, in seconds.
    public var reconnectMaxSeconds: Double = 300

    /// Creates settings.
    public init(
        mailbox: MailboxURL, password: String, security: IMAPServer.Security, caFile: String? = nil,
        archiveFolder: String? = nil, invalidFolder: String? = nil, maxMessageBytes: Int
    ) {
        self.mailbox = mailbox
        self.password = password
        self.security = security
        self.caFile = caFile
        self.archiveFolder = archiveFolder
        self.invalidFolder = invalidFolder
        self.maxMessageBytes = maxMessageBytes
    }

    /// The server to connect to.
    var server: IMAPServer {
        IMAPServer(
            host: mailbox.host, port: mailbox.port, security: security, caFile: caFile,
            responseTimeout: responseTimeout, maxLiteralBytes: maxMessageBytes + 65_536)
    }

    /// Whether processed messages leave the folder (then the position is recorded after the
    /// moves, so a message committed but not yet moved is fetched again, as a duplicate).
    var movesMessages: Bool { archiveFolder != nil || invalidFolder != nil }
}
