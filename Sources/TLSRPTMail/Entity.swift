import Foundation

/// One MIME entity (a message or a body part) inside a message's bytes: its unfolded header
/// fields and the byte range of its body. Works with CRLF and bare-LF line ends alike (mail in
/// mbox and Maildir files has LF; on the wire, CRLF).
struct Entity {
    var headers: [Header]
    var body: Range<Int>

    /// Most header fields read per entity; a hostile message cannot make us keep more.
    static let maxHeaders = 1000

    /// Parses the header block at the start of `range`; the body is the rest after the blank line.
    static func parse(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Entity {
        var headers: [Header] = []
        var i = range.lowerBound
        var current: (name: String, value: [UInt8])?
        func flush() {
            if let c = current, headers.count < maxHeaders {
                headers.append(Header(name: c.name, value: String(decoding: c.value, as: UTF8.self)))
            }
            current = nil
        }
        while i < range.upperBound {
            let lineEnd = nextLineEnd(p, i, range.upperBound)
            var contentEnd = lineEnd.contentEnd
            if contentEnd > i && p[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            if contentEnd == i {
                // Blank line: the body starts after it.
                flush()
                return Entity(headers: headers, body: lineEnd.next..<range.upperBound)
            }
            let first = p[i]
            if first == 0x20 || first == 0x09 {
                // Folded continuation (RFC 5322 §2.2.3).
                if current != nil {
                    current!.value.append(0x20)
                    var j = i
                    while j < contentEnd, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
                    if (current!.value.count + contentEnd - j) <= 1_048_576 {
                        current!.value.append(contentsOf: UnsafeBufferPointer(rebasing: p[j..<contentEnd]))
                    }
                }
            } else if let colon = (i..<contentEnd).first(where: { p[$0] == UInt8(ascii: ":") }) {
                flush()
                var nameStart = i
                var nameEnd = colon
                while nameStart < nameEnd, p[nameStart] == 0x20 || p[nameStart] == 0x09 { nameStart += 1 }
                while nameEnd > nameStart, p[nameEnd - 1] == 0x20 || p[nameEnd - 1] == 0x09 { nameEnd -= 1 }
                // Lower-cased as bytes (names are ASCII; `lowercased()` made a second String).
                let name = String(unsafeUninitializedCapacity: nameEnd - nameStart) { out in
                    for k in nameStart..<nameEnd {
                        let b = p[k]
                        out[k - nameStart] = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                    }
                    return nameEnd - nameStart
                }
                var j = colon + 1
                while j < contentEnd, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
                current = (name, Array(UnsafeBufferPointer(rebasing: p[j..<contentEnd])))
            } else {
                // Not a header line: the header block ended without a blank line (an mbox
                // "From " line, or a broken message). Treat the rest as body.
                flush()
                return Entity(headers: headers, body: i..<range.upperBound)
            }
            i = lineEnd.next
        }
        flush()
        return Entity(headers: headers, body: range.upperBound..<range.upperBound)
    }

    /// The end of the line content (before `\n`) and where the next line starts.
    @inline(__always)
    static func nextLineEnd(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ limit: Int) -> (contentEnd: Int, next: Int)
    {
        guard from < limit, let base = p.baseAddress else { return (limit, limit) }
        if let hit = memchr(base + from, 0x0A, limit - from) {
            let nl = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            return (nl, nl + 1)
        }
        return (limit, limit)
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    var contentType: ContentType {
        ContentType(header("content-type") ?? "text/plain")
    }

    /// The file name from Content-Disposition or the `name` parameter of `type` (this
    /// entity's Content-Type, parsed once by the caller).
    func filename(type: ContentType) -> String? {
        if let d = header("content-disposition") {
            let cd = ContentType(d)
            if let f = cd.parameters["filename"] { return f }
        }
        return type.parameters["name"]
    }

    /// The body with its Content-Transfer-Encoding undone.
    func decodedBody(_ p: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let raw = UnsafeBufferPointer(rebasing: p[body])
        switch (header("content-transfer-encoding") ?? "").trimmingBlanks().lowercased() {
        case "base64": return TransferEncoding.decodeBase64(raw)
        case "quoted-printable": return TransferEncoding.decodeQuotedPrintable(raw)
        default: return Array(raw)
        }
    }

    /// The body ranges of the parts of a multipart body (RFC 2046 §5.1.1). The line break
    /// before a delimiter belongs to the delimiter. A missing close delimiter (a cut message)
    /// ends the last part at the end of the body.
    static func splitMultipart(_ p: UnsafeBufferPointer<UInt8>, _ body: Range<Int>, boundary: String) -> [Range<Int>] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [Range<Int>] = []
        var partStart: Int?
        var i = body.lowerBound
        while i < body.upperBound {
            let line = nextLineEnd(p, i, body.upperBound)
            if line.contentEnd - i >= delimiter.count, p[i] == 0x2D, p[i + 1] == 0x2D,
                UnsafeBufferPointer(rebasing: p[i..<(i + delimiter.count)]).elementsEqual(delimiter)
            {
                var rest = i + delimiter.count
                let isClose =
                    rest + 1 < line.contentEnd + 1 && rest + 2 <= line.contentEnd && p[rest] == 0x2D
                    && p[rest + 1] == 0x2D
                if isClose { rest += 2 }
                // Only white space may follow a delimiter (transport padding).
                var onlySpace = true
                for k in rest..<line.contentEnd where p[k] != 0x20 && p[k] != 0x09 && p[k] != 0x0D {
                    onlySpace = false
                    break
                }
                if onlySpace {
                    if let s = partStart {
                        var end = i
                        // Drop the CRLF/LF that precedes the delimiter.
                        if end > s && p[end - 1] == 0x0A { end -= 1 }
                        if end > s && p[end - 1] == 0x0D { end -= 1 }
                        parts.append(s..<max(s, end))
                    }
                    if isClose { return parts }
                    partStart = line.next
                    i = line.next
                    continue
                }
            }
            i = line.next
        }
        if let s = partStart, s < body.upperBound { parts.append(s..<body.upperBound) }
        return parts
    }
}

/// A parsed `Content-Type` (or `Content-Disposition`) value: the lower-cased media type and its
/// parameters, with quoted strings and RFC 2231 `name*=charset''percent-encoded` values read.
struct ContentType {
    var mediaType: String
    var parameters: [String: String] = [:]

    /// Works on the value's UTF-8 bytes: split, trimmed and cut there, with a String made only
    /// for each name and value kept (done with Characters, this was the largest part of
    /// splitting a report mail: BENCHMARKS.md §2).
    init(_ value: String) {
        let bytes = Array(value.utf8)
        let pieces = ContentType.splitParameters(bytes)
        func text(_ r: Range<Int>) -> String { String(decoding: bytes[blankTrimmed(bytes, r)], as: UTF8.self) }
        mediaType = text(pieces[0]).lowercased()
        for piece in pieces.dropFirst() {
            guard let eq = bytes[piece].firstIndex(of: UInt8(ascii: "=")) else { continue }
            let (name, v) = Self.parameter(name: text(piece.lowerBound..<eq), value: text((eq + 1)..<piece.upperBound))
            if parameters[name] == nil { parameters[name] = v }
        }
    }

    /// A parameter as written (blanks trimmed) to what it means: the name lower-cased, a quoted
    /// value unquoted, an RFC 2231 `name*=charset'language'percent-encoded` value decoded.
    static func parameter(name written: String, value: String) -> (name: String, value: String) {
        var name = written.lowercased()
        var v = value
        if v.hasPrefix("\""), v.hasSuffix("\""), v.utf8.count >= 2 {
            v = String(v.dropFirst().dropLast())
            // Foundation's search was 14 % of reading a real report mail: only for an escape.
            if v.utf8.contains(UInt8(ascii: "\\")) { v = v.replacingOccurrences(of: "\\\"", with: "\"") }
        }
        if name.hasSuffix("*") {
            name.removeLast()
            let parts = v.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 { v = String(parts[2]).removingPercentEncoding ?? String(parts[2]) }
        }
        return (name, v)
    }

    /// The ranges of `bytes` between `;` outside quoted strings (a backslash in a quoted string
    /// escapes the next byte). Always at least one.
    static func splitParameters(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var quoted = false
        var escaped = false
        for (i, b) in bytes.enumerated() {
            if escaped {
                escaped = false
            } else if b == UInt8(ascii: "\\") && quoted {
                escaped = true
            } else if b == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if b == UInt8(ascii: ";") && !quoted {
                out.append(start..<i)
                start = i + 1
            }
        }
        out.append(start..<bytes.count)
        return out
    }
}

/// `r` without the spaces and tabs at either end.
func blankTrimmed(_ bytes: [UInt8], _ r: Range<Int>) -> Range<Int> {
    var lower = r.lowerBound
    var upper = r.upperBound
    while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
    while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
    return lower..<upper
}
