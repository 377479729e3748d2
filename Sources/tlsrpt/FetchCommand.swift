import ArgumentParser
import Foundation
import IMAPClient
import IMAPProtocol
import TLSRPT
import TLSRPTIMAP
import TLSRPTMail
import TLSRPTRender
import TLSRPTStore

/// `tlsrpt fetch imaps://USER@HOST[:PORT]/FOLDER`: ingest the reports mailed to an IMAP mailbox.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Store the reports in an IMAP mailbox (imaps://USER@HOST[:PORT]/FOLDER).",
        discussion: """
            Reads every message not read before (the database keeps, per account and folder, \
            UIDVALIDITY and the highest UID done), stores every report of every message as ingest \
            does, and then, once they are committed, moves the messages to --archive-folder (all \
            reports stored or already present) or --invalid-folder (a rejected part, or no report). \
            The password comes from --password-file or $TLSRPT_IMAP_PASSWORD (or the config file), \
            never from the command line. --watch waits for new mail with IDLE. Exit status as ingest: \
            0 every report stored or already present, 1 something rejected, 2 the database or the \
            server failed (connection, login, certificate), 64 usage.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: "The mailbox: imaps://USER@HOST[:PORT]/FOLDER (TLS, port 993) or imap://… with --starttls (143).")
    var url: String?

    @Option(help: "File whose first line is the password (else $TLSRPT_IMAP_PASSWORD).")
    var passwordFile: String?

    @Flag(help: "With imap://: upgrade the connection with STARTTLS before logging in.")
    var starttls = false

    @Flag(help: "With imap://: no TLS at all. Only for a test server on loopback: the password crosses in clear.")
    var insecurePlain = false

    @Option(help: "PEM file of CA certificates to trust (a private CA); the server's certificate is always verified.")
    var caFile: String?

    @Option(
        help: "Move messages whose reports are all stored (or already present) to this folder (created when missing).")
    var archiveFolder: String?

    @Option(help: "Move messages with a rejected part, or without a report, to this folder (created when missing).")
    var invalidFolder: String?

    @Flag(help: "After the first pass, wait for new messages (IDLE) until SIGTERM or SIGINT.")
    var watch = false

    @Option(help: "Messages fetched per command and committed per transaction (default 500).")
    var batchSize: Int?

    @Option(help: "Watch mode: seconds before IDLE is renewed (default 1740: servers may drop it after 30 minutes).")
    var idleRenew: Double?

    @Option(help: "Watch mode: longest wait between reconnection attempts, in seconds (default 300).")
    var reconnectMax: Double?

    @Option(help: "Seconds to wait for any answer of the server (default 120).")
    var timeout: Double?

    @Option(
        help:
            "YAML file holding any of these options (names as the flags, e.g. `archive-folder: Archive`), and `password`."
    )
    var config: String?

    @OptionGroup var limits: LimitOptions

    @OptionGroup var dkim: DKIMOptions

    @Flag(name: .shortAndLong, help: "Print only the tally.")
    var quiet = false

    func run() async throws {
        let file: FetchConfigFile
        do {
            file = try config.map { try FetchConfigFile(path: $0) } ?? FetchConfigFile()
        } catch {
            printError("tlsrpt: \(error)")
            throw ExitCode(64)
        }
        let settings: FetchSettings
        let watching = watch || file.bool("watch") == true
        let dkimOptions: DKIMOptions
        do {
            settings = try makeSettings(file)
            dkimOptions = try dkim.merged(with: file)
        } catch let error as UsageError {
            printError("tlsrpt: \(error.message)")
            throw ExitCode(64)
        } catch {
            printError("tlsrpt: \(error)")
            throw ExitCode(64)
        }
        var dbOption = database
        if dbOption.db == nil, let db = file.string("db") { dbOption.db = db }
        let store = try dbOption.openForWriting()
        let extractor = try limits.extractor(dkim: dkimOptions)
        let fetcher = MailboxFetcher(
            settings: settings, extractor: extractor, store: store,
            onItem: { item in
                if case .rejected(let provenance, let error, _, _) = item, !quiet {
                    printError(SafeText.terminal("rejected \(provenance): \(error)"))
                }
            }, log: { printError(SafeText.terminal("fetch: \($0)")) })
        let stop = StopRequest()
        stop.installSignalHandlers()
        let runner = FetchRunner(fetcher: fetcher, stop: stop) { printError(SafeText.terminal("fetch: \($0)")) }
        do {
            if watching { try await runner.watch() } else { try await runner.runOnce() }
        } catch let error as IMAPError {
            printError(SafeText.terminal("tlsrpt: fetch \(settings.mailbox): \(error)"))
            print("fetch: \(fetcher.tally) (before the failure)")
            throw ExitStatus.failure
        } catch {
            printError(SafeText.terminal("tlsrpt: fetch \(settings.mailbox): database \(dbOption.path): \(error)"))
            print("fetch: \(fetcher.tally) (before the failure)")
            throw ExitStatus.failure
        }
        print("fetch: \(fetcher.tally)")
        if !quiet && (fetcher.messagesArchived > 0 || fetcher.messagesInvalid > 0) {
            printError(
                "fetch: \(fetcher.messagesFetched) message(s) read, \(fetcher.messagesArchived) moved to \(settings.archiveFolder ?? "-"), \(fetcher.messagesInvalid) to \(settings.invalidFolder ?? "-")"
            )
        }
        if fetcher.tally.rejected > 0 { throw ExitStatus.rejected }
    }

    struct UsageError: Error {
        var message: String
    }

    /// The settings from the flags, else the config file, else the environment and defaults.
    func makeSettings(_ file: FetchConfigFile) throws -> FetchSettings {
        guard let text = url ?? file.string("url") else {
            throw UsageError(
                message: "fetch needs the mailbox: imaps://USER@HOST[:PORT]/FOLDER (argument or `url` in --config)")
        }
        let mailbox: MailboxURL
        do {
            mailbox = try MailboxURL(parsing: text)
        } catch {
            throw UsageError(message: error.message)
        }
        let startTLS = starttls || file.bool("starttls") == true
        let plain = insecurePlain || file.bool("insecure-plain") == true
        let security: IMAPServer.Security
        if mailbox.implicitTLS {
            guard !startTLS && !plain else {
                throw UsageError(
                    message: "imaps:// is TLS from the start: --starttls and --insecure-plain are for imap://")
            }
            security = .implicitTLS
        } else if startTLS {
            security = .startTLS
        } else if plain {
            security = .plain
        } else {
            throw UsageError(
                message:
                    "imap:// without --starttls would send the password in clear: use imaps://, or imap:// with --starttls (--insecure-plain only for a loopback test server)"
            )
        }
        let password = try readPassword(file)
        var settings = FetchSettings(
            mailbox: mailbox, password: password, security: security, caFile: caFile ?? file.string("ca-file"),
            archiveFolder: archiveFolder ?? file.string("archive-folder"),
            invalidFolder: invalidFolder ?? file.string("invalid-folder"),
            maxMessageBytes: try limits.extractor(dkim: nil).walker.maxMailBytes)
        if let n = batchSize ?? file.int("batch-size") {
            guard n >= 1 else { throw UsageError(message: "--batch-size must be at least 1") }
            settings.batchMessages = n
        }
        if let s = idleRenew ?? file.double("idle-renew") {
            guard s > 0, s.isFinite else {
                throw UsageError(message: "--idle-renew must be a positive number of seconds")
            }
            settings.idleRenewSeconds = s
        }
        if let s = reconnectMax ?? file.double("reconnect-max") {
            guard s >= 1, s.isFinite else { throw UsageError(message: "--reconnect-max must be at least 1 second") }
            settings.reconnectMaxSeconds = s
        }
        if let s = timeout ?? file.double("timeout") {
            guard s > 0, s.isFinite else { throw UsageError(message: "--timeout must be a positive number of seconds") }
            settings.responseTimeout = s
        }
        if let a = settings.archiveFolder, a == mailbox.folder {
            throw UsageError(message: "--archive-folder is the folder being read")
        }
        if let i = settings.invalidFolder, i == mailbox.folder {
            throw UsageError(message: "--invalid-folder is the folder being read")
        }
        return settings
    }

    /// A note on stderr when every user of the machine can read a file holding the password.
    static func warnIfOthersCanRead(_ path: String, what: String) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o004 != 0 else { return }
        printError("tlsrpt: note: \(what) \(path) is readable by every user of this machine (chmod o-r)")
    }

    /// --password-file, else the config file's `password-file` or `password`, else
    /// $TLSRPT_IMAP_PASSWORD.
    func readPassword(_ file: FetchConfigFile) throws -> String {
        if let path = passwordFile ?? file.string("password-file") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageError(message: "cannot read the password file \(path)")
            }
            let text = String(decoding: data, as: UTF8.self)
            let line =
                text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard !password.isEmpty else { throw UsageError(message: "the password file \(path) is empty") }
            Self.warnIfOthersCanRead(path, what: "the password file")
            return password
        }
        if let p = file.string("password"), !p.isEmpty {
            if let config { Self.warnIfOthersCanRead(config, what: "the config file, which holds the password,") }
            return p
        }
        if let p = ProcessInfo.processInfo.environment["TLSRPT_IMAP_PASSWORD"], !p.isEmpty { return p }
        throw UsageError(
            message:
                "no password: give --password-file FILE or set TLSRPT_IMAP_PASSWORD (or `password-file` in --config)")
    }
}
