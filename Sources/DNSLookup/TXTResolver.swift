import CResolv
import Foundation
import Synchronization

/// The answer to a TXT query.
public enum TXTAnswer: Sendable, Equatable {
    /// The records, each with its strings joined.
    case records([String])
    /// NXDOMAIN, or no TXT record at the name.
    case notFound
    /// No answer (timeout, SERVFAIL, REFUSED): the name may resolve later.
    case temporaryFailure(String)
}

/// TXT lookups through glibc's resolver (`res_nquery` with a private state, so lookups on
/// several threads do not share one), from the system's servers or one given server
/// (`--dns-server IP[:PORT]`), with a cache for the life of the resolver (one run).
public final class TXTResolver: Sendable {
    /// The server asked, when not the system's (IPv4 address).
    public let server: String?
    /// Its port.
    public let port: Int
    /// Seconds per try.
    public let timeout: Int
    /// Tries per query.
    public let tries: Int
    private let cache = Mutex<[String: TXTAnswer]>([:])

    /// A resolver asking `server` (`IP` or `IP:PORT`, IPv4), or the system's servers when nil.
    public init(server: String? = nil, timeout: Int = 5, tries: Int = 2) throws {
        if let server {
            let parts = server.split(separator: ":", omittingEmptySubsequences: false)
            var v4 = in_addr()
            guard parts.count <= 2, inet_pton(AF_INET, String(parts[0]), &v4) == 1 else {
                throw ResolverError("--dns-server must be an IPv4 address with an optional :PORT, got \(server)")
            }
            self.server = String(parts[0])
            if parts.count == 2 {
                guard let p = Int(parts[1]), (1...65535).contains(p) else {
                    throw ResolverError("bad port in --dns-server \(server)")
                }
                port = p
            } else {
                port = 53
            }
        } else {
            self.server = nil
            port = 53
        }
        self.timeout = max(1, timeout)
        self.tries = max(1, tries)
    }

    /// The TXT records at `name` (answers, including failures, cached for this resolver).
    public func txt(_ name: String) -> TXTAnswer {
        if let hit = cache.withLock({ $0[name] }) { return hit }
        let answer = query(name)
        cache.withLock { $0[name] = answer }
        return answer
    }

    private func query(_ name: String) -> TXTAnswer {
        var out = [UInt8](repeating: 0, count: 65536)
        var length = 0
        let status = out.withUnsafeMutableBufferPointer { buffer in
            tlsrpt_query_txt(
                name, server, Int32(port), Int32(timeout), Int32(tries), buffer.baseAddress, buffer.count, &length)
        }
        switch status {
        case 0:
            var records: [String] = []
            var i = 0
            while i + 4 <= length {
                let n = Int(out[i]) << 24 | Int(out[i + 1]) << 16 | Int(out[i + 2]) << 8 | Int(out[i + 3])
                i += 4
                guard i + n <= length else { break }
                records.append(String(decoding: out[i..<i + n], as: UTF8.self))
                i += n
            }
            return .records(records)
        case 1:
            return .notFound
        case 2:
            return .temporaryFailure(
                "no answer from \(server.map { "\($0):\(port)" } ?? "the DNS servers") for \(name)")
        default:
            return .temporaryFailure("malformed DNS answer for \(name)")
        }
    }
}

/// A resolver setting that cannot work.
public struct ResolverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
