import ArgumentParser
import TLSRPT
import TLSRPTMail
import TLSRPTRender

/// `tlsrpt check PATH...`: parse and validate, store nothing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse and validate reports without storing them.",
        discussion: """
            Reads files, directories (recursively), mbox files, Maildirs, .eml, .json, .json.gz, \
            .zip, and - for standard input. Prints one line per report, or the error with its \
            source and JSON path. Exit status 0 when every input held only valid reports, 1 otherwise.
            """
    )

    @Argument(help: "Files, directories, or - for standard input.")
    var paths: [String]

    @Option(help: "Output format: text or json.")
    var format: CheckFormat = .text

    @OptionGroup var limits: LimitOptions

    @OptionGroup var dkim: DKIMOptions

    @Option(help: "Accepted but ignored: check stores nothing.")
    var db: String?

    func run() throws {
        let extractor = try limits.extractor(dkim: dkim)
        var output = CheckOutput(format: format)
        let progress = ProgressMeter.forTerminal()
        extractor.extract(paths) { item in
            progress?.add(item)
            output.add(item)
        }
        progress?.finish()
        output.finish()
        if output.rejected > 0 { throw ExitStatus.rejected }
    }
}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Prints check results as they come (text) or as one JSON document at the end.
struct CheckOutput {
    let format: CheckFormat
    var reports = 0
    var rejected = 0
    var withoutReport = 0
    private var json = JSONWriter(pretty: true)
    private var reportItems: [(Report, Payload)] = []
    private var errorItems: [(Provenance, ReportError)] = []
    private var skippedItems: [(Provenance, String)] = []

    init(format: CheckFormat) { self.format = format }

    mutating func add(_ item: ExtractedItem) {
        switch item {
        case .report(let report, let payload):
            reports += 1
            if format == .text {
                print(
                    SafeText.terminal(
                        "ok     \(payload.provenance): \(Self.describe(report))\(Self.dkimNote(payload))"))
            } else {
                reportItems.append((report, payload))
            }
        case .rejected(let provenance, let error, _, _):
            rejected += 1
            if format == .text {
                printError(SafeText.terminal("error  \(provenance): \(error)"))
            } else {
                errorItems.append((provenance, error))
            }
        case .messageWithoutReport(let provenance, let reason):
            withoutReport += 1
            if format == .text {
                print(SafeText.terminal("skip   \(provenance): \(reason)"))
            } else {
                skippedItems.append((provenance, reason))
            }
        }
    }

    static func describe(_ r: Report) -> String {
        var domains: [String] = []
        for p in r.policies where !domains.contains(p.domain) { domains.append(p.domain) }
        let shown = domains.map { $0.isEmpty ? "(no domain)" : $0 }.joined(separator: ",")
        return
            "\(r.organizationName) \(r.reportID) day \(r.day) domains \(shown) sessions ok \(r.successfulSessionCount) failed \(r.failedSessionCount)"
    }

    /// `; DKIM pass (d=… s=…)` for a mailed report that was checked.
    static func dkimNote(_ payload: Payload) -> String {
        guard payload.channel == .mail, let verdict = payload.dkim else { return "" }
        return "; DKIM \(verdict)"
    }

    /// The `dkim` member of a report in `check --format json`: as stored by `ingest`.
    static func dkimName(_ payload: Payload) -> String? {
        payload.channel == .mail ? payload.dkim?.name : "n/a"
    }

    func finish() {
        if format == .text {
            print(
                "\(reports) valid report(s), \(rejected) rejected, \(withoutReport) message(s) without a report")
            return
        }
        let w = JSONWriter(pretty: true)
        w.object {
            w.member("valid") { w.raw(String(reports)) }
            w.member("rejected") { w.raw(String(rejected)) }
            w.member("messages_without_report") { w.raw(String(withoutReport)) }
            w.member("reports") {
                w.array(reportItems) { (r, payload) in
                    w.object {
                        w.member("source") { w.string(payload.provenance.description) }
                        w.member("organization_name") { w.string(r.organizationName) }
                        w.member("report_id") { w.string(r.reportID) }
                        w.member("day") { w.string(r.day.description) }
                        w.member("begin") { w.string(r.start.rfc3339) }
                        w.member("end") { w.string(r.end.rfc3339) }
                        w.member("policy_domains") {
                            w.array(Array(Set(r.policies.map(\.domain))).sorted()) { w.string($0) }
                        }
                        w.member("successful_session_count") { w.raw(String(r.successfulSessionCount)) }
                        w.member("failed_session_count") { w.raw(String(r.failedSessionCount)) }
                        w.member("dkim") {
                            if let name = Self.dkimName(payload) { w.string(name) } else { w.raw("null") }
                        }
                        if let detail = payload.dkim?.detail, payload.channel == .mail {
                            w.member("dkim_detail") { w.string(detail) }
                        }
                    }
                }
            }
            w.member("errors") {
                w.array(errorItems) { (p, e) in
                    w.object {
                        w.member("source") { w.string(p.description) }
                        w.member("kind") { w.string(e.kind.rawValue) }
                        w.member("path") { w.string(e.pathString) }
                        w.member("message") { w.string(e.message) }
                    }
                }
            }
            w.member("messages_without_report_list") {
                w.array(skippedItems) { (p, reason) in
                    w.object {
                        w.member("source") { w.string(p.description) }
                        w.member("reason") { w.string(reason) }
                    }
                }
            }
        }
        print(w.output)
    }
}
