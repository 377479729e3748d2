import TLSRPT
import TLSRPTTestSupport
import Testing

/// A wrong JSON type in every field of a report: refused naming the field, or accepted under a
/// documented leniency, never anything else.
@Suite struct WrongTypeTests {
    @Test func everyFieldEveryWrongType() throws {
        let variants = WrongTypes.variants()
        #expect(variants.count == 155)
        #expect(variants.filter(\.accepted).count == 42)
        let decoder = ReportDecoder()
        for v in variants {
            let mustAccept = v.accepted
            do {
                let report = try decoder.decode(v.json)
                #expect(mustAccept, "\(v.path) = \(v.value) was accepted")
                #expect(report.policies.count == 1)
            } catch {
                #expect(!mustAccept, "\(v.path) = \(v.value): \(error)")
                #expect(error.kind == .invalidReport, "\(v.path) = \(v.value): \(error)")
                #expect(error.pathString == v.path, "\(v.path) = \(v.value): \(error)")
            }
        }
    }
}
