import ArgumentParser
import Foundation
import TLSRPT
import TLSRPTRender
import TLSRPTStore

/// `tlsrpt summary`: per policy domain, sessions and failures.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per policy domain: sessions, success rate, failures by result type, failing MX hosts, reporters.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: OutputOption

    @Option(help: "table, json or csv.")
    var format: SummaryRenderer.Format = .table

    @Option(help: "Failing MX hosts listed per domain.")
    var topHosts: Int = 5

    func run() throws {
        let store = try database.openForReading()
        let summaries = try database.query { try store.summary(filters.filter, topHosts: topHosts) }
        let sink = try output.sink()
        sink.write(SummaryRenderer.render(summaries, format: format))
        sink.close()
    }
}

/// `tlsrpt export --table policies|failures`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export policies or failure details as CSV or JSON lines.",
        discussion: """
            CSV columns (the first ones fixed, more may follow): policies: organization_name, report_id, \
            begin, end, policy_type, policy_domain, successful_session_count, failed_session_count; failures: \
            organization_name, report_id, begin, end, policy_type, policy_domain, result_type, \
            failed_session_count, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip, \
            additional_information, failure_reason_code. --layout parsedmarc writes parsedmarc's SMTP TLS \
            CSV columns instead (policy and failure rows together; --table is then ignored).
            """)

    @OptionGroup var database: DatabaseOption
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: OutputOption

    @Option(help: "policies or failures.")
    var table: ExportTable = .policies

    @Option(help: "csv or json (one object per line).")
    var format: ExportRenderer.Format = .csv

    @Option(help: "tlsrpt (the contract's columns) or parsedmarc.")
    var layout: ExportRenderer.Layout = .tlsrpt

    func run() throws {
        let store = try database.openForReading()
        let sink = try output.sink()
        _ = try database.query {
            try ExportRenderer.write(
                store: store, table: table, filter: filters.filter, format: format, layout: layout, to: sink)
        }
        sink.close()
    }
}

/// `tlsrpt digest`: a daily digest for cron.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "A daily digest: per domain the day's totals, the change against the 7 days before, what is new.",
        discussion: """
            Covers reports whose UTC start date is --day (default: yesterday, UTC). Exit status 1 when an \
            alert you asked for fires (--max-failure-rate, --alert-new-result-types, --min-reports, \
            --alert-baseline, --alert-new-mx, --alert-new-reporter, --alert-silent-reporter), else 0; \
            2 when the database fails. --format json carries every alert with its kind, domain, \
            evidence and hint.
            """)

    @OptionGroup var database: DatabaseOption
    @OptionGroup var output: OutputOption

    @Option(help: "The UTC day (YYYY-MM-DD); default yesterday.")
    var day: Day?

    @Option(help: "text, markdown, html or json.")
    var format: DigestRenderer.Format = .text

    @Option(name: .customLong("domain"), help: "Only this policy domain (repeatable).")
    var domains: [String] = []

    @Option(help: "Alert (exit 1) when a domain's failure rate is above PCT percent.")
    var maxFailureRate: Double?

    @Flag(help: "Alert (exit 1) when a domain shows a result type not seen in the 30 days before.")
    var alertNewResultTypes = false

    @Option(help: "Alert (exit 1) when fewer than N reports were filed under the day.")
    var minReports: Int?

    @Option(
        help: ArgumentHelp(
            "Alert (exit 1) when a domain's failure rate on the day is at least FACTOR (default 3) times its median over the 28 days before.",
            valueName: "FACTOR"))
    var alertBaseline: Double?

    @Option(help: "The fewest sessions a domain must have on the day for --alert-baseline (default 100).")
    var alertMinSessions: Int64 = 100

    @Flag(help: "Alert (exit 1) when a receiving MX host fails that had not failed in the 30 days before.")
    var alertNewMx = false

    @Flag(help: "Alert (exit 1) when a sending organization reports on a domain for the first time.")
    var alertNewReporter = false

    @Flag(
        help:
            "Alert (exit 1) when a sender that reported on at least 5 of the previous 14 days has sent nothing for 2 days."
    )
    var alertSilentReporter = false

    @Flag(help: "Only reports verified by DKIM (a copy came in a mail with a passing signature).")
    var dkimPass = false

    /// `--alert-baseline` takes an optional FACTOR: without a number after it, the default 3
    /// is put in (argument-parser has no options with optional values).
    static func fillInDefaultFactor(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in arguments.enumerated() {
            out.append(a)
            if a == "--alert-baseline" && (i + 1 == arguments.count || Double(arguments[i + 1]) == nil) {
                out.append("3")
            }
        }
        return out
    }

    func run() throws {
        let store = try database.openForReading()
        let today = Timestamp(seconds: Int64(Date().timeIntervalSince1970)).day
        let day = self.day ?? today.adding(days: -1)
        let thresholds = DigestThresholds(
            maxFailureRate: maxFailureRate, alertOnNewResultTypes: alertNewResultTypes, minReports: minReports,
            baselineFactor: alertBaseline, baselineMinSessions: alertMinSessions,
            alertOnNewMX: alertNewMx, alertOnNewReporter: alertNewReporter, alertOnSilentReporter: alertSilentReporter)
        let (digest, history) = try database.query {
            (
                try store.digest(day: day, domains: domains, dkimPassOnly: dkimPass),
                thresholds.needsHistory
                    ? try AlertHistory.load(store, day: day, domains: domains, dkimPassOnly: dkimPass) : nil
            )
        }
        let alerts = thresholds.evaluate(digest, history: history)
        let sink = try output.sink()
        sink.write(DigestRenderer.render(digest, format: format, alerts: alerts))
        sink.close()
        if !alerts.isEmpty { throw ExitStatus.rejected }
    }
}

/// `tlsrpt rejected`: what was refused and why.
struct RejectedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejected", abstract: "List rejected inputs (newest first) with their source and reason.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many to list.")
    var limit: Int = 50

    @Option(help: "text or json.")
    var format: CheckFormat = .text

    @Option(help: "Write the stored bytes of rejected input ID to standard output.")
    var bytes: Int64?

    func run() throws {
        let store = try database.openForReading()
        if let id = bytes {
            guard let data = try database.query({ try store.rejectedBytes(id: id) }) else {
                printError("tlsrpt: no stored bytes for rejected input \(id)")
                throw ExitStatus.rejected
            }
            FileHandle.standardOutput.write(Data(data))
            return
        }
        let list = try database.query { try store.rejectedInputs(limit: limit, since: nil) }
        if format == .json {
            let w = JSONWriter(pretty: true)
            w.array(list) { RejectedRenderer.object(w, $0) }
            print(w.output)
            return
        }
        if list.isEmpty { print("No rejected inputs.") }
        for r in list {
            print(
                "\(r.id)  \(Timestamp(seconds: r.receivedAt).rfc3339)  \(SafeText.terminal(r.source))  [\(r.kind)] \(SafeText.terminal(r.reason))"
            )
        }
    }
}

/// `tlsrpt prune --older-than DAYS`.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete reports filed more than DAYS days ago, and rejected inputs received before then.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Keep the last DAYS days (by each report's UTC start day).")
    var olderThan: Int

    func validate() throws {
        guard olderThan >= 0 else { throw ValidationError("--older-than must be 0 or more") }
    }

    func run() throws {
        let store = try database.openForReading()
        let today = Timestamp(seconds: Int64(Date().timeIntervalSince1970)).day
        let result = try database.query { try store.prune(before: today.adding(days: -olderThan)) }
        print("prune: \(result.reports) report(s) and \(result.rejectedInputs) rejected input(s) deleted")
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: SQLite's own file check, and every rollup recomputed from the stored reports.",
        discussion: """
            For after a crash, a full disk or a restore: exit 0 when the file is sound and every \
            rollup matches the reports (summaries and digests read the rollups), 1 when not.
            """)

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openForReading()
        let (file, mismatches, counts) = try database.query {
            (try store.fileCheck(), try store.rollupMismatches(), try store.counts())
        }
        let fileOK = file == ["ok"]
        print(
            "verify: \(counts.reports) report(s), \(counts.policies) policies, \(counts.failureDetails) failure detail(s); "
                + "file \(fileOK ? "ok" : "damaged"); rollups \(mismatches == 0 ? "exact" : "\(mismatches) row(s) differ")"
        )
        let engine = store.location.hasPrefix("postgres") ? "postgresql" : "sqlite"
        for problem in file where !fileOK { printError(SafeText.terminal("\(engine): \(problem)")) }
        if !fileOK || mismatches != 0 { throw ExitStatus.rejected }
    }
}
