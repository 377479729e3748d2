import Crypto
import Foundation
@_exported import MailAuthentication
import Synchronization
import _CryptoExtras

/// The answer to a key lookup (`SELECTOR._domainkey.DOMAIN` TXT).
public enum DKIMKeyAnswer: Sendable, Equatable {
    /// The TXT record's text (its strings joined).
    case record(String)
    /// No such record (NXDOMAIN or no TXT).
    case notFound
    /// DNS did not answer (timeout, SERVFAIL).
    case temporaryFailure(String)
}

/// Verifies the DKIM signatures of a report mail as RFC 8460 §3 asks: a valid RFC 6376
/// signature (simple or relaxed canonicalization; rsa-sha256 with a key of 1024 bits or more, or
/// ed25519-sha256 of RFC 8463; rsa-sha1 refused, RFC 8301), no `l=`, not expired, `from` signed,
/// a key whose `s=` (if any) allows `tlsrpt` or `*`, by a domain equal to, or a parent of, the
/// report's submitter domain. One passing signature among several suffices.
public struct DKIMVerifier: Sendable {
    /// Seconds since 1970 now (for `x=`).
    public var now: @Sendable () -> Int64
    /// Key records checked and their keys parsed, by record text (a run verifies thousands of
    /// mails signed with a handful of keys).
    private let keyCache = KeyRecordCache()

    /// Creates a verifier.
    public init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.now = now
    }

    /// The verdict for `message` (its bytes as stored, LF or CRLF), aligned against
    /// `submitterDomain` (the `TLS-Report-Submitter` header, else the From domain when nil).
    public func verify(_ message: [UInt8], submitterDomain: String? = nil, keys: (String) -> DKIMKeyAnswer)
        -> DKIMVerdict
    {
        let parsed = RawMessage(message)
        let signatures = parsed.fields.indices.filter { parsed.fields[$0].lowerName == "dkim-signature" }
        guard !signatures.isEmpty else { return .none }
        let submitter = (submitterDomain ?? parsed.value("TLS-Report-Submitter") ?? Self.fromDomain(parsed))
            .map(Self.normalize)
        var firstFailure: String?
        var temporary: String?
        for index in signatures {
            switch check(index, parsed, submitter: submitter, keys: keys) {
            case .pass(let d, let s): return .pass(domain: d, selector: s)
            case .fail(let reason): firstFailure = firstFailure ?? reason
            case .temperror(let reason): temporary = temporary ?? reason
            case .none: break
            }
        }
        if let temporary { return .temperror(temporary) }
        return .fail(firstFailure ?? "no valid signature")
    }

    static func normalize(_ domain: String) -> String {
        var d = domain.lowercased().trimmingFWS()
        while d.hasSuffix(".") { d.removeLast() }
        return d
    }

    static func fromDomain(_ m: RawMessage) -> String? {
        guard let from = m.value("From") else { return nil }
        let address = from.split(separator: "<").last.map { $0.split(separator: ">").first ?? "" } ?? Substring(from)
        guard let at = address.lastIndex(of: "@") else { return nil }
        return String(address[address.index(after: at)...]).trimmingFWS()
    }

    func check(_ index: Int, _ m: RawMessage, submitter: String?, keys: (String) -> DKIMKeyAnswer) -> DKIMVerdict {
        let field = m.fields[index].raw
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { return .fail("malformed DKIM-Signature") }
        guard let tags = TagList(bytes: field[(colon + 1)...]) else {
            return .fail("malformed DKIM-Signature tag list")
        }
        guard tags["v"] == "1" else { return .fail("DKIM-Signature without v=1") }
        guard let algorithm = tags["a"]?.lowercased(), let domainTag = tags["d"], let selector = tags["s"],
            let headerList = tags["h"], let bodyHash = tags["bh"], let signature = tags["b"]
        else { return .fail("DKIM-Signature lacks a required tag (a, b, bh, d, h, s)") }
        let domain = Self.normalize(domainTag)
        guard algorithm == "rsa-sha256" || algorithm == "ed25519-sha256" else {
            return .fail("algorithm not allowed: \(algorithm)")
        }
        if tags["l"] != nil { return .fail("l= present (RFC 8460 §3 forbids body length limits)") }
        if let x = tags["x"] {
            guard let expiry = Int64(x) else { return .fail("malformed x=") }
            if expiry < now() { return .fail("signature expired (x=\(x))") }
        }
        let signed = Array(headerList.utf8).split(separator: UInt8(ascii: ":")).map {
            String(decoding: FWS.trim($0), as: UTF8.self).lowercased()
        }
        guard signed.contains("from") else { return .fail("h= does not sign From") }
        guard let submitter, submitter == domain || submitter.hasSuffix("." + domain) else {
            return .fail("not aligned: d=\(domain) is not the submitter \(submitter ?? "(none)") or a parent of it")
        }
        let canon = (tags["c"] ?? "simple/simple").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard let headerCanon = Canonicalization(rawValue: String(canon[0])),
            let bodyCanon = Canonicalization(rawValue: canon.count > 1 ? String(canon[1]) : "simple"), canon.count <= 2
        else { return .fail("unknown canonicalization \(tags["c"] ?? "")") }

        // The key.
        let record: String
        switch keys("\(selector)._domainkey.\(domain)") {
        case .record(let r): record = r
        case .notFound: return .fail("no key at \(selector)._domainkey.\(domain)")
        case .temporaryFailure(let why): return .temperror("key \(selector)._domainkey.\(domain): \(why)")
        }
        // The record's checks and its parsed key, once per record text (`KeyRecordCache`).
        let key = keyCache.record(record)
        if let problem = key.problem { return .fail(problem) }
        guard
            (key.type == "rsa" && algorithm == "rsa-sha256") || (key.type == "ed25519" && algorithm == "ed25519-sha256")
        else { return .fail("key type \(key.type) does not match \(algorithm)") }
        guard let signatureBytes = FWS.base64(signature), let expectedBodyHash = FWS.base64(bodyHash) else {
            return .fail("malformed base64 in b= or bh=")
        }

        // The body hash.
        let computed = bodyCanon.bodyHash(m.body)
        guard computed == expectedBodyHash else { return .fail("body hash does not match") }

        // The header hash input: each signed field bottom-up (RFC 6376 §5.4.2), then this
        // signature's own field with b= emptied and no final CRLF.
        var used = Set<Int>()
        var input: [UInt8] = []
        input.reserveCapacity(2048)
        for name in signed {
            if let k = m.fields.indices.reversed().first(where: {
                !used.contains($0) && m.fields[$0].lowerName == name
            }) {
                used.insert(k)
                headerCanon.header(m.fields[k].raw, into: &input)
            }
        }
        headerCanon.header(Self.emptyingB(field), final: true, into: &input)

        switch key.key {
        case .rsa(let publicKey):
            guard publicKey.keySizeInBits >= 1024 else {
                return .fail("RSA key of \(publicKey.keySizeInBits) bits (under 1024)")
            }
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signatureBytes)
            guard publicKey.isValidSignature(sig, for: input, padding: .insecurePKCS1v1_5) else {
                return .fail("signature does not verify")
            }
        case .ed25519(let publicKey):
            // RFC 8463 §3: Ed25519 signs the SHA-256 hash of the header data.
            guard publicKey.isValidSignature(signatureBytes, for: Data(SHA256.hash(data: input))) else {
                return .fail("signature does not verify")
            }
        case .none:
            return .fail("key p= is not an \(key.type == "rsa" ? "RSA" : "Ed25519") public key")
        }
        return .pass(domain: domain, selector: selector)
    }

    /// The field with the value of its `b=` tag removed (the `b=` itself kept).
    static func emptyingB(_ field: [UInt8]) -> [UInt8] {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { return field }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        out += field[...colon]
        var start = colon + 1
        while start <= field.count {
            let end = field[start...].firstIndex(of: UInt8(ascii: ";")) ?? field.count
            let segment = field[start..<end]
            if let eq = segment.firstIndex(of: UInt8(ascii: "=")), FWS.trim(segment[..<eq]).elementsEqual([0x62]) {
                out += segment[...eq]  // `b=`, its value left out
            } else {
                out += segment
            }
            if end < field.count { out.append(UInt8(ascii: ";")) }
            start = end + 1
        }
        return out
    }
}

/// A key record (`SELECTOR._domainkey.DOMAIN` TXT) as the verifier uses it: the first thing
/// wrong with it, or its key type and parsed public key. Parsing a DER key costs more than
/// verifying a signature with it, so each record text is read once per run.
struct KeyRecord: @unchecked Sendable {
    enum PublicKey {
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// Why the record cannot verify anything (RFC 6376 §3.6.1; RFC 8460 §3 for `s=`).
    var problem: String?
    /// `k=`, lower case (`rsa` by default).
    var type = "rsa"
    /// The key, nil when `p=` is not one of `type`.
    var key: PublicKey?

    init(_ text: String) {
        guard let tags = TagList(text) else {
            problem = "malformed key record"
            return
        }
        if let v = tags["v"], v != "DKIM1" {
            problem = "key record v= is not DKIM1"
            return
        }
        guard let p = tags["p"] else {
            problem = "key record without p="
            return
        }
        if p.isAllFWS {
            problem = "key revoked (empty p=)"
            return
        }
        func list(_ value: String) -> [String] {
            Array(value.utf8).split(separator: UInt8(ascii: ":")).map {
                String(decoding: FWS.trim($0), as: UTF8.self).lowercased()
            }
        }
        if let services = tags["s"], !list(services).contains(where: { $0 == "*" || $0 == "tlsrpt" }) {
            problem = "key not for service tlsrpt (s=\(services))"
            return
        }
        if let hashes = tags["h"], !list(hashes).contains("sha256") {
            problem = "key does not allow sha256 (h=\(hashes))"
            return
        }
        type = (tags["k"] ?? "rsa").lowercased()
        guard let bytes = FWS.base64(p) else {
            problem = "malformed base64 in p="
            return
        }
        if type == "rsa" {
            key = (try? _RSA.Signing.PublicKey(unsafeDERRepresentation: bytes)).map { .rsa($0) }
        } else if type == "ed25519" {
            key = (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)).map { .ed25519($0) }
        }
    }
}

/// Key records read once per text.
final class KeyRecordCache: Sendable {
    private let records = Mutex<[String: KeyRecord]>([:])

    /// The record `text`, parsed on first use.
    func record(_ text: String) -> KeyRecord {
        if let known = records.withLock({ $0[text] }) { return known }
        let parsed = KeyRecord(text)
        records.withLock { $0[text] = parsed }
        return parsed
    }
}
