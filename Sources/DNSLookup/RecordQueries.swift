import CResolv
import Foundation

/// The answer to a query for records of one type, as their RDATA (MX: preference and name).
public enum RecordAnswer: Sendable, Equatable {
    case records([[UInt8]])
    /// NXDOMAIN, or no record of the type at the name.
    case notFound
    /// No answer (timeout, SERVFAIL, REFUSED): the name may resolve later.
    case temporaryFailure(String)
}

/// An MX record (RFC 1035 §3.3.9).
public struct MXRecord: Sendable, Equatable, Comparable {
    public var preference: Int
    /// The exchange, lower-cased, without the final dot.
    public var host: String

    public init(preference: Int, host: String) {
        self.preference = preference
        self.host = host
    }

    public static func < (a: MXRecord, b: MXRecord) -> Bool { (a.preference, a.host) < (b.preference, b.host) }
}

/// A TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type, data.
public struct TLSARecord: Sendable, Equatable {
    public var usage: Int
    public var selector: Int
    public var matchingType: Int
    /// The certificate association data, lower-case hex.
    public var data: String

    public init(usage: Int, selector: Int, matchingType: Int, data: String) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// As in a zone file and in a report's `tlsa-record`: `3 1 1 0123…`.
    public var presentation: String { "\(usage) \(selector) \(matchingType) \(data)" }
}

/// A lookup's outcome for the typed queries.
public enum LookupResult<Value: Sendable & Equatable>: Sendable, Equatable {
    case found(Value)
    case notFound
    case temporaryFailure(String)
}

extension TXTResolver {
    /// The records of RFC 1035 type `type` at `name`, cached for this resolver.
    public func records(_ name: String, type: Int32) -> RecordAnswer {
        let key = "\(type) \(name)"
        if let hit = recordCache.withLock({ $0[key] }) { return hit }
        var out = [UInt8](repeating: 0, count: 65536)
        var length = 0
        let status = out.withUnsafeMutableBufferPointer { buffer in
            tlsrpt_query_rr(
                name, type, server, Int32(port), Int32(timeout), Int32(tries), buffer.baseAddress, buffer.count,
                &length)
        }
        let answer: RecordAnswer
        switch status {
        case 0:
            var records: [[UInt8]] = []
            var i = 0
            while i + 4 <= length {
                let n = Int(out[i]) << 24 | Int(out[i + 1]) << 16 | Int(out[i + 2]) << 8 | Int(out[i + 3])
                i += 4
                guard i + n <= length else { break }
                records.append(Array(out[i..<i + n]))
                i += n
            }
            answer = .records(records)
        case 1:
            answer = .notFound
        case 2:
            answer = .temporaryFailure(
                "no answer from \(server.map { "\($0):\(port)" } ?? "the DNS servers") for \(name)")
        default:
            answer = .temporaryFailure("malformed DNS answer for \(name)")
        }
        recordCache.withLock { $0[key] = answer }
        return answer
    }

    /// The MX records of `name`, by preference.
    public func mx(_ name: String) -> LookupResult<[MXRecord]> {
        switch records(name, type: 15) {
        case .records(let list):
            return .found(
                list.compactMap { r -> MXRecord? in
                    guard r.count >= 2 else { return nil }
                    let host = String(decoding: r[2...], as: UTF8.self).lowercased()
                    return MXRecord(
                        preference: Int(r[0]) << 8 | Int(r[1]),
                        host: host.hasSuffix(".") ? String(host.dropLast()) : host)
                }.sorted())
        case .notFound: return .notFound
        case .temporaryFailure(let why): return .temporaryFailure(why)
        }
    }

    /// The TLSA records of `name` (e.g. `_25._tcp.mx.example.com`).
    public func tlsa(_ name: String) -> LookupResult<[TLSARecord]> {
        switch records(name, type: 52) {
        case .records(let list):
            return .found(
                list.compactMap { r -> TLSARecord? in
                    guard r.count >= 3 else { return nil }
                    return TLSARecord(
                        usage: Int(r[0]), selector: Int(r[1]), matchingType: Int(r[2]),
                        data: r[3...].map { String(format: "%02x", $0) }.joined())
                })
        case .notFound: return .notFound
        case .temporaryFailure(let why): return .temporaryFailure(why)
        }
    }
}
