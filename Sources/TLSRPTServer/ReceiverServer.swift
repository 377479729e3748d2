import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import TLSRPTStore

/// The request context: Hummingbird's core context plus the client's address.
public struct ReceiverContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Thrown when a request body takes too long.
struct BodyTimeout: Error {}

/// Runs `body`, or throws `BodyTimeout` after `seconds` (0: no deadline).
func withBodyDeadline<T: Sendable>(seconds: Int, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    guard seconds > 0 else { return try await body() }
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw BodyTimeout()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// `tlsrpt serve`: the `rua=https:` endpoint of RFC 8460 §5.4 on Hummingbird 2, over TLS
/// (swift-nio-ssl) or plain HTTP behind a proxy. Graceful shutdown on SIGTERM/SIGINT: in-flight
/// requests finish and their commits complete before the process exits.
public struct ReceiverServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: any ReportStore
    public let metrics = ReceiverMetrics()
    let logger: Logger

    public init(
        configuration: ServerConfiguration, store: any ReportStore, logger: Logger = Logger(label: "tlsrpt.serve")
    ) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    /// The router with every route of the receiver.
    public func makeRouter() -> Router<ReceiverContext> {
        let metricsForCommits = metrics
        let committer = GroupCommitter(store: store) { n in
            metricsForCommits.commits.increment()
            metricsForCommits.committedItems.increment(by: Int64(n))
        }
        let receiver = ReportReceiver(configuration: configuration, committer: committer, metrics: metrics)
        let limiter = RateLimiter(perMinute: configuration.rateLimitPerMinute)
        let router = Router(context: ReceiverContext.self)
        let config = configuration
        let metrics = self.metrics
        let store = self.store
        let logger = self.logger

        @Sendable func clientAddress(_ request: Request, _ context: ReceiverContext) -> String {
            if let header = config.trustedProxyHeader?.lowercased(),
                let value = request.headers.first(where: { $0.name.canonicalName == header })?.value
            {
                // X-Forwarded-For: client, proxy1, proxy2 — the first is the client.
                return value.split(separator: ",").first.map { $0.trimmingCharacters(in: CharacterSet.whitespaces) }
                    ?? value
            }
            switch context.remoteAddress {
            case .v4(let a): return a.host
            case .v6(let a): return a.host
            default: return "unknown"
            }
        }

        @Sendable func handle(_ request: Request, _ context: ReceiverContext) async throws -> Response {
            let started = ContinuousClock.now
            let client = clientAddress(request, context)
            func reply(_ status: Int, _ body: String, _ outcome: String) -> Response {
                metrics.request(status: status)
                let elapsed = ContinuousClock.now - started
                logger.info(
                    "\(request.method) \(request.uri.path) \(status) \(outcome) from \(client) in \(elapsed.components.attoseconds / 1_000_000_000_000_000) ms"
                )
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                return Response(
                    status: .init(code: status), headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
            }
            guard limiter.allow(client) else {
                return reply(
                    429, #"{"error":"rate-limited","message":"too many requests; retry later"}"#, "rate-limited")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await withBodyDeadline(seconds: config.bodyTimeoutSeconds) {
                    var request = request
                    return try await request.collectBody(upTo: config.maxBodyBytes)
                }
            } catch is BodyTimeout {
                metrics.rejected("body-timeout")
                return reply(
                    408,
                    #"{"error":"body-timeout","message":"the request body did not arrive within \#(config.bodyTimeoutSeconds) s"}"#,
                    "body-timeout")
            } catch is NIOTooManyBytesError {
                let answer = await receiver.refuseOversized(client: client, receivedBytes: config.maxBodyBytes)
                return reply(answer.status, answer.body, answer.outcome)
            }
            metrics.bytesReceived.increment(by: Int64(buffer.readableBytes))
            let answer = await receiver.receive(
                body: Array(buffer.readableBytesView), contentType: request.headers[.contentType], client: client)
            metrics.ingestLatency.record(ContinuousClock.now - started)
            return reply(answer.status, answer.body, answer.outcome)
        }

        for path in configuration.reportPaths {
            router.post(RouterPath(path)) { request, context in try await handle(request, context) }
        }
        router.get("/healthz") { _, _ -> Response in
            do {
                _ = try store.counts()
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                return Response(
                    status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "store unavailable\n")))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        return router
    }

    /// Builds the application: TLS when a certificate is configured.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws
        -> some ApplicationProtocol
    {
        let server = try httpServerBuilder(
            idleTimeoutSeconds: configuration.idleTimeoutSeconds, certificatePath: configuration.tlsCertificatePath,
            keyPath: configuration.tlsKeyPath)
        return Application(
            router: makeRouter(), server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "tlsrpt",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            onServerRunning: onServerRunning, logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
    }
}
