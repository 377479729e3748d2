import ArgumentParser

/// The `tlsrpt` command: a thin shell over the library modules.
@main
struct TLSRPTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsrpt",
        abstract: "Collect and aggregate SMTP TLS reports (RFC 8460).",
        discussion: """
            Exit status: 0 success; 1 some input was rejected or held no report (ingest, check) or a \
            threshold was crossed (digest) or verify found a problem; 2 an internal or store error; 64 a usage \
            error.
            """,
        subcommands: [
            IngestCommand.self, CheckCommand.self, SummaryCommand.self, ExportCommand.self, DigestCommand.self,
            RejectedCommand.self, PruneCommand.self, VerifyCommand.self, ServeCommand.self, FetchCommand.self,
            CopyDatabaseCommand.self, WebCommand.self,
        ]
    )

    /// Runs the command line (with `digest --alert-baseline`'s optional factor filled in).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        await Self.main(arguments.first == "digest" ? DigestCommand.fillInDefaultFactor(arguments) : arguments)
    }
}

/// Exit codes shared by the subcommands (documented in the README).
enum ExitStatus {
    /// Something given was rejected, held no report, or a digest threshold was crossed.
    static let rejected = ExitCode(1)
    /// The store or another resource failed.
    static let failure = ExitCode(2)
}
