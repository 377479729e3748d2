import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Fetches `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` by RFC 8461 §3.3's rules: HTTPS
/// only, a certificate valid for `mta-sts.DOMAIN` (the system's trust store, or `--ca-file`),
/// no redirects followed, 200 with `text/plain` only, at most 64 KB, within a timeout.
public struct PolicyFetcher: Sendable {
    /// PEM file of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// Connect here (`HOST:PORT`) instead of `mta-sts.DOMAIN:443`, still verifying the
    /// certificate for `mta-sts.DOMAIN` (as curl's `--connect-to`; for tests on loopback).
    public var connectTo: (host: String, port: Int)?
    /// Seconds for the whole fetch.
    public var timeout: Int

    /// The largest policy accepted (RFC 8461 §3.3 suggests 64 KB).
    public static let maxBytes = 64 * 1024

    public init(caFile: String? = nil, connectTo: (host: String, port: Int)? = nil, timeout: Int = 10) {
        self.caFile = caFile
        self.connectTo = connectTo
        self.timeout = timeout
    }

    /// The policy file's text, or an error saying what was wrong with the answer.
    public func fetch(domain: String) async throws(PolicyError) -> String {
        let host = "mta-sts.\(domain)"
        let url = "https://\(host)/.well-known/mta-sts.txt"
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            tls.minimumTLSVersion = .tlsv12
            if let caFile { tls.trustRoots = .file(caFile) }
            let context = try NIOSSLContext(configuration: tls)
            let group = MultiThreadedEventLoopGroup.singleton
            let limit = Self.maxBytes
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.seconds(Int64(timeout)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let ssl = try NIOSSLClientHandler(context: context, serverHostname: host)
                        try channel.pipeline.syncOperations.addHandler(ssl)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            PolicyResponseHandler(channel.eventLoop.makePromise(), limit: limit))
                    }
                }
            let target = connectTo ?? (host, 443)
            let channel = try await bootstrap.connect(host: target.host, port: target.port).get()
            let handler = try await channel.pipeline.handler(type: PolicyResponseHandler.self).get()
            let promise = handler.promise
            let deadline = channel.eventLoop.scheduleTask(in: .seconds(Int64(timeout))) {
                handler.finish(.failure(PolicyError("\(url): no answer within \(timeout) s")))
                channel.close(promise: nil)
            }
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/.well-known/mta-sts.txt")
            head.headers.add(name: "Host", value: host)
            head.headers.add(name: "User-Agent", value: "tlsrpt policy")
            head.headers.add(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            // A failed handshake closes the channel under the write; the handler has its reason.
            try? await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
            let answer: FetchedPolicy
            do {
                answer = try await promise.futureResult.get()
            } catch {
                deadline.cancel()
                channel.close(promise: nil)
                throw error
            }
            deadline.cancel()
            channel.close(promise: nil)
            return try answer.checked(url)
        } catch let e as PolicyError {
            throw e
        } catch let e as NIOSSLError {
            throw PolicyError("\(url): TLS failed: \(e)")
        } catch let e as BoringSSLError {
            throw PolicyError("\(url): the certificate is not valid for \(host): \(e)")
        } catch {
            throw PolicyError("\(url): \(error)")
        }
    }
}

/// What the server answered, before the checks.
struct FetchedPolicy: Sendable {
    var status: UInt
    var contentType: String?
    var location: String?
    var body: [UInt8]
    var tooLarge: Bool

    /// The text, after RFC 8461 §3.3's checks.
    func checked(_ url: String) throws(PolicyError) -> String {
        if (300..<400).contains(status) {
            throw PolicyError(
                "\(url): answered \(status) redirecting to \(location ?? "?"); redirects are not followed (RFC 8461 §3.3)"
            )
        }
        guard status == 200 else { throw PolicyError("\(url): answered HTTP \(status), not 200") }
        let media = contentType?.split(separator: ";").first?.trimmingWhitespace().lowercased()
        guard media == "text/plain" else {
            throw PolicyError("\(url): Content-Type \(contentType ?? "(none)"), not text/plain (RFC 8461 §3.2)")
        }
        guard !tooLarge else { throw PolicyError("\(url): larger than \(PolicyFetcher.maxBytes) bytes") }
        return String(decoding: body, as: UTF8.self)
    }
}

/// Collects one HTTP response (head and up to `limit` bytes of body) into a promise; every
/// call runs on the channel's event loop, and the first outcome wins.
final class PolicyResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<FetchedPolicy>
    let limit: Int
    var answer = FetchedPolicy(status: 0, contentType: nil, location: nil, body: [], tooLarge: false)
    private var done = false

    func finish(_ result: Result<FetchedPolicy, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }

    init(_ promise: EventLoopPromise<FetchedPolicy>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            answer.status = head.status.code
            answer.contentType = head.headers.first(name: "Content-Type")
            answer.location = head.headers.first(name: "Location")
        case .body(let buffer):
            if answer.body.count + buffer.readableBytes > limit {
                answer.tooLarge = true
                finish(.success(answer))
                context.close(promise: nil)
            } else {
                answer.body += buffer.readableBytesView
            }
        case .end:
            finish(.success(answer))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(PolicyError("the connection closed before the answer was complete")))
    }
}
