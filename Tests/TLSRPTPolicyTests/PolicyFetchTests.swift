import Foundation
import TLSRPTPolicy
import TLSRPTTestSupport
import Testing

/// The policy file and the DNS records parsed, and the fetch by RFC 8461 §3.3's rules against a
/// real HTTPS server (Python's, under a test CA) on loopback.
@Suite struct PolicyTextTests {
    @Test func policyTextAndPatterns() throws {
        let p = try MTASTSPolicy(
            text:
                "version: STSv1\r\nmode: enforce\r\nmx: MX1.example.com\r\nmx: *.backup.example.com\r\nmax_age: 604800\r\nfuture: ignored\r\n"
        )
        #expect(p == MTASTSPolicy(mode: .enforce, maxAge: 604800, mx: ["mx1.example.com", "*.backup.example.com"]))
        #expect(
            p.lines == [
                "version: STSv1", "mode: enforce", "mx: mx1.example.com", "mx: *.backup.example.com", "max_age: 604800",
            ])
        #expect(p.covers("mx1.example.com."))
        #expect(p.covers("a.backup.example.com"))
        #expect(!p.covers("a.b.backup.example.com"))
        #expect(!p.covers("backup.example.com"))
        #expect(!p.covers("mx2.example.com"))
        // LF line ends (served that way by some hosts) are read too.
        #expect(try MTASTSPolicy(text: "version: STSv1\nmode: none\nmax_age: 0\n").mode == .none)
        for (text, message) in [
            ("mode: enforce\nversion: STSv1\n", "policy line 2: version must come first, once"),
            ("version: STSv2\n", "policy line 1: version STSv2, not STSv1"),
            ("version: STSv1\nmode: strict\n", "policy line 2: mode strict is not enforce, testing or none"),
            (
                "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",
                "policy line 4: max_age -1 is not 0…31557600 seconds"
            ),
            ("version: STSv1\nmode: enforce\nmax_age: 10\n", "mode enforce without any `mx` line"),
            ("version: STSv1\nmode: enforce\nmx: a.example\n", "no `max_age` line"),
            ("<html>\n", "policy line 1: not `key: value`: <html>"),
        ] {
            #expect(throws: PolicyError(message)) { try MTASTSPolicy(text: text) }
        }
    }

    @Test func dnsRecords() throws {
        // Other TXT records at the name are ignored.
        #expect(try MTASTSRecord.pick(["v=spf1 -all", "v=STSv1; id=abc123;"]) == MTASTSRecord(id: "abc123"))
        #expect(try MTASTSRecord.pick(["v=STSv1; id=20260101000000;"]) == MTASTSRecord(id: "20260101000000"))
        #expect(try MTASTSRecord.pick(["something else"]) == nil)
        #expect(throws: PolicyError("2 v=STSv1 records at _mta-sts (exactly one allowed)")) {
            try MTASTSRecord.pick(["v=STSv1; id=a1;", "v=STSv1; id=b2;"])
        }
        #expect(throws: PolicyError("_mta-sts record's id 2026-01-01 is not 1–32 letters and digits")) {
            try MTASTSRecord.pick(["v=STSv1; id=2026-01-01;"])
        }
        #expect(
            try TLSRPTRecord.pick(["v=TLSRPTv1; rua=mailto:tlsrpt@example.com, https://r.example.com/v1"])
                == TLSRPTRecord(rua: ["mailto:tlsrpt@example.com", "https://r.example.com/v1"]))
        #expect(throws: PolicyError("_smtp._tls record has no rua=: v=TLSRPTv1;")) {
            try TLSRPTRecord.pick(["v=TLSRPTv1;"])
        }
        #expect(throws: PolicyError("_smtp._tls rua http://r.example.com is neither mailto: nor https:")) {
            try TLSRPTRecord.pick(["v=TLSRPTv1; rua=http://r.example.com"])
        }
    }
}

@Suite(.serialized) struct PolicyFetchTests {
    static let tools = ["openssl", "python3"].allSatisfy { (try? TestTools.run("which", [$0]).status) == 0 }

    @Test(.enabled(if: tools || TestTools.toolsRequired, "needs openssl and python3"))
    func fetchByTheRules() async throws {
        let server = try PolicyTestServer()
        defer { server.stop() }
        let fetcher = PolicyFetcher(caFile: server.caFile, connectTo: ("127.0.0.1", server.port), timeout: 2)
        let text = try await fetcher.fetch(domain: "good.example")
        #expect(try MTASTSPolicy(text: text).mx == ["mx1.good.example", "*.backup.good.example"])
        let url = { (d: String) in "https://mta-sts.\(d)/.well-known/mta-sts.txt" }
        for (domain, message) in [
            (
                "redirect.example",
                "\(url("redirect.example")): answered 301 redirecting to https://elsewhere.example/mta-sts.txt; redirects are not followed (RFC 8461 §3.3)"
            ),
            ("html.example", "\(url("html.example")): Content-Type text/html, not text/plain (RFC 8461 §3.2)"),
            ("big.example", "\(url("big.example")): larger than 65536 bytes"),
            ("missing.example", "\(url("missing.example")): answered HTTP 404, not 200"),
            ("slow.example", "\(url("slow.example")): no answer within 2 s"),
        ] {
            do {
                _ = try await fetcher.fetch(domain: domain)
                Issue.record("\(domain) was accepted")
            } catch {
                #expect(error.description == message, "\(domain)")
            }
        }
        // A certificate that does not name mta-sts.wrongcert.example, and one from a CA not trusted.
        do {
            _ = try await fetcher.fetch(domain: "wrongcert.example")
            Issue.record("wrong certificate accepted")
        } catch {
            #expect(error.description.hasPrefix("\(url("wrongcert.example")): "), "\(error)")
            #expect(error.description.contains("certificate") || error.description.contains("TLS"), "\(error)")
        }
        let untrusted = PolicyFetcher(caFile: nil, connectTo: ("127.0.0.1", server.port), timeout: 2)
        do {
            _ = try await untrusted.fetch(domain: "good.example")
            Issue.record("untrusted CA accepted")
        } catch {
            #expect(error.description.hasPrefix("\(url("good.example")): "), "\(error)")
        }
    }
}
