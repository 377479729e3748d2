/// One response of an IMAP server as it came over the wire: its line, cut where a literal
/// (`{N}` then CRLF then N bytes, RFC 9051 §4.3) was inserted, and the literals' bytes.
///
/// `texts.count == literals.count + 1`: the response reads `texts[0] literals[0] texts[1] …`;
/// each text but the last ends with the `{N}` that announced the literal after it, and the last
/// has its CRLF removed.
public struct ResponseUnit: Sendable, Equatable {
    /// The line's pieces between literals.
    public var texts: [[UInt8]]
    /// The literals' bytes, in order.
    public var literals: [[UInt8]]

    /// Creates a unit.
    public init(texts: [[UInt8]], literals: [[UInt8]] = []) {
        self.texts = texts
        self.literals = literals
    }
}

/// What a server sent that cannot be an IMAP response: a line or a literal over the caps.
public struct IMAPProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Cuts the bytes a server sends into response units, as they arrive, in bounded memory: a
/// line is at most `maxLineBytes` (not counting literals), a literal at most
/// `maxLiteralBytes`; more is an error (a hostile or broken server), never an allocation.
public struct ResponseFramer: Sendable {
    /// Longest line (without its literals) accepted.
    public let maxLineBytes: Int
    /// Largest literal accepted.
    public let maxLiteralBytes: Int

    private var buffer: [UInt8] = []
    /// Where the unread bytes start in `buffer`.
    private var start = 0
    /// Where the search for the line's end resumes (bytes before it hold no LF).
    private var scanned = 0
    /// The unit being assembled (its earlier texts and literals).
    private var texts: [[UInt8]] = []
    private var literals: [[UInt8]] = []
    /// The line length so far of the unit being assembled.
    private var lineBytes = 0
    /// The length of the literal awaited, once its `{N}` line is in.
    private var literalAwaited: Int?

    /// Creates a framer with these caps.
    public init(maxLineBytes: Int = 1 << 20, maxLiteralBytes: Int = 64 << 20) {
        self.maxLineBytes = maxLineBytes
        self.maxLiteralBytes = maxLiteralBytes
    }

    /// Bytes held that are not yet part of a returned unit.
    public var bufferedBytes: Int { buffer.count - start }

    /// Adds bytes as they arrived.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete unit, or nil when more bytes are needed.
    public mutating func next() throws(IMAPProtocolError) -> ResponseUnit? {
        while true {
            if let n = literalAwaited {
                guard buffer.count - start >= n else { return nil }
                literals.append(Array(buffer[start..<start + n]))
                start += n
                scanned = start
                literalAwaited = nil
                continue
            }
            guard let lf = lineFeed() else {
                if lineBytes + (buffer.count - start) > maxLineBytes {
                    throw IMAPProtocolError("server sent a line over \(maxLineBytes) bytes")
                }
                return nil
            }
            var end = lf
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            let piece = Array(buffer[start..<end])
            lineBytes += piece.count
            if lineBytes > maxLineBytes {
                throw IMAPProtocolError("server sent a line over \(maxLineBytes) bytes")
            }
            start = lf + 1
            scanned = start
            if let n = Self.literalLength(atEndOf: piece) {
                guard n <= maxLiteralBytes else {
                    throw IMAPProtocolError("server announced a literal of \(n) bytes, over the \(maxLiteralBytes) cap")
                }
                texts.append(piece)
                literalAwaited = n
                continue
            }
            texts.append(piece)
            let unit = ResponseUnit(texts: texts, literals: literals)
            texts = []
            literals = []
            lineBytes = 0
            return unit
        }
    }

    /// The index of the next LF at or after `scanned`, remembering how far it looked.
    private mutating func lineFeed() -> Int? {
        var i = scanned
        while i < buffer.count {
            if buffer[i] == 0x0A { return i }
            i += 1
        }
        scanned = i
        return nil
    }

    /// N when `line` ends with `{N}` or `{N+}` (a non-synchronizing literal, RFC 7888).
    static func literalLength(atEndOf line: [UInt8]) -> Int? {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var i = line.count - 2
        if i >= 0 && line[i] == UInt8(ascii: "+") { i -= 1 }
        var value = 0
        var digits = 0
        var scale = 1
        while i >= 0, line[i] >= 0x30, line[i] <= 0x39 {
            guard digits < 12 else { return nil }
            value += Int(line[i] - 0x30) * scale
            scale *= 10
            digits += 1
            i -= 1
        }
        guard digits > 0, i >= 0, line[i] == UInt8(ascii: "{") else { return nil }
        return value
    }
}
