import Foundation
import TLSRPT
import TLSRPTTestSupport
import Testing

/// schemas/tlsrpt-report.schema.json against the fixtures, with Python's jsonschema.
@Suite struct SchemaTests {
    static let fixtures = "Tests/TLSRPTTests/Fixtures/"
    static let conforming = [
        fixtures + "dane-failures.json", fixtures + "google-clean-day.json",
        fixtures + "microsoft-tlsa-json-in-string.json", fixtures + "mailru-next-day-end.json",
        "samples/google-2026-11-20.json", "samples/google-2026-11-21.json.gz",
        "samples/google-2026-11-22-failures.json",
    ]
    static let deviating = [
        fixtures + "rfc8460-appendix-b.json", fixtures + "microsoft-no-timezone.json",
        fixtures + "sys4-no-policy-domain.json", fixtures + "stalwart-null-contact.json",
        fixtures + "quirky-lenient.json", "samples/microsoft-2026-11-21.json.gz",
    ]
    static let available = TestTools.pythonHas("jsonschema")

    @Test(.enabled(if: available || TestTools.toolsRequired, "needs python3 with jsonschema"))
    func conformingFixturesValidateAndDeviationsDoNot() throws {
        let out = try TestTools.run(
            "python3", ["scripts/check_schema.py", "--valid"] + Self.conforming + ["--invalid"] + Self.deviating,
            currentDirectory: TestPaths.repositoryRoot)
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("\(Self.conforming.count + Self.deviating.count) passed, 0 failed"))
    }

    @Test func everySchemaFixtureParses() throws {
        for path in Self.conforming + Self.deviating {
            let bytes = try TestPaths.bytes(TestPaths.repositoryRoot.appendingPathComponent(path))
            let docs = ReportDecoder().decodeAll(bytes)
            #expect(docs.count == 1)
            #expect((try? docs[0].result.get()) != nil, "\(path)")
        }
    }
}
