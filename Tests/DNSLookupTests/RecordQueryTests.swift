import DNSLookup
import TLSRPTTestSupport
import Testing

/// MX and TLSA lookups against a real DNS server (Debian's unbound on loopback).
@Suite(.enabled(if: DNSTestServer.available || TestTools.toolsRequired, "unbound is not installed"))
struct RecordQueryTests {
    static let hash = "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"

    @Test func mxAndTlsaRecords() throws {
        let dns = try DNSTestServer(
            zones: ["mail.example"], txt: ["_smtp._tls.mail.example": "v=TLSRPTv1; rua=mailto:tlsrpt@mail.example"],
            other: [
                "mail.example. MX 20 MX2.mail.example.", "mail.example. MX 10 mx1.mail.example.",
                "_25._tcp.mx1.mail.example. TLSA 3 1 1 \(Self.hash)",
                "_25._tcp.mx1.mail.example. TLSA 2 0 2 \(String(repeating: "ab", count: 64))",
                "nomx.mail.example. A 192.0.2.1",
            ])
        defer { dns.stop() }
        let resolver = try TXTResolver(server: dns.address, timeout: 2, tries: 1)
        // By preference, names lower-cased and expanded from the answer's compression.
        #expect(
            resolver.mx("mail.example")
                == .found([
                    MXRecord(preference: 10, host: "mx1.mail.example"),
                    MXRecord(preference: 20, host: "mx2.mail.example"),
                ]))
        guard case .found(let tlsa) = resolver.tlsa("_25._tcp.mx1.mail.example") else {
            Issue.record("no TLSA records")
            return
        }
        #expect(
            Set(tlsa.map(\.presentation)) == [
                "3 1 1 \(Self.hash)", "2 0 2 \(String(repeating: "ab", count: 64))",
            ])
        // A name with other records but none of the type, and a name that does not exist.
        #expect(resolver.mx("nomx.mail.example") == .notFound)
        #expect(resolver.tlsa("_25._tcp.mx2.mail.example") == .notFound)
        #expect(resolver.mx("absent.mail.example") == .notFound)
        // TXT still works beside them.
        #expect(resolver.txt("_smtp._tls.mail.example") == .records(["v=TLSRPTv1; rua=mailto:tlsrpt@mail.example"]))
    }

    @Test func aServerThatDoesNotAnswerIsATemporaryFailure() throws {
        // A port nothing listens on.
        let resolver = try TXTResolver(server: "127.0.0.1:9", timeout: 1, tries: 1)
        guard case .temporaryFailure(let why) = resolver.mx("mail.example") else {
            Issue.record("expected a temporary failure")
            return
        }
        #expect(why == "no answer from 127.0.0.1:9 for mail.example")
    }
}
