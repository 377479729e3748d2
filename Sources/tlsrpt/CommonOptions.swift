import ArgumentParser
import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTRender
import TLSRPTStore
import TLSRPTStorePostgres
import TLSRPTStoreSQLite

extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--db PATH|URL` (every subcommand): else `$TLSRPT_DB`, else `./tlsrpt.sqlite`. A
/// `postgres://` URL is a PostgreSQL database, anything else a SQLite file.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "SQLite file or postgres://USER@HOST[:PORT]/DBNAME (default: $TLSRPT_DB, else ./tlsrpt.sqlite).")
    var db: String?

    /// The database the flag (or `$TLSRPT_DB`, or the default) names.
    var target: DatabaseTarget { DatabaseTarget(StoreLocation.resolve(flag: db)) }
    var path: String { target.path }
    func openForWriting() throws -> any ReportStore { try target.openForWriting() }
    func openForReading() throws -> any ReportStore { try target.openForReading() }
    func openReadOnly() throws -> any ReportStore { try target.openReadOnly() }
    func query<T>(_ body: () throws -> T) throws -> T { try target.query(body) }
}

/// A database named as `--db` names one: a SQLite path or a `postgres://` URL.
struct DatabaseTarget {
    /// The value as given.
    var value: String

    init(_ value: String) { self.value = value }

    /// The database, for messages (a URL without its password).
    var path: String { (try? StoreLocation.parse(value).description) ?? value }

    /// Opens the store for writing (creating a SQLite file, migrating either).
    func openForWriting() throws -> any ReportStore {
        do {
            switch try StoreLocation.parse(value) {
            case .sqlite(let path): return try SQLiteStore(path: path)
            case .postgres(let location): return try PostgresStore(location)
            }
        } catch {
            printError(SafeText.terminal("tlsrpt: \(error)"))
            throw ExitStatus.failure
        }
    }

    /// Runs `body` (queries of the store at `path`): a database failure — a damaged rollup
    /// row, an I/O error — is printed naming the database and ends with exit status 2, as the
    /// README's table says, instead of argument-parser's generic error and status 1.
    func query<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError(SafeText.terminal("tlsrpt: database \(path): \(error)"))
            throw ExitStatus.failure
        }
    }

    /// Opens an existing store without ever writing it (no migration; `tlsrpt web`): a
    /// SQLite file read-only, a PostgreSQL session with `default_transaction_read_only`.
    func openReadOnly() throws -> any ReportStore {
        do {
            switch try StoreLocation.parse(value) {
            case .sqlite(let path): return try SQLiteStore(path: path, readOnly: true)
            case .postgres(let location): return try PostgresStore(location, readOnly: true)
            }
        } catch {
            printError(SafeText.terminal("tlsrpt: \(error)"))
            throw ExitStatus.failure
        }
    }

    /// Opens an existing store for reading.
    func openForReading() throws -> any ReportStore {
        if case .sqlite(let path)? = try? StoreLocation.parse(value), !FileManager.default.fileExists(atPath: path) {
            printError("tlsrpt: no database at \(path) (run `tlsrpt ingest` first, or give --db)")
            throw ExitStatus.failure
        }
        return try openForWriting()
    }
}

/// The filters shared by summary, export and digest.
struct FilterOptions: ParsableArguments {
    @Option(help: "First UTC day included (YYYY-MM-DD), matched against each report's start.")
    var since: Day?

    @Option(help: "Last UTC day included (YYYY-MM-DD).")
    var until: Day?

    @Option(name: .customLong("domain"), help: "Only this policy domain (repeatable).")
    var domains: [String] = []

    @Option(
        name: .customLong("reporter"), help: "Only this sending organization (organization-name, any case; repeatable)."
    )
    var reporters: [String] = []

    @Option(name: .customLong("result-type"), help: "Only failures of this result type (repeatable).")
    var resultTypes: [String] = []

    @Flag(
        help:
            "Only reports verified by DKIM (a copy came in a mail with a passing signature); read from the report rows, slower on a large database."
    )
    var dkimPass = false

    var filter: ReportFilter {
        ReportFilter(
            since: since, until: until, domains: domains, reporters: reporters, resultTypes: resultTypes,
            dkimPassOnly: dkimPass)
    }
}

/// `--output FILE`, else standard output.
struct OutputOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func sink() throws -> OutputSink {
        guard let output else { return .standardOutput() }
        guard let sink = OutputSink.file(output) else {
            printError("tlsrpt: cannot write \(output): \(String(cString: strerror(errno)))")
            throw ExitStatus.failure
        }
        return sink
    }
}

extension SummaryRenderer.Format: ExpressibleByArgument {}
extension ExportRenderer.Format: ExpressibleByArgument {}
extension ExportRenderer.Layout: ExpressibleByArgument {}
extension DigestRenderer.Format: ExpressibleByArgument {}
extension ExportTable: ExpressibleByArgument {}

/// The caps on what one input may cost (`check`, `ingest`).
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest report accepted after decompression, in bytes.")
    var maxReportBytes: Int = DecodeLimits().maxReportBytes

    @Option(help: "Deepest JSON nesting accepted in a report.")
    var maxJsonDepth: Int = DecodeLimits().maxDepth

    @Option(help: "Most MIME parts read in one mail message.")
    var maxMimeParts: Int = MailLimits.defaultMaxParts

    @Option(help: "Deepest MIME nesting read in one mail message.")
    var maxMimeDepth: Int = MailLimits.defaultMaxDepth

    func validate() throws {
        for (name, value) in [
            ("--max-report-bytes", maxReportBytes), ("--max-json-depth", maxJsonDepth),
            ("--max-mime-parts", maxMimeParts), ("--max-mime-depth", maxMimeDepth),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }

    /// An extractor with these caps, checking DKIM as `dkim` says (not at all when nil).
    func extractor(dkim: DKIMOptions?) throws -> ReportExtractor {
        var extractor = ReportExtractor(
            limits: DecodeLimits(maxReportBytes: maxReportBytes, maxDepth: maxJsonDepth),
            mailLimits: MailLimits(maxParts: maxMimeParts, maxDepth: maxMimeDepth))
        extractor.walker.dkim = try dkim?.check()
        return extractor
    }
}
