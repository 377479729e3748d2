import DKIM
import DNSLookup
import Foundation
import TLSRPTTestSupport
import Testing

/// Mails signed by dkimpy (scripts/make_dkim_fixtures.py), checked against dkimpy's own verdict
/// in its RFC 8460 mode, except where RFC 8460 §3 and the project's rules ask for more.
@Suite struct DKIMVerifierTests {
    struct Case: Decodable {
        var file: String
        var dkimpy: String
        var expected: String
        var note: String
    }

    static let fixtures = TestPaths.fixture("DKIMTests", "")
    static let keys: [String: String] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("keys.json"))
        return try! JSONDecoder().decode([String: String].self, from: data)
    }()
    static let cases: [Case] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    /// Where the project's verdict differs from dkimpy's on purpose (each with the reason).
    static let stricterThanDkimpy: [String: String] = [
        "with-l.eml": "l= present",
        "key-for-email-only.eml": "key not for service tlsrpt",
        "other-domain.eml": "not aligned",
        "rsa-sha1.eml": "algorithm not allowed: rsa-sha1",
    ]

    static let reasons: [String: String] = [
        "body-changed.eml": "body hash does not match",
        "subject-changed.eml": "signature does not verify",
        "l-added.eml": "l= present",
        "key-revoked.eml": "key revoked",
        "no-key.eml": "no key at missing._domainkey.sender.example",
        "expired.eml": "signature expired (x=1700003600)",
    ]

    func lookup(_ name: String) -> DKIMKeyAnswer {
        Self.keys[name].map { .record($0) } ?? .notFound
    }

    @Test(arguments: cases.map(\.file))
    func verdictMatches(file: String) throws {
        let c = try #require(Self.cases.first { $0.file == file })
        let mail = try TestPaths.bytes(Self.fixtures.appendingPathComponent(file))
        let verdict = DKIMVerifier().verify(mail, keys: lookup)
        #expect(verdict.name == c.expected, "\(file): \(verdict)")
        if let reason = Self.stricterThanDkimpy[file] ?? Self.reasons[file] {
            #expect(verdict.description.contains(reason), "\(file): \(verdict)")
        }
        if c.expected != "none" && Self.stricterThanDkimpy[file] == nil {
            #expect(verdict.name == c.dkimpy, "\(file): dkimpy says \(c.dkimpy), we say \(verdict)")
        }
        if case .pass(let d, _) = verdict { #expect(d == "sender.example") }
    }

    @Test func dnsFailureIsTemperrorAndExpiryAndSha1Fail() throws {
        let mail = try TestPaths.bytes(Self.fixtures.appendingPathComponent("rsa2048-relaxed.eml"))
        let v = DKIMVerifier().verify(mail) { _ in .temporaryFailure("timeout") }
        #expect(v == .temperror("key r2048._domainkey.sender.example: timeout"))
        // The same signature read as rsa-sha1 (RFC 8301) or with an x= in the past: refused
        // before any key is fetched.
        let text = String(decoding: mail, as: UTF8.self)
        let sha1 = Array(text.replacingOccurrences(of: "a=rsa-sha256", with: "a=rsa-sha1").utf8)
        #expect(DKIMVerifier().verify(sha1, keys: lookup) == .fail("algorithm not allowed: rsa-sha1"))
        let expired = Array(
            text.replacingOccurrences(of: "DKIM-Signature: v=1; ", with: "DKIM-Signature: v=1; x=1000; ").utf8)
        #expect(DKIMVerifier().verify(expired, keys: lookup) == .fail("signature expired (x=1000)"))
    }

    @Test func canonicalization() throws {
        // RFC 6376 §3.4.5's example.
        let field = Array("B : Y\t\r\n\tZ  ".utf8)
        #expect(String(decoding: Canonicalization.relaxed.headerForTests(field), as: UTF8.self) == "b:Y Z\r\n")
        #expect(Canonicalization.simple.headerForTests(field) == field + [13, 10])
        let body = Array(" C \r\nD \t E\r\n\r\n\r\n".utf8)
        #expect(String(decoding: Canonicalization.relaxed.body(body), as: UTF8.self) == " C\r\nD E\r\n")
        #expect(String(decoding: Canonicalization.simple.body(body), as: UTF8.self) == " C \r\nD \t E\r\n")
        #expect(Canonicalization.simple.body([]) == [13, 10])
        #expect(Canonicalization.relaxed.body(Array("\r\n\r\n".utf8)) == [])
    }
}

/// Keys served by a real DNS server (unbound), fetched through glibc's resolver.
@Suite(.enabled(if: DNSTestServer.available || TestTools.toolsRequired, "unbound is not installed"))
struct DKIMOverDNSTests {
    @Test func keysFromUnboundGiveTheSameVerdicts() throws {
        let dns = try DNSTestServer(
            zones: ["sender.example", "other.example"], txt: DKIMVerifierTests.keys)
        defer { dns.stop() }
        let resolver = try TXTResolver(server: dns.address, timeout: 2, tries: 1)
        for c in DKIMVerifierTests.cases {
            let mail = try TestPaths.bytes(DKIMVerifierTests.fixtures.appendingPathComponent(c.file))
            let verdict = DKIMVerifier().verify(mail) { name in
                switch resolver.txt(name) {
                case .records(let r): return r.first.map { .record($0) } ?? .notFound
                case .notFound: return .notFound
                case .temporaryFailure(let why): return .temporaryFailure(why)
                }
            }
            #expect(verdict.name == c.expected, "\(c.file): \(verdict)")
        }
        // The 2048-bit key is longer than one 255-byte TXT string: it came split, and was joined.
        guard case .records(let r) = resolver.txt("r2048._domainkey.sender.example") else {
            Issue.record("no key")
            return
        }
        #expect(r == [DKIMVerifierTests.keys["r2048._domainkey.sender.example"]!])
        #expect(resolver.txt("nothing._domainkey.sender.example") == .notFound)
    }

    @Test func aServerThatDoesNotAnswerIsATemporaryFailureAfterTheTimeout() throws {
        let silent = SilentUDPPort()  // bound, never answers
        let port = silent.port
        let resolver = try TXTResolver(server: "127.0.0.1:\(port)", timeout: 1, tries: 1)
        let start = Date()
        let answer = resolver.txt("r2048._domainkey.sender.example")
        guard case .temporaryFailure = answer else {
            Issue.record("expected a temporary failure, got \(answer)")
            return
        }
        #expect(Date().timeIntervalSince(start) >= 0.9)
        #expect(throws: ResolverError.self) { try TXTResolver(server: "::1") }
        #expect(throws: ResolverError.self) { try TXTResolver(server: "127.0.0.1:0") }
    }
}

/// Hostile bytes through the hand-written parsing (header fields, tag lists, canonicalization,
/// `b=` removal): seeded mutations and truncations of a passing mail never crash, and one
/// changed letter or digit of its body never passes.
@Suite struct DKIMMutationTests {
    @Test func mutatedAndTruncatedMailsNeverCrashAndChangedBodiesNeverPass() throws {
        let mail = try TestPaths.bytes(DKIMVerifierTests.fixtures.appendingPathComponent("rsa2048-relaxed.eml"))
        let keys = DKIMVerifierTests.keys
        let verifier = DKIMVerifier()
        func verdict(_ m: [UInt8]) -> DKIMVerdict {
            verifier.verify(m) { keys[$0].map { .record($0) } ?? .notFound }
        }
        #expect(verdict(mail).isPass)
        var blank = 0
        while blank + 3 < mail.count && mail[blank..<blank + 4] != [13, 10, 13, 10] { blank += 1 }
        let bodyStart = blank + 4
        func isAlphanumeric(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var g = SeededGenerator(seed: 6376)
        var bodyChanges = 0
        for _ in 0..<1_000 {
            var m = mail
            // A changed letter or digit in the body: the body hash no longer matches.
            let i = Int.random(in: bodyStart..<m.count, using: &g)
            if isAlphanumeric(m[i]) {
                let replacement = letters.filter { $0 != m[i] }.randomElement(using: &g)!
                m[i] = replacement
                #expect(!verdict(m).isPass, "byte \(i) changed still passes")
                bodyChanges += 1
            }
            // Anything anywhere: random bytes, cuts, and repeated separators.
            var h = mail
            for _ in 0..<Int.random(in: 1...8, using: &g) {
                let k = Int.random(in: 0..<h.count, using: &g)
                h[k] = [0x3B, 0x3D, 0x3A, 0x0A, 0x0D, 0x20, 0x09, 0x00, 0xFF].randomElement(using: &g)!
            }
            _ = verdict(h)
            _ = verdict(Array(h.prefix(Int.random(in: 0...h.count, using: &g))))
        }
        #expect(bodyChanges > 500)
        #expect(verdict([]) == .none)
        #expect(verdict(Array("DKIM-Signature:".utf8)).name == "fail")
    }
}
