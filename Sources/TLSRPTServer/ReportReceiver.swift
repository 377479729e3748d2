import Foundation
import TLSRPT
import TLSRPTMail
import TLSRPTStore

/// The HTTP-independent part of the receiver (RFC 8460 §5.4): what to answer to one POST.
public struct ReportReceiver: Sendable {
    /// The answer: status code and a short JSON body.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: String
        /// Label for metrics (`stored`, `duplicate`, or a rejection reason).
        public var outcome: String
    }

    let configuration: ServerConfiguration
    let committer: GroupCommitter
    let extractor: ReportExtractor
    let metrics: ReceiverMetrics

    public init(configuration: ServerConfiguration, committer: GroupCommitter, metrics: ReceiverMetrics) {
        self.configuration = configuration
        self.committer = committer
        self.metrics = metrics
        extractor = ReportExtractor(
            limits: DecodeLimits(maxReportBytes: configuration.maxReportBytes, maxDepth: configuration.maxJSONDepth))
    }

    /// Media types accepted (parameters ignored). Labels are not trusted for the format — the
    /// body is sniffed — but a body sent as a web form or an image is not a report.
    static let acceptedTypes: Set<String> = [
        "application/tlsrpt+gzip", "application/tlsrpt+json", "application/tlsrpt", "application/gzip",
        "application/x-gzip", "application/json", "application/octet-stream", "application/zip", "text/plain",
    ]

    /// Whether a Content-Type header value is acceptable (absent is).
    public static func accepts(contentType: String?) -> Bool {
        guard let contentType else { return true }
        let media =
            contentType.split(separator: ";", maxSplits: 1).first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        return media.isEmpty || acceptedTypes.contains(media)
    }

    /// Decides on one POST body from `client`.
    public func receive(body: [UInt8], contentType: String?, client: String) async -> Answer {
        let provenance = Provenance(origin: "https from \(client)")
        guard Self.accepts(contentType: contentType) else {
            let error = ReportError(.unrecognizedFormat, "media type \(contentType ?? "") is not a TLS report type")
            await record(.rejected(provenance, error, bytes: body, channel: .https))
            return answer(415, "unsupported-media-type", error)
        }
        var items: [ExtractedItem] = []
        extractor.decode(Payload(provenance: provenance, bytes: body, channel: .https)) { items.append($0) }
        // A POST carries one report (a zip could carry several; each is stored).
        var stored = 0
        var duplicates = 0
        for item in items {
            switch item {
            case .rejected(let source, let error, _, _):
                await record(item)
                // Inside a zip body, the answer names the entry too.
                return answer(
                    error.kind == .tooLarge ? 413 : 400, error.kind.rawValue, error, location: source.steps)
            case .report(let report, _):
                let domains = report.policies.map(\.domain).filter { !$0.isEmpty }
                if let bad = domains.first(where: { !configuration.allows($0) }) {
                    let error = ReportError(.invalidReport, "policy domain \(bad) is not accepted here")
                    await record(.rejected(provenance, error, bytes: body, channel: .https))
                    return answer(403, "domain-not-allowed", error)
                }
            case .messageWithoutReport:
                break
            }
        }
        for item in items {
            guard case .report = item else { continue }
            do {
                switch try await committer.submit(item) {
                case .stored: stored += 1
                case .duplicate, .conflict: duplicates += 1
                default: break
                }
            } catch {
                metrics.storeFailures.increment()
                return Answer(
                    status: 503,
                    body: #"{"error":"store-unavailable","message":"the report store is unavailable; retry later"}"#,
                    outcome: "store-unavailable")
            }
        }
        if stored == 0 && duplicates == 0 {
            let error = ReportError(.noReport, "no report in the request body")
            await record(.rejected(provenance, error, bytes: body, channel: .https))
            return answer(400, "no-report", error)
        }
        metrics.reportsStored.increment(by: Int64(stored))
        metrics.duplicates.increment(by: Int64(duplicates))
        let outcome = stored > 0 ? "stored" : "duplicate"
        return Answer(status: 200, body: #"{"status":"\#(outcome)"}"#, outcome: outcome)
    }

    /// Records a body refused for its size before it was read whole, and answers 413.
    public func refuseOversized(client: String, receivedBytes: Int) async -> Answer {
        let error = ReportError(
            .tooLarge,
            "request body is over the \(formatBytes(configuration.maxBodyBytes)) cap (read \(receivedBytes) bytes)")
        await record(.rejected(Provenance(origin: "https from \(client)"), error, bytes: nil, channel: .https))
        return answer(413, "too-large", error)
    }

    private func answer(_ status: Int, _ code: String, _ error: ReportError, location: [String] = []) -> Answer {
        metrics.rejected(code)
        let w = JSONWriter(pretty: false)
        w.object {
            w.member("error") { w.string(code) }
            if !error.pathString.isEmpty { w.member("path") { w.string(error.pathString) } }
            w.member("message") { w.string((location + [error.description]).joined(separator: ": ")) }
        }
        return Answer(status: status, body: w.output, outcome: code)
    }

    /// Records a rejected body in the store (best effort: a failing store must not turn a 400
    /// into a 503).
    private func record(_ item: ExtractedItem) async {
        _ = try? await committer.submit(item)
    }
}
