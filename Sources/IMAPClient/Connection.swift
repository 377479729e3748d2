import Foundation
import IMAPProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// How to reach an IMAP server.
public struct IMAPServer: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// TLS from the first byte (`imaps`, port 993).
        case implicitTLS
        /// Plain text, then STARTTLS before anything else is said (RFC 3501 §6.2.1).
        case startTLS
        /// No TLS at all: for a loopback test server only.
        case plain
    }

    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// TLS mode.
    public var security: Security
    /// A PEM file of CA certificates to trust instead of the system's (a private CA).
    public var caFile: String?
    /// How long connecting (TCP and TLS) may take, in seconds.
    public var connectTimeout: Double
    /// How long any answer may take, in seconds (IDLE sets its own).
    public var responseTimeout: Double
    /// Caps on what the server may send (hostile or broken servers).
    public var maxLineBytes: Int
    /// Largest literal (message) accepted.
    public var maxLiteralBytes: Int

    /// Creates a server description.
    public init(
        host: String, port: Int, security: Security, caFile: String? = nil, connectTimeout: Double = 30,
        responseTimeout: Double = 120, maxLineBytes: Int = 1 << 20, maxLiteralBytes: Int = 64 << 20
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxLineBytes = maxLineBytes
        self.maxLiteralBytes = maxLiteralBytes
    }
}

/// Why talking to the server failed.
public enum IMAPError: Error, Sendable, CustomStringConvertible {
    /// TCP or TLS could not be set up (unreachable, refused, certificate not trusted).
    case connection(String)
    /// The server answered NO or BAD to a command.
    case commandFailed(command: String, StatusResponse)
    /// The login was refused.
    case authenticationFailed(String)
    /// The server said something this client cannot read.
    case protocolViolation(String)
    /// No answer came in time.
    case timeout(Double)
    /// The server closed the connection (or said BYE).
    case closed(String)
    /// The server lacks what is required (STARTTLS, a usable login).
    case unsupported(String)

    public var description: String {
        switch self {
        case .connection(let m): return m
        case .commandFailed(let command, let status):
            return "server answered \(status.status.rawValue) to \(command): \(status.text)"
        case .authenticationFailed(let m): return "login refused: \(m)"
        case .protocolViolation(let m): return "IMAP protocol error: \(m)"
        case .timeout(let s): return "no answer from the server within \(Int(s)) s"
        case .closed(let m): return "the server closed the connection\(m.isEmpty ? "" : ": \(m)")"
        case .unsupported(let m): return m
        }
    }

    /// Whether trying again later may help (a dropped connection, a timeout), as opposed to a
    /// setting to fix (a refused login, an untrusted certificate).
    public var isTransient: Bool {
        switch self {
        case .closed, .timeout: return true
        case .connection(let m): return !m.contains("certificate")
        default: return false
        }
    }
}

/// What the connection's reader hands the client: a response, a timer the client set, or an
/// interruption from outside (a signal).
enum ConnectionEvent: Sendable {
    case response(IMAPResponse)
    case timer(UInt64)
    case interrupt
}

/// Frames and parses what arrives on the channel, and passes each response on.
final class ResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var framer: ResponseFramer
    let continuation: AsyncThrowingStream<ConnectionEvent, any Error>.Continuation

    init(framer: ResponseFramer, continuation: AsyncThrowingStream<ConnectionEvent, any Error>.Continuation) {
        self.framer = framer
        self.continuation = continuation
    }

    /// Bytes received and not yet part of a response (must be none when TLS starts).
    var bufferedBytes: Int { framer.bufferedBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        framer.append(buffer.readableBytesView)
        do {
            while let unit = try framer.next() {
                continuation.yield(.response(try ResponseParser.parse(unit)))
            }
        } catch {
            continuation.finish(throwing: IMAPError.protocolViolation(error.message))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish(throwing: IMAPError.closed(""))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: IMAPError.connection(Self.describe(error)))
        context.close(promise: nil)
    }

    static func describe(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .handshakeFailed(let inner):
                let text = "\(inner)"
                if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
                    return "TLS: the server's certificate is not trusted (give --ca-file for a private CA): \(text)"
                }
                return "TLS handshake failed: \(text)"
            case .unableToValidateCertificate:
                return "TLS: the server's certificate does not name this host"
            default:
                return "TLS: \(ssl)"
            }
        }
        if let v = error as? NIOSSLExtraError {
            return "TLS: the server's certificate is not valid for this host: \(v)"
        }
        return "\(error)"
    }
}

/// One connection to an IMAP server: sends commands, reads responses in order.
///
/// Not thread-safe: one task drives it.
public final class IMAPConnection {
    let channel: any Channel
    private var events: AsyncThrowingStream<ConnectionEvent, any Error>.AsyncIterator
    private let continuation: AsyncThrowingStream<ConnectionEvent, any Error>.Continuation
    let server: IMAPServer
    private var nextTag = 0
    private var nextTimer: UInt64 = 0
    /// The timer running (`startTimer`), if any.
    private var timer: Scheduled<Void>?
    /// Capabilities the server announced last (upper case).
    public internal(set) var capabilities: Set<String> = []
    /// Whether a signal asked the program to stop (seen while waiting for an answer).
    public private(set) var interrupted = false
    /// Set when the server reported a new message count (EXISTS) during any command: new mail
    /// may have arrived; the owner clears it.
    public var sawNewMessages = false
    /// Untagged responses that arrived outside a command (EXISTS between commands).
    var unsolicited: [UntaggedResponse] = []

    private init(
        channel: any Channel, events: AsyncThrowingStream<ConnectionEvent, any Error>,
        continuation: AsyncThrowingStream<ConnectionEvent, any Error>.Continuation, server: IMAPServer
    ) {
        self.channel = channel
        self.events = events.makeAsyncIterator()
        self.continuation = continuation
        self.server = server
    }

    deinit {
        timer?.cancel()
        channel.close(promise: nil)
    }

    /// Something that can interrupt a wait from another thread (a signal handler).
    public struct Interrupter: Sendable {
        let continuation: AsyncThrowingStream<ConnectionEvent, any Error>.Continuation
        /// Wakes the connection's waiting task; it then stops at the next safe point.
        public func interrupt() { continuation.yield(.interrupt) }
    }

    /// The interrupter of this connection.
    public var interrupter: Interrupter { Interrupter(continuation: continuation) }

    /// Connects, sets up TLS as `server.security` says, and reads the greeting.
    public static func connect(
        to server: IMAPServer, on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    )
        async throws -> IMAPConnection
    {
        let (stream, continuation) = AsyncThrowingStream<ConnectionEvent, any Error>.makeStream()
        let sslContext: NIOSSLContext?
        do {
            sslContext = server.security == .plain ? nil : try makeSSLContext(server)
        } catch {
            throw IMAPError.connection("TLS setup: \(error)")
        }
        let hostname = isIPAddress(server.host) ? nil : server.host
        let framer = ResponseFramer(maxLineBytes: server.maxLineBytes, maxLiteralBytes: server.maxLiteralBytes)
        let implicit = server.security == .implicitTLS
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(server.connectTimeout * 1000)))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicit, let sslContext {
                        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: hostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ResponseHandler(framer: framer, continuation: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            throw IMAPError.connection("cannot connect to \(server.host):\(server.port): \(error)")
        }
        let connection = IMAPConnection(channel: channel, events: stream, continuation: continuation, server: server)
        try await connection.readGreeting()
        if server.security == .startTLS, let sslContext {
            try await connection.startTLS(sslContext, hostname: hostname)
        }
        return connection
    }

    static func makeSSLContext(_ server: IMAPServer) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let caFile = server.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw IMAPError.connection("cannot read the CA file \(caFile)")
            }
            tls.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: tls)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private func readGreeting() async throws {
        let first = try await nextResponse(timeout: server.responseTimeout)
        guard case .untagged(.status(let status)) = first else {
            throw IMAPError.protocolViolation("the server's greeting is not a status response")
        }
        switch status.status {
        case .ok, .preauth:
            noteCapabilities(in: status)
        case .bye:
            throw IMAPError.closed(status.text)
        default:
            throw IMAPError.protocolViolation("greeting \(status.status.rawValue) \(status.text)")
        }
    }

    private func startTLS(_ context: NIOSSLContext, hostname: String?) async throws {
        if capabilities.isEmpty { try await refreshCapabilities() }
        guard capabilities.contains("STARTTLS") else {
            throw IMAPError.unsupported(
                "the server does not offer STARTTLS (use imaps:// if it speaks TLS on another port)")
        }
        _ = try await run("STARTTLS")
        let channel = self.channel
        // Anything sent in plain text after the OK would be an injection (RFC 3501 §6.2.1):
        // refuse it rather than read it as if it came over TLS.
        try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: ResponseHandler.self)
            guard handler.bufferedBytes == 0 else {
                throw IMAPError.protocolViolation("the server sent plain text after STARTTLS")
            }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: hostname)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        }.get()
        // Capabilities before TLS are not to be trusted (RFC 3501 §6.2.1): ask again.
        capabilities = []
        try await refreshCapabilities()
    }

    /// Asks the server for its capabilities.
    public func refreshCapabilities() async throws {
        _ = try await run("CAPABILITY")
    }

    func noteCapabilities(in status: StatusResponse) {
        if let code = status.code, code.name == "CAPABILITY" {
            capabilities = Set(code.arguments.map { $0.uppercased() })
        }
    }

    /// Arranges for a `.timer` event in `seconds`; returns its id (a later timer makes an
    /// earlier one stale: its event is ignored).
    private func startTimer(_ seconds: Double) -> UInt64 {
        nextTimer += 1
        let id = nextTimer
        let continuation = self.continuation
        // One timer at a time: a fetch of 500 messages waits for 500 responses, and timers left
        // to run out would pile up on the event loop (and their stale events in the stream).
        timer?.cancel()
        timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            continuation.yield(.timer(id))
        }
        return id
    }

    /// The next event; the end of the stream is a closed connection.
    private func nextEvent() async throws -> ConnectionEvent {
        do {
            guard let event = try await events.next() else { throw IMAPError.closed("") }
            return event
        } catch let error as IMAPError {
            throw error
        } catch {
            throw IMAPError.connection("\(error)")
        }
    }

    /// The next response, or an error when none comes within `timeout` seconds.
    func nextResponse(timeout: Double?) async throws -> IMAPResponse {
        let timerID = timeout.map { startTimer($0) }
        while true {
            switch try await nextEvent() {
            case .response(let r):
                return r
            case .timer(let id):
                if id == timerID, let timeout { throw IMAPError.timeout(timeout) }
            case .interrupt:
                interrupted = true
            }
        }
    }

    /// What waiting in IDLE ended with.
    public enum Wake: Sendable, Equatable {
        /// The server said something (new mail: EXISTS).
        case server(UntaggedResponse)
        /// The time given passed.
        case timeout
        /// A signal asked the program to stop.
        case interrupted
    }

    /// Waits for the next untagged response, the time, or an interruption (IDLE).
    func wait(seconds: Double) async throws -> Wake {
        if interrupted { return .interrupted }
        let id = startTimer(seconds)
        while true {
            let event = try await nextEvent()
            switch event {
            case .response(.untagged(let u)):
                if case .status(let s) = u, s.status == .bye { throw IMAPError.closed(s.text) }
                return .server(u)
            case .response(let other):
                throw IMAPError.protocolViolation("unexpected response while idle: \(other)")
            case .timer(let t):
                if t == id { return .timeout }
            case .interrupt:
                interrupted = true
                return .interrupted
            }
        }
    }

    /// Sends bytes as they are.
    func send(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            throw IMAPError.closed("\(error)")
        }
    }

    /// A new tag.
    func makeTag() -> String {
        nextTag += 1
        return "T\(nextTag)"
    }

    /// Sends `command` under a new tag without waiting; returns the tag (pipelining).
    func sendCommand(_ command: String) async throws -> String {
        let tag = makeTag()
        try await send(Array("\(tag) \(command)\r\n".utf8))
        return tag
    }

    /// Reads responses until `tag` completes, handing each untagged one to `untagged`. A NO
    /// or BAD throws (`display` names the command in the error, without secrets).
    @discardableResult
    func complete(
        _ tag: String, display: String, _ untagged: (UntaggedResponse) throws -> Void = { _ in }
    ) async throws -> StatusResponse {
        while true {
            switch try await nextResponse(timeout: server.responseTimeout) {
            case .tagged(let t, let status):
                guard t == tag else {
                    throw IMAPError.protocolViolation("answer to an unknown command \(t)")
                }
                noteCapabilities(in: status)
                guard status.status == .ok else { throw IMAPError.commandFailed(command: display, status) }
                return status
            case .untagged(let u):
                switch u {
                case .exists: sawNewMessages = true
                case .capability(let names): capabilities = Set(names)
                case .status(let s) where s.status == .bye:
                    throw IMAPError.closed(s.text)
                case .status(let s):
                    noteCapabilities(in: s)
                default: break
                }
                try untagged(u)
            case .continuation:
                throw IMAPError.protocolViolation("unexpected continuation request during \(display)")
            }
        }
    }

    /// Sends a command and waits for its completion.
    @discardableResult
    public func run(
        _ command: String, display: String? = nil, _ untagged: (UntaggedResponse) throws -> Void = { _ in }
    ) async throws -> StatusResponse {
        let tag = try await sendCommand(command)
        return try await complete(tag, display: display ?? command, untagged)
    }

    /// Reads responses until the server asks for more (`+`), for literals, AUTHENTICATE and IDLE.
    func awaitContinuation(display: String) async throws -> String {
        while true {
            switch try await nextResponse(timeout: server.responseTimeout) {
            case .continuation(let text): return text
            case .untagged(.status(let s)) where s.status == .bye: throw IMAPError.closed(s.text)
            case .untagged(let u): unsolicited.append(u)
            case .tagged(_, let status): throw IMAPError.commandFailed(command: display, status)
            }
        }
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close().get()
    }
}
