import TLSRPT
import TLSRPTMail
import Testing

@Suite struct ProgressMeterTests {
    final class Clock: @unchecked Sendable {
        var t = 100.0
    }

    @Test func drawsAtMostEveryIntervalAndClears() throws {
        let clock = Clock()
        var output: [String] = []
        let meter = ProgressMeter(write: { output.append($0) }, now: { clock.t })
        let report = try ReportDecoder().decode(
            Array(
                #"{"organization-name":"O","date-range":{"start-datetime":"2024-01-01T00:00:00Z","end-datetime":"2024-01-02T00:00:00Z"},"report-id":"r","policies":[{"policy":{"policy-type":"sts"}}]}"#
                    .utf8))
        let payload = Payload(
            provenance: Provenance(origin: "x.mbox", steps: ["message 1"]),
            bytes: [UInt8](repeating: 0, count: 500_000), mail: MailContext())
        for _ in 0..<4 {
            clock.t += 0.2
            meter.add(.report(report, payload))
        }
        meter.add(.messageWithoutReport(Provenance(origin: "x.mbox", steps: ["message 5"]), reason: "none"))
        // Items at t = 100.2, 100.4 (no draw), 100.6 (draw), 100.8 and the skip (within 0.5 s: no draw).
        #expect(output.count == 1)
        #expect(output[0] == "\r\u{1B}[K3 messages (5/s), 3 reports (5/s), 1 MB")
        #expect(meter.line(at: 102) == "5 messages (3/s), 4 reports (2/s), 2 MB")
        meter.finish()
        #expect(output.last == "\r\u{1B}[K")
    }
}
