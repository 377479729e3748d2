import TLSRPT
import TLSRPTTestSupport
import Testing

/// Sniffing, decompression and caps.
@Suite struct PayloadTests {
    let json = Array(minimal().utf8)

    @Test func gzipIsSniffedNotLabelled() throws {
        let r = try ReportDecoder().decode(TestCompression.gzip(json))
        #expect(r.reportID == "r1")
        #expect(ReportDecoder.sniff(TestCompression.gzip(json)) == .gzip)
        #expect(ReportDecoder.sniff(json) == .json)
    }

    /// `decode` takes JSON and gzipped JSON on a short path; anything else inside a gzip goes
    /// the general way, from the bytes already inflated.
    @Test func decodeOfGzipHoldingAZipOrNoReport() throws {
        let zipped = TestCompression.gzip(TestCompression.zip([("r.json", json)]))
        #expect(try ReportDecoder().decode(zipped).reportID == "r1")
        let two = TestCompression.gzip(TestCompression.zip([("a.json", json), ("b.json", json)]))
        #expect(throws: ReportError.self) { try ReportDecoder().decode(two) }
        do {
            _ = try ReportDecoder().decode(TestCompression.gzip("hello"))
            fail("accepted")
        } catch {
            #expect(error.kind == .unrecognizedFormat)
            #expect(error.message.contains("not a TLS report"))
        }
    }

    @Test func concatenatedGzipMembersAreJoined() throws {
        let text = minimal()
        let cut = text.index(text.startIndex, offsetBy: 40)
        let bytes = TestCompression.gzip(String(text[..<cut])) + TestCompression.gzip(String(text[cut...]))
        #expect(try ReportDecoder().decode(bytes).reportID == "r1")
    }

    @Test func truncatedGzipIsAnError() {
        let gz = TestCompression.gzip(json)
        guard case .failure(let e) = decodeBytes(Array(gz.dropLast(12))) else { return fail("accepted") }
        #expect(e.kind == .corruptCompression)
        #expect(e.message.contains("truncated"))
    }

    @Test func damagedGzipIsAnError() {
        var gz = TestCompression.gzip(json)
        for i in 12..<min(gz.count - 8, 40) { gz[i] ^= 0x5A }
        guard case .failure(let e) = decodeBytes(gz) else { return fail("accepted") }
        #expect(e.kind == .corruptCompression)
    }

    @Test func gzipBombStopsAtTheCap() {
        let bomb = TestCompression.gzip([UInt8](repeating: 0x20, count: 50_000_000), level: 9)
        #expect(bomb.count < 100_000)
        guard case .failure(let e) = decodeBytes(bomb) else { return fail("accepted") }
        #expect(e.kind == .tooLarge)
        #expect(e.message == "decompresses to more than the 20 MB cap")
    }

    @Test func capIsExact() {
        let limits = DecodeLimits(maxReportBytes: json.count)
        #expect((try? decodeBytes(TestCompression.gzip(json), limits: limits).get()) != nil)
        let smaller = DecodeLimits(maxReportBytes: json.count - 1)
        guard case .failure(let e) = decodeBytes(TestCompression.gzip(json), limits: smaller) else {
            return fail("accepted")
        }
        #expect(e.kind == .tooLarge)
        guard case .failure(let plain) = decodeBytes(json, limits: smaller) else { return fail("accepted") }
        #expect(plain.kind == .tooLarge)
    }

    @Test func zipWithSeveralReportsYieldsEach() throws {
        let second = minimal().replacingOccurrences(of: "\"r1\"", with: "\"r2\"")
        let bad = "{\"organization-name\":1}"
        let zip = TestCompression.zip([
            ("a.json", json), ("README.txt", Array("hello".utf8)), ("b.json.gz", TestCompression.gzip(second)),
            ("c.json", Array(bad.utf8)),
        ])
        let docs = ReportDecoder().decodeAll(zip)
        #expect(docs.count == 3)
        #expect(docs.map(\.location) == ["zip entry a.json", "zip entry b.json.gz", "zip entry c.json"])
        #expect((try? docs[0].result.get())?.reportID == "r1")
        #expect((try? docs[1].result.get())?.reportID == "r2")
        guard case .failure(let e) = docs[2].result else { return fail("accepted") }
        #expect(e.kind == .invalidReport)
    }

    @Test func storedZipEntry() throws {
        let docs = ReportDecoder().decodeAll(TestCompression.zip([("x.json", json)], stored: true))
        #expect((try? docs[0].result.get())?.reportID == "r1")
    }

    @Test func zipWithoutReportAndTruncatedZip() {
        let noReport = ReportDecoder().decodeAll(TestCompression.zip([("notes.txt", Array("x".utf8))]))
        guard case .failure(let e) = noReport[0].result else { return fail("accepted") }
        #expect(e.kind == .noReport)
        let zip = TestCompression.zip([("a.json", json)])
        let cut = ReportDecoder().decodeAll(Array(zip.prefix(zip.count / 2)))
        guard case .failure(let t) = cut[0].result else { return fail("accepted") }
        #expect(t.kind == .corruptCompression)
    }

    @Test func zipBombAcrossEntriesStopsAtTheCap() {
        let big = [UInt8](repeating: 0x20, count: 8_000_000)
        let zip = TestCompression.zip((0..<5).map { ("r\($0).json", big) })
        let docs = ReportDecoder().decodeAll(zip)
        let kinds = docs.compactMap { d -> ReportError.Kind? in
            if case .failure(let e) = d.result { return e.kind }
            return nil
        }
        #expect(kinds.contains(.tooLarge))
        #expect(docs.count <= 5)
    }
}
