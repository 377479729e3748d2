import ArgumentParser
import Foundation
import TLSRPTMail
import TLSRPTRender
import TLSRPTStore

/// `tlsrpt copy-db SOURCE DEST`: a whole database into another, SQLite to PostgreSQL or back.
struct CopyDatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-db",
        abstract: "Copy a whole database (reports, raw bytes, copies received, rejected inputs, positions, rollups).",
        discussion: """
            SOURCE and DEST are SQLite paths or postgres:// URLs, as --db takes them; DEST is created \
            when missing. Idempotent: a report already in DEST (same identity) is left as it is, so \
            running it again, or after an interrupted run, copies only what is missing. DEST's rollups \
            are made from the copied reports; `tlsrpt verify --db DEST` checks them.
            """)

    @Argument(help: "The database to copy from.")
    var source: String

    @Argument(help: "The database to copy into.")
    var destination: String

    @Option(help: "Reports per transaction.")
    var batchSize: Int = 500

    @Flag(help: "No progress line on standard error (there is none when it is not a terminal).")
    var quiet = false

    func run() throws {
        let from = DatabaseTarget(source)
        let to = DatabaseTarget(destination)
        let input = try from.openForReading()
        let output = try to.openForWriting()
        let total = try from.query { try input.counts() }
        var tally = CopyTally()
        let meter = quiet || isatty(2) == 0 ? nil : ProgressLine()
        var after: Int64 = 0
        while true {
            let batch = try from.query { try input.storedReports(after: after, limit: max(1, batchSize)) }
            guard let last = batch.last else { break }
            let added = try to.query { try output.insertCopies(batch, rejected: [], positions: []) }
            tally.reports += added.reports
            tally.reportsPresent += added.reportsPresent
            after = last.sourceID
            meter?.show("copy-db: \(tally.reports + tally.reportsPresent) of \(total.reports) report(s)")
        }
        after = 0
        while true {
            let batch = try from.query { try input.storedRejectedInputs(after: after, limit: max(1, batchSize)) }
            guard let last = batch.last else { break }
            tally.rejectedInputs += try to.query {
                try output.insertCopies([], rejected: batch, positions: []).rejectedInputs
            }
            after = last.input.id
        }
        let positions = try from.query { try input.storedInputPositions() }
        _ = try to.query { try output.insertCopies([], rejected: [], positions: positions) }
        meter?.finish()
        print(
            "copy-db: \(tally.reports) report(s) copied, \(tally.reportsPresent) already there; "
                + "\(tally.rejectedInputs) rejected input(s) copied; \(positions.count) input position(s)")
    }
}

/// A progress line on standard error, rewritten in place at most twice a second.
private final class ProgressLine {
    private var last = 0.0
    private var shown = false

    func show(_ text: String) {
        let now = ProgressMeter.monotonicSeconds()
        guard now - last >= 0.5 else { return }
        last = now
        shown = true
        FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
