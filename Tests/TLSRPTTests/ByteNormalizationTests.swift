import Foundation
import TLSRPTTestSupport
import Testing

@testable import TLSRPT

/// The normalizer reads texts as bytes straight out of the JSON (`WireText`) and makes each
/// String once. Its byte-level helpers must agree with the String versions they stand in for,
/// and every text member must read the same whether written plainly or with escapes.
@Suite struct ByteNormalizationTests {
    /// Texts built from pieces that matter to the helpers: case, white space of both kinds, dots,
    /// `mx:` prefixes, and non-ASCII letters whose lower case is ASCII (Kelvin sign) or longer (İ).
    static let pieces = [
        "a", "Z", "mx", "MX:", "mx: ", ".", " ", "\t", "\r\n", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2003}", "-", "1", "é",
        "\u{212A}", "İ", "e\u{301}", ":\u{301}", "example", "COM", "*.", "sts", "tlsa", "enforce", "webpki",
    ]

    static func randomTexts(count: Int, seed: UInt64) -> [String] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
    }

    @Test func byteHelpersAgreeWithTheStringVersions() {
        for text in Self.randomTexts(count: 20_000, seed: 7) {
            var copy = text
            copy.withUTF8 { p in
                #expect(normalizeDomain(p) == normalizeDomain(text), "\(text.debugDescription)")
                #expect(normalizedToken(p) == normalizedToken(text), "\(text.debugDescription)")
                #expect(ReportNormalizer.mxPattern(p) == ReportNormalizer.mxPattern(text), "\(text.debugDescription)")
                #expect(ResultType(p) == ResultType(text), "\(text.debugDescription)")
                #expect(PolicyType(p) == PolicyType(text), "\(text.debugDescription)")
                #expect(STSMode(p) == STSMode(text), "\(text.debugDescription)")
                #expect(trimmedString(p) == text.trimmingWhitespace, "\(text.debugDescription)")
                #expect(isBlank(p) == text.isBlank, "\(text.debugDescription)")
            }
        }
    }

    @Test func registeredNamesInAnyCaseAndWithSpaces() {
        for value in ResultType.registered {
            for spelling in [value.rawValue, value.rawValue.uppercased(), " \(value.rawValue.capitalized)\t"] {
                var s = spelling
                #expect(s.withUTF8 { ResultType($0) } == value, "\(spelling)")
            }
        }
        var kelvin = "sts-webp\u{212A}i-invalid"  // lower-cases to the registered name
        #expect(kelvin.withUTF8 { ResultType($0) } == .stsWebPKIInvalid)
        var other = "Certificate-Expired-Soon"
        #expect(other.withUTF8 { ResultType($0) } == .other("certificate-expired-soon"))
    }

    /// The lowest flagged byte of the word scan is exact, whatever follows it (a borrow out of a
    /// matching byte may flag the byte above it, never one below).
    @Test func specialByteMaskFindsTheFirstSpecialByte() {
        var rng = SeededGenerator(seed: 11)
        let fillers: [UInt8] = [0x01, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF, UInt8(ascii: "a")]
        for _ in 0..<20_000 {
            var bytes = (0..<8).map { _ in fillers.randomElement(using: &rng)! }
            let word0 = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(JSONReader.specialByteMask(UInt64(littleEndian: word0)) == 0, "\(bytes)")
            let k = Int.random(in: 0..<8, using: &rng)
            bytes[k] = [0x00, 0x22, 0x5C].randomElement(using: &rng)!
            for j in (k + 1)..<8 where Bool.random(using: &rng) {
                bytes[j] = [0x00, 0x22, 0x5C, 0x01, 0x23].randomElement(using: &rng)!
            }
            let word = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            #expect(JSONReader.specialByteMask(word).trailingZeroBitCount >> 3 == k, "\(bytes)")
        }
    }

    /// Every text member read from escapes gives what its plain spelling gives.
    @Test func escapedTextsReadAsTheirPlainSpelling() throws {
        func escaped(_ s: String) -> String { s.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined() }
        func report(_ e: (String) -> String) -> String {
            #"{"organization-name":"\#(e("Google Inc."))","date-range":{"start-datetime":"\#(e("2024-01-01T00:00:00Z"))","end-datetime":"\#(e("2024-01-01T23:59:59Z"))"},"contact-info":"\#(e("tls@example.net"))","report-id":"\#(e("r-1"))","policies":[{"policy":{"policy-type":"\#(e("STS"))","policy-string":["\#(e("mode: testing"))","\#(e("mx: MX1.example.com."))"],"policy-domain":"\#(e("Example.COM"))","mx-host":["\#(e("mx: mx2.example.com"))"]},"summary":{"total-successful-session-count":"\#(e("12"))","total-failure-session-count":"\#(e("3"))"},"failure-details":[{"result-type":"\#(e("Certificate-Expired"))","sending-mta-ip":"\#(e(" 192.0.2.1 "))","receiving-mx-hostname":"\#(e("MX1.example.com."))","receiving-mx-helo":"\#(e("helo.example.com"))","receiving-ip":"\#(e("198.51.100.7"))","failed-session-count":"\#(e("3"))","additional-information":"\#(e("https://x.example/?a=1"))","failure-reason-code":"\#(e("X509_V_ERR"))"}]}]}"#
        }
        let plain = try ReportDecoder().decode(Array(report { $0 }.utf8))
        let viaEscapes = try ReportDecoder().decode(Array(report(escaped).utf8))
        #expect(viaEscapes == plain)
        #expect(plain.organizationName == "Google Inc.")
        #expect(plain.reporterDomain == "example.net")
        let p = try #require(plain.policies.first)
        #expect(p.type == .sts && p.domain == "example.com" && p.stsMode == .testing)
        #expect(p.mxPatterns == ["mx1.example.com", "mx2.example.com"])
        #expect(p.successfulSessionCount == 12 && p.failedSessionCount == 3)
        let d = try #require(p.failureDetails.first)
        #expect(d.resultType == .certificateExpired && d.failedSessionCount == 3)
        #expect(d.sendingMTAIP == "192.0.2.1" && d.receivingMXHostname == "mx1.example.com")
        #expect(d.receivingMXHelo == "helo.example.com" && d.failureReasonCode == "X509_V_ERR")
    }
}
