import Foundation

/// A real Dovecot IMAP server for a test (`scripts/imap-test-server`): on 127.0.0.2, as the
/// user nobody, its own directory, certificate and Maildirs; stopped by `stop()`.
public final class IMAPTestServer: @unchecked Sendable {
    /// The server's directory (configuration, `ca.pem`, log).
    public let directory: URL
    /// The implicit-TLS port.
    public let tlsPort: Int
    /// The plain port (STARTTLS).
    public let plainPort: Int
    /// The address it listens on.
    public let host = "127.0.0.2"
    /// The certificate to trust.
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    /// What it announces after login, when not Dovecot's own.
    let capability: String?
    /// The test account.
    public let user = "reports"
    /// Its password.
    public let password = "secret-pw"

    static var script: String { TestPaths.repositoryRoot.appendingPathComponent("scripts/imap-test-server").path }
    /// Runs the server script with every signal unblocked and waits for it with `waitpid`.
    /// Test threads block signals and a child inherits the mask (a Dovecot started so neither
    /// stops nor reaps its children); and Foundation's `Process` was seen never to notice the
    /// end of this script once it had started Dovecot, so it is spawned directly.
    static func script(_ arguments: [String], capability: String? = nil) throws -> TestTools.Output {
        try spawn(script, arguments, environment: capability.map { ["IMAP_TEST_CAPABILITY": $0] } ?? [:])
    }

    /// Runs a bash script that starts a daemon: spawned directly, signals unblocked, output
    /// (stdout and stderr together) returned in `stdout` and `stderr`.
    static func spawn(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> TestTools.Output
    {
        let log = try TestPaths.temporaryDirectory("imap-script").appendingPathComponent("out").path
        let argv = ["/bin/bash", script] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in cEnv { free(e) } }
        let rc = posix_spawn(&pid, "/bin/bash", &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else {
            throw NSError(
                domain: "IMAPTestServer", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot run \(script)"])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return TestTools.Output(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: output, stderr: output)
    }

    static var tool: String { TestPaths.repositoryRoot.appendingPathComponent("scripts/imap_tool.py").path }

    /// Whether Dovecot is installed.
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/dovecot")
    }

    /// Starts a server on free ports; `capability` replaces what it announces after login.
    public init(capability: String? = nil) throws {
        self.capability = capability
        directory = try TestPaths.temporaryDirectory("dovecot")
        var lastError = ""
        for _ in 0..<10 {
            let base = Int.random(in: 20_000...59_000)
            let out = try Self.script(
                ["start", directory.path, String(base), String(base + 1)], capability: capability)
            if out.status == 0 {
                tlsPort = base
                plainPort = base + 1
                return
            }
            lastError = out.stderr
            _ = try? Self.script(["stop", directory.path])
        }
        throw NSError(domain: "IMAPTestServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "dovecot: \(lastError)"])
    }

    /// Stops the server (and waits for it to go).
    public func stop() {
        _ = try? Self.script(["stop", directory.path])
    }

    /// Starts it again after `stop` (same ports, same mail).
    public func restart() throws {
        let out = try Self.script(
            ["start", directory.path, String(tlsPort), String(plainPort)], capability: capability)
        guard out.status == 0 else {
            throw NSError(domain: "IMAPTestServer", code: 2, userInfo: [NSLocalizedDescriptionKey: out.stderr])
        }
    }

    deinit { stop() }

    /// `imaps://reports@127.0.0.2:PORT/FOLDER`.
    public func url(_ folder: String = "INBOX") -> String { "imaps://\(user)@\(host):\(tlsPort)/\(folder)" }

    /// `imap://reports@127.0.0.2:PORT/FOLDER` (the STARTTLS port).
    public func plainURL(_ folder: String = "INBOX") -> String { "imap://\(user)@\(host):\(plainPort)/\(folder)" }

    /// Runs `scripts/imap_tool.py` (Python's imaplib) against the server.
    @discardableResult
    public func tool(_ arguments: [String]) throws -> String {
        let out = try TestTools.run(
            "python3", [Self.tool, "--host", host, "--port", String(tlsPort), "--ca", caFile] + arguments)
        guard out.status == 0 else {
            throw NSError(
                domain: "IMAPTestServer", code: 3, userInfo: [NSLocalizedDescriptionKey: "imap_tool: \(out.stderr)"])
        }
        return out.stdout
    }

    /// Appends each message of `files` (mails, or mboxes split into their messages) to `folder`.
    @discardableResult
    public func append(_ files: [String], to folder: String = "INBOX") throws -> Int {
        Int(try tool(["append", folder] + files).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// What a folder holds: message count and the SHA-256 of each message, sorted.
    public struct FolderDigest: Decodable, Equatable, Sendable {
        public var count: Int
        public var hashes: [String]
        public var seen: Int?
    }

    /// The digest of `folder` (empty when it does not exist).
    public func digest(_ folder: String) throws -> FolderDigest {
        try JSONDecoder().decode(FolderDigest.self, from: Data(try tool(["digest", folder]).utf8))
    }

    /// A file holding the password.
    public func passwordFile() throws -> String {
        let u = try TestPaths.temporaryDirectory("imap-pw").appendingPathComponent("pw")
        try Data((password + "\n").utf8).write(to: u)
        return u.path
    }
}
