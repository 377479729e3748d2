import ArgumentParser
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTRender
import TLSRPTStore

/// `tlsrpt ingest PATH...`: store every valid report, record every rejected input.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store reports from files, directories, mbox, Maildir, .eml, .json(.gz), .zip or - (stdin).",
        discussion: """
            Duplicates (the same report again, by retry or a second delivery) are counted, not stored \
            twice; a copy whose content differs from the stored one is recorded as a conflict. Commits \
            in batches: after a crash, running the same ingest again completes it. Exit status: 0 every \
            report found was stored or already present; 1 something was rejected or a path held no \
            report; 2 the database failed.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: "Files, directories, or - for standard input.")
    var paths: [String]

    @Option(help: "Reports per transaction.")
    var batchSize: Int = 5000

    @Option(
        help: ArgumentHelp(
            "Reading - (a pipe): commit each report at most this many seconds after it arrived, even before its batch fills (0: only full batches and the end).",
            valueName: "seconds"))
    var commitWithin: Double = 1

    @OptionGroup var limits: LimitOptions

    @OptionGroup var dkim: DKIMOptions

    @Flag(name: .shortAndLong, help: "Print only the tally.")
    var quiet = false

    func validate() throws {
        guard commitWithin >= 0, commitWithin.isFinite else {
            throw ValidationError("--commit-within must be a number of seconds, 0 or more")
        }
    }

    func run() throws {
        let store = try database.openForWriting()
        let session = IngestSession(store: store, batchSize: batchSize, pipelined: true)
        let extractor = try limits.extractor(dkim: dkim)
        let progress = quiet ? nil : ProgressMeter.forTerminal()
        do {
            // Payloads are decoded on every core, stored in input order (IngestSession.ingest).
            try session.ingest(paths, with: extractor, commitWithin: commitWithin) { item in
                progress?.add(item)
                if case .rejected(let provenance, let error, _, _) = item, !quiet {
                    progress?.finish()
                    printError(SafeText.terminal("rejected \(provenance): \(error)"))
                }
            }
            try session.flush()
        } catch {
            progress?.finish()
            printError("tlsrpt: database \(database.path): \(error)")
            print("ingest: \(session.tally) (before the failure)")
            throw ExitStatus.failure
        }
        progress?.finish()
        print("ingest: \(session.tally)")
        if session.tally.conflicts > 0 && !quiet {
            printError(
                "note: \(session.tally.conflicts) report(s) arrived again with different content: the first copy was kept, each differing copy is recorded (receipts table, outcome conflict, with its bytes)"
            )
        }
        if session.tally.rejected > 0 { throw ExitStatus.rejected }
    }
}
