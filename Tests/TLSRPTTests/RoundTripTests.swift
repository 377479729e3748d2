import TLSRPT
import TLSRPTTestSupport
import Testing

/// Property: encoding any valid report as RFC JSON and decoding it gives the same report.
@Suite struct RoundTripTests {
    @Test(arguments: [1, 2, 3, 42, 2026])
    func encodeThenDecodeIsIdentity(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        for i in 0..<200 {
            let original = RandomReports.report(&g, index: i)
            let pretty = i % 2 == 0
            let json = ReportEncoder(pretty: pretty).encode(original)
            let bytes = i % 3 == 0 ? TestCompression.gzip(json) : Array(json.utf8)
            let decoded = try ReportDecoder().decode(bytes)
            #expect(decoded == original, "seed \(seed) report \(i)")
            if decoded != original { return }
        }
    }

    @Test func writerEscapesControlCharacters() {
        #expect(JSONWriter.quoted("a\u{01}\"\\\n") == #""a\u0001\"\\\n""#)
    }
}

/// Inputs the fuzzer (scripts/fuzz) found, kept as regressions: each must decode, and encode
/// and decode again (with the same mail header) to the same report.
@Suite struct FuzzRegressionTests {
    @Test(arguments: ["mx-prefix-in-policy-string.json", "domain-dot-then-spaces.json"])
    func roundTrips(name: String) throws {
        let bytes = try TestPaths.bytes(TestPaths.fixture("TLSRPTTests", "fuzz/\(name)"))
        let context = ReportNormalizer.Context(reportDomainHeader: "fuzz.example")
        let report = try ReportDecoder().decode(bytes, context: context)
        let json = ReportEncoder(pretty: false, includeHeaderDomains: false).encode(report)
        #expect(try ReportDecoder().decode(Array(json.utf8), context: context) == report)
    }
}
