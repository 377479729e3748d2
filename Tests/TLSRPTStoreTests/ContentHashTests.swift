import Foundation
import TLSRPT
import TLSRPTTestSupport
import Testing

@testable import TLSRPTStore
@testable import TLSRPTStoreSQLite

/// The content hash decides whether a second copy of a report is a duplicate or a conflict, so
/// it must not change between versions: databases keep the hashes of their first copies.
@Suite struct ContentHashTests {
    /// Hashes of the shipped samples as stored by the versions before 2026-11-24 (which fed the
    /// hasher field by field).
    static let stored: [(file: String, hex: String)] = [
        ("google-2026-11-20.json", "7A47E1BA5263F1C7AE5B5F256ABDA013B06F1A77EC948EF66936E31DE071B635"),
        ("google-2026-11-21.json.gz", "9F02C44F66FB04E6402A733D47853EC96674D2A3196985CFDB0DEBF7A7C0B45B"),
        ("google-2026-11-22-failures.json", "5DB6173C7ABC608E0C26351746F582AB2B449F14C55E4A7356FCC735FCB03D1E"),
        ("microsoft-2026-11-21.json.gz", "A62043666BF9E3A06B8E5AB124D735954D4BF922FC97D6DEB4AE7BE71A82047A"),
    ]

    @Test func contentHashIsStable() throws {
        for (file, hex) in Self.stored {
            let bytes = try TestPaths.bytes(TestPaths.repositoryRoot.appendingPathComponent("samples/\(file)"))
            let report = try ReportDecoder().decode(bytes)
            let digest = contentHash(of: report).map { String(format: "%02X", $0) }.joined()
            #expect(digest == hex, "\(file)")
        }
    }

    /// Any change to a field changes the hash; moving text between neighbouring fields too
    /// (every field is length-prefixed).
    @Test func everyFieldCounts() throws {
        let bytes = try TestPaths.bytes(
            TestPaths.repositoryRoot.appendingPathComponent("samples/google-2026-11-22-failures.json"))
        let report = try ReportDecoder().decode(bytes)
        let base = contentHash(of: report)
        var variants: [Report] = []
        var r = report
        r.organizationName += "x"
        variants.append(r)
        r = report
        r.contactInfo = (r.contactInfo ?? "") + "x"
        variants.append(r)
        r = report
        r.end = Timestamp(seconds: r.end.seconds + 1)
        variants.append(r)
        r = report
        r.policies[0].failureDetails[0].failedSessionCount += 1
        variants.append(r)
        r = report
        r.policies[0].failureDetails[0].receivingMXHelo = (r.policies[0].failureDetails[0].receivingMXHelo ?? "") + "x"
        variants.append(r)
        r = report
        r.policies[0].mxPatterns.append("mx.example")
        variants.append(r)
        // The same characters, split differently between two fields.
        r = report
        r.organizationName += "a"
        var moved = report
        moved.contactInfo = "a" + (moved.contactInfo ?? "")
        #expect(contentHash(of: r) != contentHash(of: moved))
        let hashes = variants.map(contentHash(of:))
        for (i, h) in hashes.enumerated() { #expect(h != base, "variant \(i)") }
        #expect(Set(hashes).count == variants.count)
    }
}
