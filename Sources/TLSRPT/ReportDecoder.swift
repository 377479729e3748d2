/// Caps that keep hostile input in bounded time and memory.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest report JSON accepted, after decompression (default 20 MB, the contract's cap).
    public var maxReportBytes: Int
    /// Deepest JSON nesting accepted (a real report nests 5 deep).
    public var maxDepth: Int

    /// Creates limits; the defaults are the documented ones.
    public init(maxReportBytes: Int = 20_000_000, maxDepth: Int = 64) {
        self.maxReportBytes = maxReportBytes
        self.maxDepth = maxDepth
    }
}

/// One report-bearing document found in a payload, decoded or not.
public struct DecodedDocument: Sendable {
    /// Where in the payload it was, when the payload is a container (`zip entry a.json`).
    public var location: String?
    /// The report, or why there is none.
    public var result: Result<Report, ReportError>
    /// The document's own bytes when it is an entry of a container (a zip); nil when the
    /// document is the whole payload.
    public var raw: [UInt8]? = nil
}

/// From bytes to reports: sniffs gzip, zip or JSON by the bytes themselves (labels lie: plain
/// JSON is sent as `application/tlsrpt+gzip`, gzip as `application/octet-stream`), decompresses
/// within the caps, decodes the JSON and normalizes it.
public struct ReportDecoder: Sendable {
    /// The caps in force.
    public var limits: DecodeLimits
    private let normalizer = ReportNormalizer()

    /// Creates a decoder with the given caps.
    public init(limits: DecodeLimits = DecodeLimits()) { self.limits = limits }

    /// What a payload looks like, judged by its first bytes.
    public enum Format: String, Sendable {
        case gzip, zip, json, empty, unknown
    }

    /// Sniffs the format of `bytes`.
    public static func sniff<C: Collection>(_ bytes: C) -> Format where C.Element == UInt8 {
        var it = bytes.makeIterator()
        guard let b0 = it.next() else { return .empty }
        let b1 = it.next()
        if b0 == 0x1F && b1 == 0x8B { return .gzip }
        if b0 == 0x50 && b1 == 0x4B {
            let b2 = it.next()
            let b3 = it.next()
            if (b2 == 3 && b3 == 4) || (b2 == 5 && b3 == 6) { return .zip }
            return .unknown
        }
        var b: UInt8? = b0
        var second = b1
        var skippedBOM = false
        // Skip a UTF-8 BOM and white space before the first JSON byte.
        if b0 == 0xEF && b1 == 0xBB {
            _ = it.next()
            b = it.next()
            second = nil
            skippedBOM = true
        }
        while let c = b, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
            if let s = second {
                b = s
                second = nil
            } else {
                b = it.next()
            }
        }
        guard let first = b else { return skippedBOM ? .empty : .empty }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .unknown
    }

    /// Decodes every report in `bytes` (one, or several for a zip with several entries).
    /// Never throws: each document carries its own result, so one bad entry costs no other.
    public func decodeAll(
        _ bytes: [UInt8], context: ReportNormalizer.Context = .init()
    ) -> [DecodedDocument] {
        bytes.withUnsafeBufferPointer { decodeAll($0, context: context, nesting: 0) }
    }

    /// Decodes a payload that must hold exactly one report (an HTTPS POST body, a mail attachment
    /// that is not a zip). A zip with several reports is an error here; use `decodeAll`.
    public func decode(_ bytes: [UInt8], context: ReportNormalizer.Context = .init()) throws(ReportError) -> Report {
        // The common shapes, JSON and gzipped JSON, without building a list of documents.
        switch Self.sniff(bytes) {
        case .json:
            return try bytes.withUnsafeBufferPointer { (p) throws(ReportError) -> Report in
                try decodeJSON(p, context: context)
            }
        case .gzip:
            let inflated = try bytes.withUnsafeBufferPointer { (p) throws(ReportError) -> [UInt8] in
                try Inflater.inflate(p, format: .gzip, limit: limits.maxReportBytes, sizeHint: Self.gzipSizeHint(p))
            }
            if Self.sniff(inflated) == .json {
                return try inflated.withUnsafeBufferPointer { (p) throws(ReportError) -> Report in
                    try decodeJSON(p, context: context)
                }
            }
            // Something else inside (a zip): decoded from the bytes already inflated.
            return try single(inflated.withUnsafeBufferPointer { decodeAll($0, context: context, nesting: 1) })
        default: break
        }
        return try single(decodeAll(bytes, context: context))
    }

    /// The one report of `docs`, or why there is not exactly one.
    private func single(_ docs: [DecodedDocument]) throws(ReportError) -> Report {
        guard docs.count == 1 else {
            throw ReportError(.invalidReport, "payload holds \(docs.count) reports where one was expected")
        }
        return try docs[0].result.get()
    }

    /// Decompresses gzip data within the report-size cap (for callers that keep the JSON).
    public func gunzip(_ bytes: [UInt8]) throws(ReportError) -> [UInt8] {
        try bytes.withUnsafeBufferPointer { (p) throws(ReportError) -> [UInt8] in
            try Inflater.inflate(p, format: .gzip, limit: limits.maxReportBytes, sizeHint: Self.gzipSizeHint(p))
        }
    }

    /// Decodes plain JSON text (already decompressed) into a report.
    public func decodeJSON(
        _ json: UnsafeBufferPointer<UInt8>, context: ReportNormalizer.Context = .init()
    ) throws(ReportError) -> Report {
        guard json.count <= limits.maxReportBytes else {
            throw ReportError(
                .tooLarge, "report is \(json.count) bytes, over the \(formatBytes(limits.maxReportBytes)) cap")
        }
        let wire = try WireReport.decode(json, maxDepth: limits.maxDepth)
        return try normalizer.normalize(wire, json: json, context: context)
    }

    private func decodeAll(
        _ bytes: UnsafeBufferPointer<UInt8>, context: ReportNormalizer.Context, nesting: Int
    ) -> [DecodedDocument] {
        func one(_ body: () throws(ReportError) -> Report) -> [DecodedDocument] {
            do {
                return [DecodedDocument(location: nil, result: .success(try body()))]
            } catch {
                return [DecodedDocument(location: nil, result: .failure(error))]
            }
        }
        switch Self.sniff(bytes) {
        case .empty:
            return one { () throws(ReportError) in throw ReportError(.empty, "no report: the input is empty") }
        case .json:
            return one { () throws(ReportError) in try decodeJSON(bytes, context: context) }
        case .gzip:
            let inflated: [UInt8]
            do {
                inflated = try Inflater.inflate(
                    bytes, format: .gzip, limit: limits.maxReportBytes, sizeHint: Self.gzipSizeHint(bytes))
            } catch {
                return [DecodedDocument(location: nil, result: .failure(error))]
            }
            guard nesting < 2 else {
                return one { () throws(ReportError) in throw ReportError(.unrecognizedFormat, "gzip nested too deep") }
            }
            return inflated.withUnsafeBufferPointer { decodeAll($0, context: context, nesting: nesting + 1) }
        case .zip:
            guard nesting < 2 else {
                return one { () throws(ReportError) in throw ReportError(.unrecognizedFormat, "zip nested too deep") }
            }
            return decodeZip(bytes, context: context, nesting: nesting)
        case .unknown:
            return one { () throws(ReportError) in
                throw ReportError(
                    .unrecognizedFormat, "not a TLS report: neither JSON, gzip nor zip (\(Self.describePrefix(bytes)))")
            }
        }
    }

    private func decodeZip(
        _ bytes: UnsafeBufferPointer<UInt8>, context: ReportNormalizer.Context, nesting: Int
    ) -> [DecodedDocument] {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes)
        } catch {
            return [DecodedDocument(location: nil, result: .failure(error))]
        }
        var out: [DecodedDocument] = []
        var budget = limits.maxReportBytes
        for entry in archive.entries where !entry.name.hasSuffix("/") {
            let location = "zip entry \(entry.name)"
            let contents: [UInt8]
            do {
                // One cap for the whole archive: many small entries cannot add up to a bomb.
                contents = try archive.contents(of: entry, limit: budget)
            } catch {
                out.append(DecodedDocument(location: location, result: .failure(error)))
                if error.kind == .tooLarge { break }
                continue
            }
            budget -= contents.count
            let format = Self.sniff(contents)
            let lower = entry.name.lowercased()
            let named = lower.hasSuffix(".json") || lower.hasSuffix(".json.gz") || lower.hasSuffix(".gz")
            // Entries that are neither named nor shaped like a report (a README) are passed over.
            guard named || format == .json || format == .gzip else { continue }
            let docs = contents.withUnsafeBufferPointer { decodeAll($0, context: context, nesting: nesting + 1) }
            for var d in docs {
                d.location = [location, d.location].compactMap { $0 }.joined(separator: ", ")
                if d.raw == nil { d.raw = contents }
                out.append(d)
            }
        }
        if out.isEmpty {
            out.append(
                DecodedDocument(
                    location: nil,
                    result: .failure(ReportError(.noReport, "zip archive holds no report (no JSON entry)"))))
        }
        return out
    }

    /// The uncompressed size a gzip member declares in its trailer (ISIZE, RFC 1952 §2.3.1).
    static func gzipSizeHint(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 18 else { return nil }
        let n = bytes.count
        let size = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        return size > 0 ? size + 1 : nil
    }

    static func describePrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let head = bytes.prefix(8)
        let printable = head.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if printable {
            return "starts with \"\(String(decoding: head, as: UTF8.self))\""
        }
        let hex = head.map { b -> String in
            let h = String(b, radix: 16, uppercase: true)
            return h.count == 1 ? "0" + h : h
        }
        return "starts with bytes \(hex.joined(separator: " "))"
    }
}
