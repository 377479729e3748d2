import Foundation
import TLSRPT
import TLSRPTTestSupport
import Testing

/// Decodes a project fixture (exactly one report expected).
func fixture(_ name: String, header: String? = nil) throws -> Report {
    let bytes = try TestPaths.bytes(TestPaths.fixture("TLSRPTTests", name))
    return try ReportDecoder().decode(bytes, context: .init(reportDomainHeader: header))
}

/// Decodes JSON text, returning the report or the error.
func decode(_ json: String, limits: DecodeLimits = DecodeLimits()) -> Result<Report, ReportError> {
    decodeBytes(Array(json.utf8), limits: limits)
}

func decodeBytes(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) -> Result<Report, ReportError> {
    let docs = ReportDecoder(limits: limits).decodeAll(bytes)
    #expect(docs.count == 1)
    return docs[0].result
}

/// The error a JSON text is rejected with (fails the test when it is accepted).
func rejection(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> ReportError? {
    switch decode(json) {
    case .success:
        Issue.record("accepted: \(json)", sourceLocation: sourceLocation)
        return nil
    case .failure(let e): return e
    }
}

/// A minimal valid report with `policy` spliced in as the only policy.
func minimal(
    policy: String =
        #"{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}"#,
    extra: String = ""
) -> String {
    #"{"organization-name":"Org","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-01T23:59:59Z"},"report-id":"r1","policies":["#
        + policy + "]" + extra + "}"
}

/// Records a test failure (usable as `return fail(...)` in a guard).
func fail(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}
