import ArgumentParser
import Foundation
import Logging
import TLSRPTServer
import TLSRPTStore

/// `tlsrpt serve`: receive reports by HTTPS POST (RFC 8460 §5.4).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive reports by HTTPS POST on / and /v1/tlsrpt.",
        discussion: """
            Answers 200 only after the report is committed to the database (duplicates: 200 too); \
            400 malformed (JSON body names the problem and JSON path), 403 policy domain not allowed, \
            413 too large, 415 media type, 429 rate limited, 503 store unavailable. GET /healthz, \
            GET /metrics (Prometheus). Settings come from flags, else environment variables \
            (TLSRPT_LISTEN, TLSRPT_TLS_CERT, …: the flag name upper-cased with _), else --config FILE \
            (lines `name = value`, names as the flags), else the defaults. SIGTERM/SIGINT stop it \
            gracefully.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: "HOST:PORT to listen on (default 127.0.0.1:8443; port 0 picks a free one).")
    var listen: String?

    @Option(help: "PEM certificate chain; with --tls-key serves HTTPS (TLS 1.2+), else plain HTTP.")
    var tlsCert: String?

    @Option(help: "PEM private key.")
    var tlsKey: String?

    @Option(
        name: .customLong("domain"), help: "Accept only reports for this policy domain and its subdomains (repeatable)."
    )
    var domains: [String] = []

    @Option(name: .customLong("path"), help: "Another path that accepts POSTs (repeatable).")
    var paths: [String] = []

    @Option(help: "Largest request body in bytes (default 10000000).")
    var maxBodyBytes: Int?

    @Option(help: "Largest report after decompression in bytes (default 20000000).")
    var maxReportBytes: Int?

    @Option(help: "Deepest JSON nesting accepted in a report (default 64).")
    var maxJsonDepth: Int?

    @Option(help: "Requests per minute per client address, 0 for no limit (default 120).")
    var rateLimit: Int?

    @Option(help: "Header with the client address when behind a trusted reverse proxy (e.g. X-Forwarded-For).")
    var trustedProxyHeader: String?

    @Option(help: "Most simultaneous connections (default 1024).")
    var maxConnections: Int?

    @Option(help: "Seconds an idle connection is kept (default 30).")
    var idleTimeout: Int?

    @Option(help: "Seconds a request body may take to arrive (default 60; then 408).")
    var bodyTimeout: Int?

    @Option(help: "A file of `name = value` lines (names as the flags).")
    var config: String?

    func resolved() throws -> ServerConfiguration {
        let env = ProcessInfo.processInfo.environment
        var file: [String: String] = [:]
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("cannot read config file \(config)")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.hasPrefix("#") { continue }
                guard let eq = t.firstIndex(of: "=") else {
                    throw ValidationError("\(config): not `name = value`: \(t)")
                }
                file[t[..<eq].trimmingCharacters(in: .whitespaces)] = t[t.index(after: eq)...].trimmingCharacters(
                    in: .whitespaces)
            }
        }
        func setting(_ flag: String?, _ name: String) -> String? {
            flag ?? env["TLSRPT_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] ?? file[name]
        }
        func number(_ flag: Int?, _ name: String) throws -> Int? {
            if let flag { return flag }
            guard let text = setting(nil, name) else { return nil }
            guard let n = Int(text) else { throw ValidationError("\(name) must be a number, got \(text)") }
            return n
        }
        var c = ServerConfiguration()
        if let listen = setting(listen, "listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen must be HOST:PORT, got \(listen)")
            }
            c.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            c.port = port
        }
        c.tlsCertificatePath = setting(tlsCert, "tls-cert")
        c.tlsKeyPath = setting(tlsKey, "tls-key")
        if (c.tlsCertificatePath == nil) != (c.tlsKeyPath == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        let domainList =
            domains.isEmpty ? (setting(nil, "domain")?.split(separator: ",").map(String.init) ?? []) : domains
        c.allowedDomains = domainList.map { $0.trimmingCharacters(in: .whitespaces) }
        let extraPaths = paths.isEmpty ? (setting(nil, "path")?.split(separator: ",").map(String.init) ?? []) : paths
        c.reportPaths += extraPaths
        if let v = try number(maxBodyBytes, "max-body-bytes") { c.maxBodyBytes = v }
        if let v = try number(maxReportBytes, "max-report-bytes") { c.maxReportBytes = v }
        if let v = try number(maxJsonDepth, "max-json-depth") { c.maxJSONDepth = v }
        if let v = try number(rateLimit, "rate-limit") { c.rateLimitPerMinute = v }
        c.trustedProxyHeader = setting(trustedProxyHeader, "trusted-proxy-header")
        if let v = try number(maxConnections, "max-connections") { c.maxConnections = v }
        if let v = try number(idleTimeout, "idle-timeout") { c.idleTimeoutSeconds = v }
        if let v = try number(bodyTimeout, "body-timeout") { c.bodyTimeoutSeconds = v }
        return c
    }

    func run() async throws {
        let configuration = try resolved()
        let store = try database.openForWriting()
        bootstrapServerLogging()
        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        let server = ReceiverServer(configuration: configuration, store: store)
        try await server.run { channel in
            let port = channel.localAddress?.port ?? configuration.port
            printNow("tlsrpt: listening on \(scheme)://\(configuration.host):\(port) (database \(store.location))")
        }
    }
}
