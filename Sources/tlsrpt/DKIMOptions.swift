import ArgumentParser
import DKIM
import DNSLookup
import TLSRPTMail

extension DKIMMode: ExpressibleByArgument {}

/// `--dkim off|record|require`, `--dns-server`, `--dns-timeout` (ingest, fetch, check): how
/// the DKIM signatures of mailed reports are checked (RFC 8460 §3).
struct DKIMOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "DKIM for mailed reports: off, record (verify and store the verdict; the default) or require (store only reports from mail with a passing signature; the others are rejected inputs with the whole mail kept).",
            valueName: "mode"))
    var dkim: DKIMMode?

    @Option(
        help: ArgumentHelp(
            "Ask this DNS server for DKIM keys (IPv4 address, optional :PORT) instead of the system's resolver.",
            valueName: "ip[:port]"))
    var dnsServer: String?

    @Option(
        help: ArgumentHelp("Seconds to wait for a DNS answer, two tries per key (default 5).", valueName: "seconds"))
    var dnsTimeout: Int?

    func validate() throws {
        if let dnsTimeout, dnsTimeout < 1 { throw ValidationError("--dns-timeout must be at least 1 second") }
        do {
            _ = try TXTResolver(server: dnsServer)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The mode asked for (`record` when none was).
    var mode: DKIMMode { dkim ?? .record }

    /// These options, with what `file` (`fetch --config`) says where no flag was given.
    func merged(with file: FetchConfigFile) throws -> DKIMOptions {
        var out = self
        if out.dkim == nil, let text = file.string("dkim") {
            guard let mode = DKIMMode(rawValue: text) else {
                throw ConfigError("config file: dkim must be off, record or require, got \(text)")
            }
            out.dkim = mode
        }
        if out.dnsServer == nil { out.dnsServer = file.string("dns-server") }
        if out.dnsTimeout == nil, let text = file.string("dns-timeout") {
            guard let n = Int(text), n >= 1 else {
                throw ConfigError("config file: dns-timeout must be a whole number of seconds, at least 1")
            }
            out.dnsTimeout = n
        }
        try out.validate()
        return out
    }

    /// The check to give the walker: nil for `off`. Keys are looked up once per run and name
    /// (answers, failures included, are cached by the resolver).
    func check() throws -> DKIMCheck? {
        guard mode != .off else { return nil }
        let resolver = try TXTResolver(server: dnsServer, timeout: dnsTimeout ?? 5)
        return DKIMCheck(mode: mode, authenticator: KeyedVerifier(resolver: resolver))
    }
}

/// The DKIM verifier with its keys from DNS (`SELECTOR._domainkey.DOMAIN` TXT).
struct KeyedVerifier: MessageAuthenticator {
    let verifier = DKIMVerifier()
    let resolver: TXTResolver

    func verdict(_ message: [UInt8]) -> DKIMVerdict {
        verifier.verify(message) { name in
            switch resolver.txt(name) {
            case .records(let records):
                // RFC 6376 §3.6.2.2: with several records at the name, the first is used.
                guard let first = records.first else { return .notFound }
                return .record(first)
            case .notFound: return .notFound
            case .temporaryFailure(let why): return .temporaryFailure(why)
            }
        }
    }
}
