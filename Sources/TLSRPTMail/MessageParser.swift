import TLSRPT

/// Finds the TLS report attachments in one mail message (RFC 8460 §5.3: a
/// `multipart/report; report-type=tlsrpt` with the report as `application/tlsrpt+gzip` or
/// `+json`), walking MIME structure at any depth, including forwarded `message/rfc822`.
///
/// Real mail deviates, so a part counts as a report when any of these holds:
/// - its type is `application/tlsrpt+gzip`, `+json`, or bare `application/tlsrpt` (a Stalwart
///   test mail), `application/gzip`/`x-gzip`, `application/zip`, or `application/json`;
/// - its file name ends in `.json`, `.json.gz`, `.gz` or `.zip` (`application/octet-stream`);
/// - its decoded bytes are gzip or zip under any `application/*` type, or JSON that mentions
///   `"policies"` under any type at all (the JSON is sniffed regardless of label).
/// The human-readable text part of a report mail matches none of these and is passed over.
struct MessageParser {
    /// One report attachment, decoded from its transfer encoding.
    struct Attachment {
        /// `1`, `2.1`, …: the MIME part number (RFC 3501 style).
        var partPath: String
        var bytes: [UInt8]
    }

    struct Extraction {
        var attachments: [Attachment] = []
        var context = MailContext()
        /// Why nothing was found, when something specific went wrong.
        var problem: String?
        /// Whether parts were passed over for nesting too deep.
        var tooDeep = false
    }

    /// Largest decoded part kept.
    let maxPartBytes: Int
    /// Most MIME parts walked (a message with more is cut there) and deepest nesting walked
    /// (deeper parts are passed over).
    var limits = MailLimits()

    /// Whether `head` looks like the start of an RFC 5322 message (a header field first).
    static func looksLikeMail(_ head: ArraySlice<UInt8>) -> Bool {
        // A header field name (letters, digits, `-`, `_` in practice), then a colon.
        var sawName = false
        for b in head {
            if b == UInt8(ascii: ":") { return sawName }
            let isNameByte =
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D
                || b == 0x5F
            if !isNameByte { return false }
            sawName = true
        }
        return false
    }

    func extract(_ message: [UInt8]) -> Extraction {
        var out = Extraction()
        var parts = 0
        message.withUnsafeBufferPointer { p in
            let entity = Entity.parse(p, 0..<p.count)
            out.context = Self.context(from: entity.headers)
            walk(entity, in: p, path: [], depth: 0, parts: &parts, into: &out)
        }
        if parts > limits.maxParts {
            out.problem = "message has more than \(limits.maxParts) MIME parts; the rest were not read"
        } else if out.tooDeep {
            out.problem = "MIME parts nested deeper than \(limits.maxDepth) levels were not read"
        }
        return out
    }

    private func walk(
        _ entity: Entity, in p: UnsafeBufferPointer<UInt8>, path: [Int], depth: Int, parts: inout Int,
        into out: inout Extraction
    ) {
        parts += 1
        guard parts <= limits.maxParts else { return }
        guard depth <= limits.maxDepth else {
            out.tooDeep = true
            return
        }
        let type = entity.contentType
        if type.mediaType.hasPrefix("multipart/"), let boundary = type.parameters["boundary"], !boundary.isEmpty {
            let bodies = Entity.splitMultipart(p, entity.body, boundary: boundary)
            for (i, range) in bodies.enumerated() {
                let child = Entity.parse(p, range)
                walk(child, in: p, path: path + [i + 1], depth: depth + 1, parts: &parts, into: &out)
                if parts > limits.maxParts { return }
            }
            return
        }
        if type.mediaType == "message/rfc822" || type.mediaType == "message/global" {
            let decoded = entity.decodedBody(p)
            // A forwarded report: read the inner message; its TLS-Report-Domain fills a gap.
            decoded.withUnsafeBufferPointer { inner in
                let child = Entity.parse(inner, 0..<inner.count)
                let innerContext = Self.context(from: child.headers)
                if out.context.reportDomain == nil { out.context.reportDomain = innerContext.reportDomain }
                if out.context.reportSubmitter == nil { out.context.reportSubmitter = innerContext.reportSubmitter }
                var nested = Extraction()
                walk(child, in: inner, path: path.isEmpty ? [1] : path, depth: depth + 1, parts: &parts, into: &nested)
                out.attachments += nested.attachments
            }
            return
        }
        let partPath = path.isEmpty ? "1" : path.map(String.init).joined(separator: ".")
        let name = (entity.filename(type: type) ?? "").lowercased()
        let media = type.mediaType
        let labelled =
            media.hasPrefix("application/tlsrpt") || media == "application/gzip" || media == "application/x-gzip"
            || media == "application/zip" || media == "application/x-zip-compressed" || media == "application/json"
        let named = name.hasSuffix(".json") || name.hasSuffix(".gz") || name.hasSuffix(".zip")
        let decoded = entity.decodedBody(p)
        guard decoded.count <= maxPartBytes else {
            // Keep a cut-down copy: the decoder will report it as too large with the part named.
            if labelled || named {
                out.attachments.append(Attachment(partPath: partPath, bytes: Array(decoded.prefix(maxPartBytes + 1))))
            }
            return
        }
        if labelled || named {
            out.attachments.append(Attachment(partPath: partPath, bytes: decoded))
            return
        }
        switch ReportDecoder.sniff(decoded) {
        case .gzip where media.hasPrefix("application/"), .zip where media.hasPrefix("application/"):
            out.attachments.append(Attachment(partPath: partPath, bytes: decoded))
        case .json where Self.mentionsPolicies(decoded):
            out.attachments.append(Attachment(partPath: partPath, bytes: decoded))
        default:
            break
        }
    }

    static func mentionsPolicies(_ bytes: [UInt8]) -> Bool {
        let needle = Array("\"policies\"".utf8)
        guard bytes.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    static func context(from headers: [Header]) -> MailContext {
        func first(_ name: String) -> String? {
            headers.first { $0.name == name }.map { $0.value.trimmingBlanks() }
        }
        return MailContext(
            reportDomain: first("tls-report-domain"), reportSubmitter: first("tls-report-submitter"),
            subject: first("subject"), messageID: first("message-id"), date: first("date"), from: first("from"))
    }
}

/// A header field, name lower-cased, value unfolded.
struct Header {
    var name: String
    var value: String
}

extension String {
    /// Without the spaces and tabs at either end.
    func trimmingBlanks() -> String {
        let u = utf8
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        // After the last byte that is not blank: a blank or the end follows, so a boundary.
        let end = u.index(after: u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!)
        if first == u.startIndex && end == u.endIndex { return self }
        return String(self[first..<end])
    }
}
