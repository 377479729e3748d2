import TLSRPT
import TLSRPTTestSupport
import Testing

/// The string scanner reads eight bytes at a time until a quote, backslash or NUL: every special
/// byte must be found at every offset within and across those words.
@Suite struct StringScanTests {
    func organization(_ rawString: [UInt8]) -> Result<String, ReportError> {
        let json = Array(minimal().utf8)
        let at = json.firstRange(of: Array(#""Org""#.utf8))!
        let bytes = Array(json[..<at.lowerBound]) + [0x22] + rawString + [0x22] + Array(json[at.upperBound...])
        return Result { () throws(ReportError) in try ReportDecoder().decode(bytes).organizationName }
    }

    @Test func specialBytesAtEveryOffset() throws {
        for before in 0..<20 {
            for after in [0, 1, 7, 8, 9] {
                let a = [UInt8](repeating: UInt8(ascii: "a"), count: before)
                let b = [UInt8](repeating: UInt8(ascii: "b"), count: after)
                let prefix = String(repeating: "a", count: before)
                let suffix = String(repeating: "b", count: after)
                // An escaped quote and backslash, a two-byte UTF-8 letter.
                #expect(try organization(a + Array(#"\""#.utf8) + b).get() == prefix + "\"" + suffix)
                #expect(try organization(a + Array(#"\\"#.utf8) + b).get() == prefix + "\\" + suffix)
                #expect(try organization(a + [0xC3, 0xA9] + b).get() == prefix + "é" + suffix)
                // A raw NUL, and a byte that is not UTF-8, are refused where they are.
                let nul = organization(a + [0] + b)
                #expect(throws: ReportError.self) { try nul.get() }
                if case .failure(let e) = nul { #expect(e.message.contains("NUL byte inside a string")) }
                let bad = organization(a + [0xFF] + b)
                if case .failure(let e) = bad {
                    #expect(e.message.contains("invalid UTF-8 in a string"))
                    #expect(e.message.contains("(byte \(22 + before))"), "\(e.message)")
                } else {
                    Issue.record("0xFF after \(before) bytes was accepted")
                }
            }
        }
    }
}
