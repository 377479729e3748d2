import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import TLSRPT
import TLSRPTRender
import TLSRPTServer
import TLSRPTStore

/// How `tlsrpt web` listens and whom it lets in.
public struct WebConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8025
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// The users of `--auth-file`; nil: no authentication (loopback only).
    public var users: Htpasswd?

    public init() {}

    /// Whether `host` is a loopback address (`127.0.0.0/8`, `::1`, `localhost`): the only
    /// addresses the dashboard listens on without `--auth-file`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// The request context: Hummingbird's core context plus the client's address (for the
/// authentication gate's per-address failure count); the receiver's.
public typealias WebContext = ReceiverContext

/// `tlsrpt web`: the read-only dashboard on Hummingbird 2. Every page and API answer is
/// rendered from the store on the request (store calls and bcrypt run on NIO's thread pool, not
/// the event loop).
public struct WebServer: Sendable {
    public let configuration: WebConfiguration
    public let store: any ReportStore
    let logger: Logger

    public init(configuration: WebConfiguration, store: any ReportStore, logger: Logger = Logger(label: "tlsrpt.web")) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    /// The headers of every answer: no inline script or style may run (everything from a
    /// report is escaped, and this is the second line), nothing is cached.
    static let securityHeaders: HTTPFields = {
        var h = HTTPFields()
        h[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        h[.xContentTypeOptions] = "nosniff"
        h[.cacheControl] = "no-store"
        h[.init("Referrer-Policy")!] = "no-referrer"
        h[.init("X-Frame-Options")!] = "DENY"
        return h
    }()

    /// The router with every page, the API and the static files.
    public func makeRouter() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        let pages = Pages(store: store)
        let api = API(pages: pages)
        router.add(
            middleware: DashboardMiddleware(gate: configuration.users.map { AuthGate(users: $0) }, logger: logger))

        router.get("/") { request, _ in
            try await Self.html { try pages.overview(try Self.query(request)) }
        }
        router.get("/domain/:name") { request, context in
            let name = try Self.domainParameter(context)
            return try await Self.html(orNotFound: "No reports for \(Layout.domainName(name)) in this range.") {
                let page = try pages.domain(name, try Self.query(request))
                return page.found ? page.html : nil
            }
        }
        router.get("/reports") { request, _ in
            try await Self.html { try pages.reports(try Self.query(request)) }
        }
        router.get("/reports/:id") { _, context in
            let id = try Self.idParameter(context)
            return try await Self.html(orNotFound: "No report with id \(id).") { try pages.report(id) }
        }
        router.get("/reports/:id/raw") { _, context in
            let id = try Self.idParameter(context)
            let bytes = try await Self.offLoop { try pages.store.storedReport(id: id)?.gzip }
            guard let bytes else { throw WebNotFound("No report with id \(id).") }
            return Self.download(bytes, filename: "report-\(id).json.gz")
        }
        router.get("/rejected") { request, _ in
            try await Self.html { try pages.rejected(try Self.query(request)) }
        }
        router.get("/rejected/:id/raw") { _, context in
            let id = try Self.idParameter(context)
            let bytes = try await Self.offLoop { try pages.store.rejectedBytes(id: id) }
            guard let bytes else { throw WebNotFound("No rejected input with id \(id).") }
            return Self.download(bytes, filename: "rejected-\(id).bin")
        }
        router.get("/static/style.css") { _, _ in
            Self.answer(.ok, Assets.styleSheet, type: "text/css; charset=utf-8")
        }
        router.get("/static/app.js") { _, _ in
            Self.answer(.ok, Assets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/api/summary") { request, _ in
            try await Self.json { try api.summary(try Self.query(request)) }
        }
        router.get("/api/domains") { request, _ in
            try await Self.json { try api.domains(try Self.query(request)) }
        }
        router.get("/api/domain/:name") { request, context in
            let name = try Self.domainParameter(context)
            let body = try await Self.offLoop { try api.domain(name, try Self.query(request)) }
            guard let body else { throw WebNotFound("No reports for \(Layout.domainName(name)) in this range.") }
            return Self.answer(.ok, body, type: "application/json")
        }
        router.get("/api/reports") { request, _ in
            try await Self.json { try api.reports(try Self.query(request)) }
        }
        router.get("/api/rejected") { request, _ in
            try await Self.json { try api.rejected(try Self.query(request)) }
        }
        return router
    }

    /// Builds the application: HTTPS when a certificate is configured.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let server = try httpServerBuilder(
            idleTimeoutSeconds: 60, certificatePath: configuration.tlsCertificatePath,
            keyPath: configuration.tlsKeyPath)
        return Application(
            router: makeRouter(), server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "tlsrpt"),
            onServerRunning: onServerRunning, logger: logger)
    }

    /// Runs until SIGTERM or SIGINT.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
    }

    // MARK: Helpers

    /// The query string's parameters, `+` as space and percent-decoded (an HTML form's GET).
    static func query(_ request: Request) throws -> WebQuery {
        let pairs = (request.uri.query ?? "").split(separator: "&").map { part -> (String, String) in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
        return try WebQuery(pairs)
    }

    /// `/domain/NAME`: NAME percent-decoded; `-` stands for reports without a policy domain.
    static func domainParameter(_ context: WebContext) throws -> String {
        let raw = context.parameters.get("name") ?? ""
        guard let name = raw.removingPercentEncoding else { throw WebError("the domain in the path is not valid") }
        return name == "-" ? "" : name
    }

    static func idParameter(_ context: WebContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw WebNotFound("No such id.")
        }
        return id
    }

    /// Runs a store call (blocking) on the thread pool.
    static func offLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    static func html(_ render: @escaping @Sendable () throws -> String) async throws -> Response {
        answer(.ok, try await offLoop(render), type: "text/html; charset=utf-8")
    }

    static func html(orNotFound message: String, _ render: @escaping @Sendable () throws -> String?) async throws
        -> Response
    {
        guard let page = try await offLoop(render) else { throw WebNotFound(message) }
        return answer(.ok, page, type: "text/html; charset=utf-8")
    }

    static func json(_ render: @escaping @Sendable () throws -> String) async throws -> Response {
        answer(.ok, try await offLoop(render), type: "application/json")
    }

    static func answer(_ status: HTTPResponse.Status, _ body: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Bytes as a download: never rendered by the browser, whatever they contain.
    static func download(_ bytes: [UInt8], filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A page or record that does not exist (404), with the message to show.
struct WebNotFound: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Around every route: authentication (when `--auth-file` is given), the error pages (400 for
/// a bad query, 404, 503 when the store fails), the security headers, one log line.
struct DashboardMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let gate: AuthGate?
    let logger: Logger

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let address: String
        switch context.remoteAddress {
        case .v4(let a): address = a.host
        case .v6(let a): address = a.host
        default: address = "unknown"
        }
        let isAPI = request.uri.path.hasPrefix("/api/")
        var response: Response
        var user = "-"
        if let gate {
            let authorization = request.headers[.authorization]
            let verdict = try await WebServer.offLoop { gate.check(authorization: authorization, address: address) }
            switch verdict {
            case .allowed(let name):
                user = name
                response = await Self.respond(request, context, isAPI: isAPI, logger: logger, next)
            case .denied(let delay):
                if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
                response = Self.problem(
                    .unauthorized, "Sign in", "This dashboard needs a user name and password.", isAPI: isAPI)
                response.headers[.wwwAuthenticate] = "Basic realm=\"tlsrpt\", charset=\"UTF-8\""
            case .locked:
                response = Self.problem(
                    .tooManyRequests, "Too many failed sign-ins",
                    "Too many wrong passwords from \(address); try again in \(Int(AuthGate.window / 60)) minutes.",
                    isAPI: isAPI)
                response.headers[.retryAfter] = String(Int(AuthGate.window))
            }
        } else {
            response = await Self.respond(request, context, isAPI: isAPI, logger: logger, next)
        }
        for field in WebServer.securityHeaders { response.headers[field.name] = field.value }
        let ms = (ContinuousClock.now - started).components
        let elapsed = Double(ms.seconds) * 1000 + Double(ms.attoseconds) / 1e15
        logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) user \(user) from \(address) in \(Charts.f2(elapsed)) ms"
        )
        return response
    }

    /// The route's answer, or the error page its failure calls for.
    static func respond(
        _ request: Request, _ context: WebContext, isAPI: Bool, logger: Logger,
        _ next: (Request, WebContext) async throws -> Response
    ) async -> Response {
        do {
            return try await next(request, context)
        } catch let e as WebError {
            return problem(.badRequest, "Bad request", e.description, isAPI: isAPI)
        } catch let e as WebNotFound {
            return problem(.notFound, "Not found", e.message, isAPI: isAPI)
        } catch let e as HTTPError where e.status == .notFound {
            return problem(.notFound, "Not found", "There is no page at \(request.uri.path).", isAPI: isAPI)
        } catch let e as HTTPError {
            return problem(e.status, "Error", e.body ?? e.status.reasonPhrase, isAPI: isAPI)
        } catch {
            logger.error("\(request.uri.path): store: \(error)")
            return problem(
                .serviceUnavailable, "Database unavailable", "The database could not be read: \(error)", isAPI: isAPI)
        }
    }

    static func problem(_ status: HTTPResponse.Status, _ title: String, _ message: String, isAPI: Bool) -> Response {
        isAPI
            ? WebServer.answer(status, API.error(message), type: "application/json")
            : WebServer.answer(status, Layout.problem(title, message), type: "text/html; charset=utf-8")
    }
}
