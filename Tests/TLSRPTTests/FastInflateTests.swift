import TLSRPTTestSupport
import Testing

@testable import TLSRPT

/// The libdeflate fast path gives exactly what the zlib path gives: the same bytes, or the same
/// error, for good, damaged, truncated and oversized input.
@Suite struct FastInflateTests {
    /// Where the tests must run in full (CI), libdeflate is installed and must be found.
    @Test func libdeflateIsLoadedWhereRequired() {
        if TestTools.toolsRequired { #expect(FastInflate.isAvailable) }
    }

    enum Outcome: Equatable {
        case bytes([UInt8])
        case error(String, String)
    }

    func both(_ input: [UInt8], _ format: Inflater.Format, limit: Int, hint: Int?) -> (Outcome, Outcome) {
        input.withUnsafeBufferPointer { p in
            func run(_ body: () throws(ReportError) -> [UInt8]) -> Outcome {
                do { return .bytes(try body()) } catch { return .error(error.kind.rawValue, error.message) }
            }
            let combined = run { () throws(ReportError) in
                try Inflater.inflate(p, format: format, limit: limit, sizeHint: hint)
            }
            let zlib = run { () throws(ReportError) in
                try Inflater.zlibInflate(p, format: format, limit: limit, sizeHint: hint)
            }
            return (combined, zlib)
        }
    }

    @Test func agreesWithZlibOnRandomGoodAndDamagedInput() {
        var g = SeededGenerator(seed: 1952)
        let encoder = ReportEncoder(pretty: false)
        var checked = 0
        for i in 0..<300 {
            let json = Array(encoder.encode(RandomReports.report(&g, index: i)).utf8)
            let level = Int32([1, 6, 9][i % 3])
            var variants: [[UInt8]] = [TestCompression.gzip(json, level: level)]
            // Two members, as a concatenated gzip.
            let cut = Int.random(in: 0...json.count, using: &g)
            variants.append(
                TestCompression.gzip(Array(json[..<cut]), level: level) + TestCompression.gzip(Array(json[cut...])))
            // Truncated anywhere, and one byte flipped anywhere.
            let whole = variants[0]
            variants.append(Array(whole.prefix(Int.random(in: 0..<whole.count, using: &g))))
            var flipped = whole
            flipped[Int.random(in: 10..<flipped.count, using: &g)] ^= UInt8.random(in: 1...255, using: &g)
            variants.append(flipped)
            for v in variants {
                for limit in [json.count, json.count - 1, 20_000_000] {
                    let (fast, zlib) = both(
                        v, .gzip, limit: limit, hint: v.withUnsafeBufferPointer { ReportDecoder.gzipSizeHint($0) })
                    #expect(fast == zlib, "report \(i), limit \(limit)")
                    checked += 1
                }
            }
            let raw = TestCompression.gzip(json, raw: true, level: level)
            let (fast, zlib) = both(raw, .raw, limit: 20_000_000, hint: json.count + 1)
            #expect(fast == zlib)
            #expect(fast == .bytes(json))
        }
        #expect(checked == 300 * 4 * 3)
    }

    @Test func aBombThatLiesAboutItsSizeStopsAtTheCap() {
        var bomb = TestCompression.gzip([UInt8](repeating: 0x20, count: 30_000_000), level: 9)
        // ISIZE claims 100 bytes: the output grows from there, never past the cap.
        let n = bomb.count
        bomb[n - 4] = 100
        bomb[n - 3] = 0
        bomb[n - 2] = 0
        bomb[n - 1] = 0
        let (fast, zlib) = both(bomb, .gzip, limit: 20_000_000, hint: 101)
        #expect(fast == .error("too-large", "decompresses to more than the 20 MB cap"))
        #expect(fast == zlib)
    }
}
