import Foundation

/// An HTTPS server for MTA-STS policy fetches (`scripts/policy-test-server.py`) with its own
/// test certificate authority: the certificate names `mta-sts.` of each domain given (not
/// `wrongcert.example`'s), signed by a CA whose PEM is `caFile`.
public final class PolicyTestServer: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    public let caFile: String
    private let process = Process()

    /// The domains whose `mta-sts.` names the certificate carries.
    public static let domains = [
        "good.example", "testing.example", "redirect.example", "html.example", "big.example", "slow.example",
        "missing.example", "stale.example", "uncovered.example", "clean.example",
    ]

    public init() throws {
        directory = try TestPaths.temporaryDirectory("policy-server")
        let d = directory.path
        caFile = "\(d)/ca.pem"
        let san = Self.domains.map { "DNS:mta-sts.\($0)" }.joined(separator: ",")
        try Data("subjectAltName=\(san)\nbasicConstraints=CA:FALSE\n".utf8).write(
            to: directory.appendingPathComponent("leaf.ext"))
        for args in [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                "\(d)/ca.key", "-out", caFile, "-days", "2", "-subj", "/CN=tlsrpt test CA", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                "\(d)/leaf.key", "-out", "\(d)/leaf.csr", "-subj", "/CN=mta-sts.good.example",
            ],
            [
                "x509", "-req", "-in", "\(d)/leaf.csr", "-CA", caFile, "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                "-out", "\(d)/leaf.pem", "-days", "2", "-extfile", "\(d)/leaf.ext",
            ],
        ] {
            let r = try TestTools.run("openssl", args)
            guard r.status == 0 else {
                throw NSError(domain: "openssl", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr])
            }
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", TestPaths.repositoryRoot.appendingPathComponent("scripts/policy-test-server.py").path,
            "\(d)/leaf.pem", "\(d)/leaf.key",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n") && Date() < deadline && process.isRunning {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            text += String(decoding: data, as: UTF8.self)
        }
        guard text.hasPrefix("port "), let p = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw NSError(
                domain: "policy-server", code: 1, userInfo: [NSLocalizedDescriptionKey: "did not start: \(text)"])
        }
        port = p
    }

    /// `127.0.0.1:PORT` for `--connect-to`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Kills the server (SIGKILL: a child of a test thread inherits its blocked signals, so
    /// Python would never see a SIGTERM).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
