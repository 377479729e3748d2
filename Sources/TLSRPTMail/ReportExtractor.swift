import TLSRPT

/// One outcome of reading the inputs: what `check` prints and `ingest` stores.
public enum ExtractedItem: Sendable {
    /// A valid report, with the payload it came from.
    case report(Report, Payload)
    /// A payload (or input) that is not a valid report, with the reason. `bytes` are the raw
    /// bytes when there were any, for the rejected-input record.
    case rejected(Provenance, ReportError, bytes: [UInt8]?, channel: Payload.Channel)
    /// A mail message inside a mbox or Maildir with no report in it: skipped, counted.
    case messageWithoutReport(Provenance, reason: String)
}

/// Inputs in, reports out: walks the paths with `InputWalker`, decodes every payload with
/// `ReportDecoder`, and passes on each outcome. A bad payload is one `.rejected` item and never
/// stops the walk.
public struct ReportExtractor: Sendable {
    /// The decoder (and its caps).
    public var decoder: ReportDecoder
    /// The walker (and its caps).
    public var walker: InputWalker

    /// Creates an extractor with the given caps.
    public init(limits: DecodeLimits = DecodeLimits(), mailLimits: MailLimits = MailLimits()) {
        decoder = ReportDecoder(limits: limits)
        walker = InputWalker(maxPayloadBytes: limits.maxReportBytes, mailLimits: mailLimits)
    }

    /// Reads `paths` and calls `handle` with every outcome, in input order.
    public func extract(_ paths: [String], _ handle: (ExtractedItem) throws -> Void) rethrows {
        try walker.walk(paths) { event in try dispatch(event, handle) }
    }

    /// Reads a container held in memory (as a file called `name`).
    public func extract(bytes: [UInt8], name: String, _ handle: (ExtractedItem) throws -> Void) rethrows {
        try walker.walk(bytes: bytes, name: name) { event in try dispatch(event, handle) }
    }

    /// Reads one mail message held in memory (a message fetched over IMAP): its report
    /// attachments, or one `.messageWithoutReport` when it has none. `origin` names the message
    /// (its IMAP URL); sources inside it add `part N`.
    public func extract(message bytes: [UInt8], origin: String, _ handle: (ExtractedItem) throws -> Void) rethrows {
        try walker.walk(message: bytes, origin: origin) { event in try dispatch(event, handle) }
    }

    /// The outcomes of one walker event, in order: a payload's reports and rejections, a message
    /// without a report, an input that failed. What `extract` does with each event.
    public func dispatch(_ event: InputEvent, _ handle: (ExtractedItem) throws -> Void) rethrows {
        switch event {
        case .payload(let payload):
            try decode(payload, handle)
        case .noReport(let provenance, let reason, let topLevel):
            if topLevel {
                try handle(
                    .rejected(
                        provenance, ReportError(.noReport, "no report: \(reason)"), bytes: nil,
                        channel: provenance.steps.isEmpty ? .file : .mail))
            } else {
                try handle(.messageWithoutReport(provenance, reason: reason))
            }
        case .failed(let provenance, let error):
            try handle(.rejected(provenance, error, bytes: nil, channel: provenance.steps.isEmpty ? .file : .mail))
        }
    }

    /// Decodes one payload (a file, an attachment, a POST body) into its outcomes.
    public func decode(_ payload: Payload, _ handle: (ExtractedItem) throws -> Void) rethrows {
        var payload = payload
        if let pending = payload.pendingDKIM {
            payload.dkim = pending.verdict
            payload.requiresDKIMPass = pending.required
            if pending.required && payload.dkim?.isPass != true { payload.message = pending.message }
            payload.pendingDKIM = nil  // the message's bytes are let go of with it
        }
        let context = ReportNormalizer.Context(reportDomainHeader: payload.mail?.reportDomain)
        for document in decoder.decodeAll(payload.bytes, context: context) {
            var provenance = payload.provenance
            if let location = document.location { provenance = provenance.appending(location) }
            switch document.result {
            case .success where payload.requiresDKIMPass && payload.dkim?.isPass != true:
                // RFC 8460 §3: "Reports lacking such a signature MUST be ignored". Refused, not
                // lost: the whole mail is kept with the rejection, to be ingested again.
                let verdict = payload.dkim.map(\.description) ?? "not checked"
                try handle(
                    .rejected(
                        provenance,
                        ReportError(.dkim, "DKIM \(verdict): not stored under --dkim require (the whole mail is kept)"),
                        bytes: payload.message ?? payload.bytes, channel: payload.channel))
            case .success(let report):
                var p = payload
                p.provenance = provenance
                // A zip entry's own bytes, not the whole archive, are what the store keeps.
                if let raw = document.raw { p.bytes = raw }
                try handle(.report(report, p))
            case .failure(let error):
                try handle(.rejected(provenance, error, bytes: document.raw ?? payload.bytes, channel: payload.channel))
            }
        }
    }
}
