import Crypto
import TLSRPT

/// The SHA-256 of a report's normalized content, equal for two copies of one report however
/// they arrived (a policy domain taken from a mail header counts as absent, as in the JSON).
/// Every field is fed length-prefixed, so no two different reports share an input.
///
/// The input is gathered in one buffer and hashed at once: fed to the hasher field by field
/// (~40 calls per report, each with its own checks), hashing took 7 % of a bulk ingest's CPU.
/// The bytes hashed are the same, so stored hashes stay valid (`contentHashIsStable`).
public func contentHash(of report: Report) -> [UInt8] {
    var input = HashInput()
    input.text(report.organizationName)
    input.text(report.contactInfo)
    input.text(report.reportID)
    input.int(report.start.seconds)
    input.int(Int64(report.start.nanoseconds))
    input.int(report.end.seconds)
    input.int(Int64(report.end.nanoseconds))
    input.int(Int64(report.policies.count))
    for p in report.policies {
        input.text(p.type.rawValue)
        input.text(p.domainFromMailHeader ? "" : p.domain)
        input.list(p.policyStrings)
        input.list(p.mxPatterns)
        input.int(p.successfulSessionCount)
        input.int(p.failedSessionCount)
        input.int(Int64(p.failureDetails.count))
        for d in p.failureDetails { d.fields(into: &input) }
    }
    return Array(SHA256.hash(data: input.bytes))
}

/// Where a failure detail's fields go, in one order: the content hash and the
/// `failure_details` row.
package protocol FieldSink {
    mutating func text(_ s: String?)
    mutating func int(_ v: Int64)
}

extension FailureDetail {
    /// Gives `sink` the fields: result type, sending MTA IP, receiving MX host name and HELO,
    /// receiving IP, failed sessions, additional information, failure reason code.
    package func fields<Sink: FieldSink>(into sink: inout Sink) {
        sink.text(resultType.rawValue)
        sink.text(sendingMTAIP)
        sink.text(receivingMXHostname)
        sink.text(receivingMXHelo)
        sink.text(receivingIP)
        sink.int(failedSessionCount)
        sink.text(additionalInformation)
        sink.text(failureReasonCode)
    }
}

/// The bytes `contentHash` hashes. (A struct with mutating methods rather than closures over a
/// local array: captured, the array was boxed and every append checked for exclusive access at
/// run time.)
private struct HashInput: FieldSink {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    /// A text: 0 when absent, else 1, its UTF-8 length (8 bytes, little endian) and bytes.
    mutating func text(_ s: String?) {
        guard var s else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        s.withUTF8 { p in
            int(Int64(p.count))
            bytes.append(contentsOf: p)
        }
    }

    /// A number: 8 bytes, little endian.
    mutating func int(_ n: Int64) {
        withUnsafeBytes(of: n.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A list: its count, then each text.
    mutating func list(_ items: [String]) {
        int(Int64(items.count))
        for i in items { text(i) }
    }
}
