import Foundation

/// A real DNS server for a test (`scripts/dns-test-server`: Debian's unbound on 127.0.0.1,
/// answering from the local data given); stopped by `stop()`.
public final class DNSTestServer: @unchecked Sendable {
    /// Its directory (configuration, log).
    public let directory: URL
    /// Its UDP and TCP port on 127.0.0.1.
    public let port: Int

    /// Whether unbound is installed.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/unbound") }

    /// `IP:PORT` for `--dns-server`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts a server whose zones are `zones` (name → static) holding the TXT `records`
    /// (name → text; split into 255-byte strings as DNS carries them). Names under `refusing`
    /// (`"."`: every other name) are answered REFUSED at once, as a server that cannot help.
    /// `other` are more records in zone-file form (`"example.com. MX 10 mx.example.com."`).
    public init(zones: [String], txt records: [String: String], other: [String] = [], refusing: [String] = []) throws {
        directory = try TestPaths.temporaryDirectory("unbound")
        var data = ""
        for zone in zones { data += "local-zone: \"\(zone).\" static\n" }
        for zone in refusing {
            let name = zone == "." ? "." : zone + "."
            data += "local-zone: \"\(name)\" refuse\n"
        }
        for (name, text) in records.sorted(by: { $0.key < $1.key }) {
            var strings: [String] = []
            var rest = Substring(text)
            repeat {
                strings.append("\"\(rest.prefix(255))\"")
                rest = rest.dropFirst(255)
            } while !rest.isEmpty
            data += "local-data: '\(name). TXT \(strings.joined(separator: " "))'\n"
        }
        for record in other { data += "local-data: '\(record)'\n" }
        let file = directory.appendingPathComponent("data")
        try Data(data.utf8).write(to: file)
        var lastError = ""
        for _ in 0..<10 {
            let p = Int.random(in: 20_000...59_000)
            let out = try IMAPTestServer.spawn(
                TestPaths.repositoryRoot.appendingPathComponent("scripts/dns-test-server").path,
                ["start", directory.path, String(p), file.path])
            if out.status == 0 {
                port = p
                return
            }
            lastError = out.stdout
        }
        throw NSError(domain: "DNSTestServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "unbound: \(lastError)"])
    }

    /// Stops the server.
    public func stop() {
        _ = try? IMAPTestServer.spawn(
            TestPaths.repositoryRoot.appendingPathComponent("scripts/dns-test-server").path, ["stop", directory.path])
    }

    deinit { stop() }
}

/// A UDP port on 127.0.0.1 that is bound and never answers: a DNS server that has gone silent.
/// Closed by `close()` (or when released).
public final class SilentUDPPort: @unchecked Sendable {
    private let fd: Int32
    /// The bound port.
    public let port: Int

    /// Binds a free port.
    public init() {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, UInt32(MemoryLayout<sockaddr_in>.size))
            }
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: bound.sin_port))
    }

    /// `127.0.0.1:PORT`, for `--dns-server`.
    public var address: String { "127.0.0.1:\(port)" }

    deinit { Glibc.close(fd) }
}
