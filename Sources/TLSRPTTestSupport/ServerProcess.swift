import Foundation

/// A `tlsrpt serve` process on 127.0.0.1 with a fresh self-signed certificate, for tests that
/// talk to the receiver as senders do (curl over real TLS).
public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let database: String
    public let certificate: String
    public let directory: URL
    private let stderrPipe = Pipe()
    private let logBuffer = LockedBuffer()

    /// Collects a pipe's output on a background handler, so a chatty child never blocks on a
    /// full pipe.
    final class LockedBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.withLock { data.append(d) } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    /// Makes a certificate for 127.0.0.1 with openssl.
    public static func makeCertificate(in dir: URL) throws -> (cert: String, key: String) {
        let cert = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let r = try TestTools.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
        guard r.status == 0 else {
            throw NSError(domain: "openssl", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr])
        }
        return (cert, key)
    }

    /// Starts `tlsrpt COMMAND` (`serve`, or `web`) over TLS on a free loopback port with
    /// `arguments` added; returns once it listens.
    public init(
        _ arguments: [String] = [], database: String? = nil, environment: [String: String] = [:],
        command: String = "serve"
    ) throws {
        directory = try TestPaths.temporaryDirectory(command)
        let (cert, key) = try Self.makeCertificate(in: directory)
        certificate = cert
        self.database = database ?? directory.appendingPathComponent("t.sqlite").path
        process.executableURL = URL(fileURLWithPath: try CLI.path)
        process.arguments =
            [command, "--db", self.database, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key]
            + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        let buffer = logBuffer
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in buffer.append(handle.availableData) }
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("listening on") && Date() < deadline && process.isRunning {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let p = Int(text[range].split(separator: ":").last ?? "")
        else {
            process.terminate()
            throw NSError(
                domain: "serve", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
        }
        port = p
    }

    /// `https://127.0.0.1:PORT` + path.
    public func url(_ path: String = "/v1/tlsrpt") -> String { "https://127.0.0.1:\(port)\(path)" }

    /// POSTs `body` with curl; returns (status, response body).
    public func post(
        _ body: [UInt8], contentType: String? = "application/tlsrpt+gzip", path: String = "/v1/tlsrpt",
        headers: [String] = []
    ) throws -> (Int, String) {
        var args = [
            "-s", "--max-time", "120", "--noproxy", "*", "--cacert", certificate, "-o", "-", "-w", "\n%{http_code}",
            "--data-binary", "@-",
        ]
        if let contentType { args += ["-H", "Content-Type: \(contentType)"] } else { args += ["-H", "Content-Type:"] }
        for h in headers { args += ["-H", h] }
        let r = try TestTools.run("curl", args + [url(path)], stdin: body)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (
            Int(lines.last ?? "") ?? -1,
            lines.dropLast().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// GETs `path`.
    public func get(_ path: String) throws -> (Int, String) {
        let r = try TestTools.run(
            "curl", ["-s", "--noproxy", "*", "--cacert", certificate, "-o", "-", "-w", "\n%{http_code}", url(path)])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (
            Int(lines.last ?? "") ?? -1,
            lines.dropLast().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// An answer read by `fetch`.
    public struct Fetched: Sendable {
        public var status: Int
        /// Header names lower-cased (the last of repeated ones).
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// Seconds from the request to the end of the answer (curl's `time_total`).
        public var seconds: Double
    }

    /// GETs `path` with curl (`arguments` added, e.g. `-u user:password`): status, headers, bytes.
    public func fetch(_ path: String, arguments: [String] = []) throws -> Fetched {
        let dir = try TestPaths.temporaryDirectory("fetch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let headerFile = dir.appendingPathComponent("headers").path
        let bodyFile = dir.appendingPathComponent("body").path
        let r = try TestTools.run(
            "curl",
            [
                "-s", "--max-time", "60", "--noproxy", "*", "--cacert", certificate, "-D", headerFile, "-o", bodyFile,
                "-w", "%{http_code} %{time_total}",
            ] + arguments + [url(path)])
        let parts = r.stdout.split(separator: " ")
        var headers: [String: String] = [:]
        let head = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in head.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Fetched(
            status: Int(parts.first ?? "") ?? -1, headers: headers,
            body: (try? TestPaths.bytes(URL(fileURLWithPath: bodyFile))) ?? [],
            seconds: Double(parts.last ?? "") ?? -1)
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the server wrote to stderr (its log), after it stopped.
    public var log: String { logBuffer.text }

    deinit { if process.isRunning { process.terminate() } }
}
