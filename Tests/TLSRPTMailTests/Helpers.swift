import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTTestSupport
import Testing

/// What extracting some paths produced, in order.
struct Outcome {
    var reports: [(Report, Payload)] = []
    var rejected: [(Provenance, ReportError)] = []
    var skipped: [(Provenance, String)] = []

    var reportIDs: [String] { reports.map(\.0.reportID) }
    var sources: [String] { reports.map(\.1.provenance.description) }
}

func extract(_ paths: [String], limits: DecodeLimits = DecodeLimits()) -> Outcome {
    var o = Outcome()
    ReportExtractor(limits: limits).extract(paths) { item in
        switch item {
        case .report(let r, let p): o.reports.append((r, p))
        case .rejected(let p, let e, _, _): o.rejected.append((p, e))
        case .messageWithoutReport(let p, let reason): o.skipped.append((p, reason))
        }
    }
    return o
}

/// Writes `contents` to a new file in a fresh temporary directory and returns its path.
func write(_ contents: String, name: String = "input") throws -> String {
    try write(Array(contents.utf8), name: name)
}

func write(_ bytes: [UInt8], name: String = "input") throws -> String {
    let dir = try TestPaths.temporaryDirectory()
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}
