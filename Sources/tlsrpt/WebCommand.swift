import ArgumentParser
import Foundation
import Logging
import TLSRPTStore
import TLSRPTWeb

/// `tlsrpt web`: the read-only dashboard.
struct WebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve the read-only web dashboard (domains, daily charts, reports, rejected inputs).",
        discussion: """
            Pages: / (every policy domain, worst first), /domain/NAME, /reports, /reports/ID, /rejected; \
            the same data as JSON under /api/summary, /api/domains, /api/domain/NAME, /api/reports, \
            /api/rejected. Filters in the query string: ?since=&until=&domain=&reporter=&result_type= \
            (default: the 30 days up to the newest report). It never writes the database, so it can \
            run beside serve, ingest or fetch. On any address but loopback it needs --auth-file, an \
            htpasswd file of bcrypt entries (htpasswd -B); wrong passwords get 401, slowed down, and \
            429 after 10 failures in 10 minutes.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: "HOST:PORT to listen on (default 127.0.0.1:8025; port 0 picks a free one).")
    var listen = "127.0.0.1:8025"

    @Option(help: "PEM certificate chain; with --tls-key serves HTTPS (TLS 1.2+), else plain HTTP.")
    var tlsCert: String?

    @Option(help: "PEM private key.")
    var tlsKey: String?

    @Option(help: "htpasswd file of bcrypt entries (htpasswd -B): HTTP Basic authentication for every page.")
    var authFile: String?

    @Flag(
        help:
            "Keep the normal CPU priority (by default the dashboard lowers its own to nice 10, so that serve, ingest and fetch on the same machine go first)."
    )
    var keepPriority = false

    func resolved() throws -> WebConfiguration {
        var c = WebConfiguration()
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        c.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        c.port = port
        c.tlsCertificatePath = tlsCert
        c.tlsKeyPath = tlsKey
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if let authFile {
            do {
                c.users = try Htpasswd(path: authFile)
            } catch {
                throw ValidationError("\(error)")
            }
        } else if !WebConfiguration.isLoopback(c.host) {
            throw ValidationError(
                "--listen \(listen) is not a loopback address: give --auth-file (an htpasswd -B file) so that only your users can read the reports"
            )
        }
        return c
    }

    /// Page renders are many short bursts of CPU; the writers (serve answering senders, ingest,
    /// fetch) matter more on a small machine (BENCHMARKS.md). Linux keeps a nice value per
    /// thread: every thread running once the server listens is set to 10 (threads started later
    /// by them inherit it).
    static func lowerPriority() {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? ["0"]
        for task in tasks {
            guard let tid = id_t(task) else { continue }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, 10)
        }
    }

    func run() async throws {
        let configuration = try resolved()
        let store = try database.openReadOnly()
        bootstrapServerLogging()
        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        let server = WebServer(configuration: configuration, store: store)
        try await server.run { channel in
            if !keepPriority { Self.lowerPriority() }
            let port = channel.localAddress?.port ?? configuration.port
            let auth = configuration.users == nil ? "no authentication" : "HTTP Basic authentication"
            printNow(
                "tlsrpt: dashboard listening on \(scheme)://\(configuration.host):\(port) (database \(store.location), read-only, \(auth))"
            )
        }
    }
}
