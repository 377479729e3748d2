#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pull reader over JSON text held in memory, made for decoding reports without building a
/// document tree: the caller walks the objects it knows and skips the rest.
///
/// Rules (RFC 8259 and I-JSON, RFC 7493), with the leniency we allow stated here and nowhere else:
/// - a UTF-8 byte order mark before the value is skipped (seen from Windows-based tooling);
/// - strings must be valid UTF-8 (I-JSON §2.1); a lone `\uD800`-style surrogate escape becomes
///   U+FFFD instead of failing the whole report;
/// - raw control characters other than NUL inside strings are accepted (RFC 8259 §7 forbids
///   them; some hand-rolled reporters paste reason text verbatim);
/// - nesting deeper than `maxDepth` is refused, so hostile input cannot exhaust the stack;
/// - duplicate member names are detected by the caller for the members it knows.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int = 0
    var depth: Int = 0
    let maxDepth: Int
    /// The decoded text of each string with escape sequences read by `readWireString()`.
    var unescaped: [String] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
    }

    /// The kind of the next value, without consuming it.
    enum ValueKind { case object, array, string, number, bool, null }

    // MARK: - Errors

    /// An `invalidJSON` error at the current position, with line and column.
    func syntaxError(_ what: String, at offset: Int? = nil) -> ReportError {
        let offset = min(offset ?? pos, bytes.count)
        var line = 1
        var column = 1
        for i in 0..<offset {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        let found = offset < bytes.count ? "found \(Self.describeByte(bytes[offset]))" : "found end of input"
        return ReportError(
            .invalidJSON, "invalid JSON at line \(line), column \(column) (byte \(offset)): \(what), \(found)",
            byteOffset: offset)
    }

    static func describeByte(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }

    /// A short rendering of the next value, for "expected X, found Y" messages. Does not consume.
    func describeNextValue() -> String {
        var copy = self
        copy.skipWhitespace()
        guard copy.pos < bytes.count else { return "end of input" }
        switch bytes[copy.pos] {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""):
            guard let s = try? copy.readString() else { return "a malformed string" }
            let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return "\"\(shown.debugDescriptionInner)\""
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default:
            guard let range = try? copy.readNumberRange() else { return "invalid JSON" }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            return text.count > 40 ? String(text.prefix(40)) + "…" : text
        }
    }

    /// A `invalidReport` error saying what was expected here and what was found.
    func typeMismatch(_ expected: String) -> ReportError {
        ReportError(.invalidReport, "expected \(expected), found \(describeNextValue())")
    }

    // MARK: - Scanning

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    /// The kind of the next value; throws on end of input or a byte that starts no value.
    mutating func peekKind() throws(ReportError) -> ValueKind {
        skipWhitespace()
        guard pos < bytes.count else { throw syntaxError("expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw syntaxError("expected a value")
        }
    }

    /// After the top-level value: only white space may follow.
    mutating func expectEnd() throws(ReportError) {
        skipWhitespace()
        if pos != bytes.count { throw syntaxError("unexpected data after the JSON value") }
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8, _ what: String) throws(ReportError) {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == byte else { throw syntaxError(what) }
        pos += 1
    }

    private mutating func consumeLiteral(_ literal: StaticString) throws(ReportError) {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw syntaxError("invalid literal") }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != lit[i] { throw syntaxError("invalid literal", at: pos + i) }
        pos += n
    }

    // MARK: - Containers

    /// Reads an object, calling `member` once per member with the reader positioned on its value.
    /// `member` must consume the value (read it or `skipValue()`).
    mutating func readObject(
        _ member: (inout JSONReader, JSONKey) throws(ReportError) -> Void
    ) throws(ReportError) {
        try consume(UInt8(ascii: "{"), "expected '{'")
        depth += 1
        guard depth <= maxDepth else { throw syntaxError("nesting deeper than \(maxDepth) levels") }
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw syntaxError("expected a member name in double quotes")
            }
            let key = try readKey()
            try consume(UInt8(ascii: ":"), "expected ':' after a member name")
            try member(&self, key)
            skipWhitespace()
            guard pos < bytes.count else { throw syntaxError("expected ',' or '}'") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                depth -= 1
                return
            }
            throw syntaxError("expected ',' or '}'")
        }
    }

    /// Reads an array, calling `element` with each element's index; `element` must consume it.
    mutating func readArray(
        _ element: (inout JSONReader, Int) throws(ReportError) -> Void
    ) throws(ReportError) {
        try consume(UInt8(ascii: "["), "expected '['")
        depth += 1
        guard depth <= maxDepth else { throw syntaxError("nesting deeper than \(maxDepth) levels") }
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return
        }
        var index = 0
        while true {
            try element(&self, index)
            index += 1
            skipWhitespace()
            guard pos < bytes.count else { throw syntaxError("expected ',' or ']'") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                depth -= 1
                return
            }
            throw syntaxError("expected ',' or ']'")
        }
    }

    /// Consumes one value of any kind, checking its syntax.
    mutating func skipValue() throws(ReportError) {
        switch try peekKind() {
        case .object: try readObject { r, _ throws(ReportError) in try r.skipValue() }
        case .array: try readArray { r, _ throws(ReportError) in try r.skipValue() }
        case .string: try skipString()
        case .number: _ = try readNumberRange()
        case .bool: _ = try readBool()
        case .null: try consumeLiteral("null")
        }
    }

    // MARK: - Scalars

    mutating func readBool() throws(ReportError) -> Bool {
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "t") {
            try consumeLiteral("true")
            return true
        }
        try consumeLiteral("false")
        return false
    }

    /// Consumes `null` if it is next; returns whether it did.
    mutating func readNullIfPresent() throws(ReportError) -> Bool {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "n") else { return false }
        try consumeLiteral("null")
        return true
    }

    /// Reads a number token and returns its byte range (the text, unconverted).
    mutating func readNumberRange() throws(ReportError) -> Range<Int> {
        skipWhitespace()
        let start = pos
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw syntaxError("expected a digit") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw syntaxError("expected a digit after '.'") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw syntaxError("expected a digit in the exponent") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        return start..<pos
    }

    /// The text of a number token as a String.
    mutating func readNumberText() throws(ReportError) -> String {
        let range = try readNumberRange()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// Reads a member name.
    mutating func readKey() throws(ReportError) -> JSONKey {
        let (start, end, hasEscapes, _) = try scanString()
        if !hasEscapes {
            return JSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), decoded: nil)
        }
        let decoded = try decodeEscapedString(start..<end)
        return JSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), decoded: decoded)
    }

    /// Reads a string value, unescaped and validated as UTF-8.
    mutating func readString() throws(ReportError) -> String {
        let text = try readWireString()
        if text.escapedIndex >= 0 { return unescaped.removeLast() }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[text.range]), as: UTF8.self)
    }

    /// Reads a string value without making a String of it: where its text is (see `WireText`).
    /// Escapes and UTF-8 are checked here, as in `readString()`.
    mutating func readWireString() throws(ReportError) -> WireText {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw typeMismatch("a string") }
        let (start, end, hasEscapes, ascii) = try scanString()
        if !hasEscapes {
            if !ascii, let bad = Self.firstInvalidUTF8(bytes, start..<end) {
                throw syntaxError("invalid UTF-8 in a string (I-JSON requires UTF-8)", at: bad)
            }
            return WireText(range: start..<end)
        }
        unescaped.append(try decodeEscapedString(start..<end))
        return WireText(range: start..<end, escapedIndex: unescaped.count - 1)
    }

    /// Consumes a string, checking its escapes and UTF-8, without making a String of it.
    private mutating func skipString() throws(ReportError) {
        let (start, end, hasEscapes, ascii) = try scanString()
        if hasEscapes {
            _ = try decodeEscapedString(start..<end)
        } else if !ascii, let bad = Self.firstInvalidUTF8(bytes, start..<end) {
            throw syntaxError("invalid UTF-8 in a string (I-JSON requires UTF-8)", at: bad)
        }
    }

    private func invalidUTF8(in range: Range<Int>) -> ReportError {
        let offset = Self.firstInvalidUTF8(bytes, range) ?? range.lowerBound
        return syntaxError("invalid UTF-8 in a string (I-JSON requires UTF-8)", at: offset)
    }

    /// The offset of the first byte in `range` that does not start a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound {
            let b = p[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            let smallest: UInt32
            if b & 0xE0 == 0xC0 {
                length = 2
                smallest = 0x80
            } else if b & 0xF0 == 0xE0 {
                length = 3
                smallest = 0x800
            } else if b & 0xF8 == 0xF0 {
                length = 4
                smallest = 0x10000
            } else {
                return i
            }
            guard i + length <= range.upperBound else { return i }
            var v = UInt32(b) & (0xFF >> UInt32(length + 1))
            for k in 1..<length {
                let c = p[i + k]
                if c & 0xC0 != 0x80 { return i }
                v = v << 6 | UInt32(c & 0x3F)
            }
            if v < smallest || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) { return i }
            i += length
        }
        return nil
    }

    /// Positions after the closing quote; returns the content range, whether it has escapes, and
    /// whether every byte is ASCII (then no UTF-8 validation is needed).
    @inline(__always)
    private mutating func scanString() throws(ReportError) -> (Int, Int, Bool, Bool) {
        pos += 1  // opening quote
        let start = pos
        var hasEscapes = false
        var high: UInt8 = 0
        let count = bytes.count
        guard let base = bytes.baseAddress else { throw syntaxError("unterminated string") }
        var i = pos
        // Eight bytes at a time: the first quote, backslash or NUL in a word is found from the
        // word's bit mask (most strings are plain ASCII words with no escapes), byte by byte only
        // in the last few bytes of the input.
        let raw = UnsafeRawPointer(base)
        var highBits: UInt64 = 0
        while i + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let mask = Self.specialByteMask(word)
            if mask == 0 {
                highBits |= word
                i += 8
                continue
            }
            // The lowest flagged byte is exact (the bit trick may flag bytes after it, not before).
            let k = mask.trailingZeroBitCount >> 3
            if k > 0 { highBits |= word & (UInt64.max >> UInt64(64 - 8 * k)) }
            i += k
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                pos = i + 1
                return (start, i, hasEscapes, highBits & 0x8080_8080_8080_8080 == 0 && high < 0x80)
            }
            if b == UInt8(ascii: "\\") {
                hasEscapes = true
                i += 2
                continue
            }
            pos = i
            throw syntaxError("NUL byte inside a string")
        }
        if highBits & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
        while i < count {
            let b = base[i]
            high |= b
            if b == UInt8(ascii: "\"") {
                pos = i + 1
                return (start, i, hasEscapes, high < 0x80)
            }
            if b == UInt8(ascii: "\\") {
                hasEscapes = true
                i += 2
                continue
            }
            if b == 0 {
                pos = i
                throw syntaxError("NUL byte inside a string")
            }
            i += 1
        }
        pos = count
        throw syntaxError("unterminated string", at: start - 1)
    }

    /// The high bit of each byte of `word` that may be `"`, `\` or NUL: exact for the lowest
    /// such byte (the classic "has a zero byte" bit trick applied to the word and to its XOR with
    /// each of the two characters; a borrow can flag bytes above a true match, never below).
    @inline(__always)
    static func specialByteMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        return zeroByte(word) | zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x5C))
    }

    /// Whether any byte of `word` is `"`, `\` or NUL.
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool { specialByteMask(word) != 0 }

    private func decodeEscapedString(_ range: Range<Int>) throws(ReportError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < range.upperBound else { throw syntaxError("unfinished escape", at: i) }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i, limit: range.upperBound)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // High surrogate: a low one must follow to make one scalar.
                    if i + 6 <= range.upperBound, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                        let low = try? hex4(at: i + 2, limit: range.upperBound), low >= 0xDC00 && low < 0xE000
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                if scalar == 0 { throw syntaxError("NUL character (\\u0000) inside a string", at: i - 6) }
                appendUTF8(Unicode.Scalar(scalar)!, to: &out)
            default:
                throw syntaxError("invalid escape sequence", at: i - 1)
            }
        }
        let valid = out.withUnsafeBufferPointer { Self.firstInvalidUTF8($0, 0..<$0.count) == nil }
        guard valid else { throw invalidUTF8(in: range) }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(at i: Int, limit: Int) throws(ReportError) -> UInt32 {
        guard i + 4 <= limit else { throw syntaxError("\\u needs four hex digits", at: i) }
        var v: UInt32 = 0
        for j in i..<(i + 4) {
            let c = bytes[j]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw syntaxError("\\u needs four hex digits", at: j)
            }
            v = v << 4 | d
        }
        return v
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        for unit in UTF8.encode(scalar)! { out.append(unit) }
    }
}

/// A member name as it appears in the JSON, compared without allocating a String.
struct JSONKey {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Set when the name contained escapes.
    let decoded: String?

    /// Whether this member name is exactly `name`.
    @inline(__always)
    func matches(_ name: StaticString) -> Bool {
        if let decoded { return decoded == name.description }
        let n = name.utf8CodeUnitCount
        guard bytes.count == n else { return false }
        guard n > 0, let base = bytes.baseAddress else { return true }
        return memcmp(base, name.utf8Start, n) == 0
    }

    /// The name as a String (for messages and unknown members).
    var string: String { decoded ?? String(decoding: bytes, as: UTF8.self) }
}

extension String {
    /// The string escaped as in a Swift literal, without the surrounding quotes.
    var debugDescriptionInner: String {
        let d = debugDescription
        return String(d.dropFirst().dropLast())
    }
}
