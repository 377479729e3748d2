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
    /// Answers of `records(_:type:)`, keyed by "TYPE NAME".
    let recordCache = Mutex<[String: RecordAnswer]>([:])

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
        switch records(name, type: 16) {
        case .records(let list):
            // Each record's strings (a length byte each) joined: DKIM keys come split.
            return .records(
                list.map { rdata in
                    var text: [UInt8] = []
                    var i = 0
                    while i < rdata.count {
                        let n = Int(rdata[i])
                        i += 1
                        text += rdata[i..<min(i + n, rdata.count)]
                        i += n
                    }
                    return String(decoding: text, as: UTF8.self)
                })
        case .notFound: return .notFound
        case .temporaryFailure(let why): return .temporaryFailure(why)
        }
    }
}

/// A resolver setting that cannot work.
public struct ResolverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
