/// Reads one `ResponseUnit` as an `IMAPResponse`. Lenient where servers differ (case of
/// keywords, extra spaces, unknown response kinds and FETCH items are skipped), strict where a
/// misreading would lose data: a FETCH whose values do not parse is an error, not a guess.
public enum ResponseParser {
    /// Parses a unit.
    public static func parse(_ unit: ResponseUnit) throws(IMAPProtocolError) -> IMAPResponse {
        var s = UnitScanner(unit)
        guard let first = s.peek() else { throw IMAPProtocolError("server sent an empty line") }
        if first == UInt8(ascii: "+") {
            s.advance()
            s.skipSpaces()
            return .continuation(s.restOfText())
        }
        if first == UInt8(ascii: "*") {
            s.advance()
            s.skipSpaces()
            return .untagged(try untagged(&s))
        }
        let tag = s.word()
        guard !tag.isEmpty else { throw IMAPProtocolError("server sent a line without a tag: \(s.preview)") }
        s.skipSpaces()
        guard let status = try statusResponse(&s) else {
            throw IMAPProtocolError("server sent a tagged line without OK, NO or BAD: \(s.preview)")
        }
        return .tagged(tag: tag, status)
    }

    /// `OK|NO|BAD|PREAUTH|BYE [code] text`, or nil (and the scanner unmoved) for another word.
    static func statusResponse(_ s: inout UnitScanner) throws(IMAPProtocolError) -> StatusResponse? {
        let mark = s.position
        guard let status = StatusResponse.Status(rawValue: s.word().uppercased()) else {
            s.position = mark
            return nil
        }
        s.skipSpaces()
        var code: ResponseCode?
        if s.peek() == UInt8(ascii: "[") {
            s.advance()
            let inside = s.text(until: UInt8(ascii: "]"))
            guard s.peek() == UInt8(ascii: "]") else { throw IMAPProtocolError("unterminated response code") }
            s.advance()
            let words = inside.split(separator: " ").map {
                String($0).trimmingCharacters(in: "()")
            }
            if let name = words.first {
                code = ResponseCode(name: name.uppercased(), arguments: Array(words.dropFirst()).filter { !$0.isEmpty })
            }
            s.skipSpaces()
        }
        return StatusResponse(status: status, code: code, text: s.restOfText())
    }

    static func untagged(_ s: inout UnitScanner) throws(IMAPProtocolError) -> UntaggedResponse {
        if let status = try statusResponse(&s) { return .status(status) }
        if let n = s.number() {
            s.skipSpaces()
            let keyword = s.word().uppercased()
            guard n <= Int(Int32.max) else { throw IMAPProtocolError("message number \(n) out of range") }
            switch keyword {
            case "EXISTS": return .exists(n)
            case "EXPUNGE": return .expunge(n)
            case "RECENT": return .recent(n)
            case "FETCH":
                s.skipSpaces()
                return .fetch(sequence: n, try fetchAttributes(&s))
            default: return .other(keyword: keyword)
            }
        }
        let keyword = s.word().uppercased()
        s.skipSpaces()
        switch keyword {
        case "CAPABILITY":
            return .capability(s.restOfText().split(separator: " ").map { $0.uppercased() })
        case "SEARCH":
            var uids: [UInt32] = []
            while true {
                s.skipSpaces()
                if let n = s.number() {
                    guard let uid = UInt32(exactly: n) else { throw IMAPProtocolError("UID \(n) out of range") }
                    uids.append(uid)
                } else if s.peek() == UInt8(ascii: "(") {
                    _ = try s.value()  // (MODSEQ n), RFC 7162
                } else {
                    break
                }
            }
            return .search(uids)
        case "LIST", "LSUB":
            guard case .list(let flagValues) = try s.value() else {
                throw IMAPProtocolError("LIST without flags: \(s.preview)")
            }
            s.skipSpaces()
            let delimiter: String?
            switch try s.value() {
            case .string(let d): delimiter = String(decoding: d, as: UTF8.self)
            default: delimiter = nil
            }
            s.skipSpaces()
            let name: [UInt8]
            switch try s.value() {
            case .string(let n): name = n
            case .atom(let a): name = Array(a.utf8)
            default: throw IMAPProtocolError("LIST without a mailbox name: \(s.preview)")
            }
            return .list(flags: flagValues.compactMap { $0.atomText }, delimiter: delimiter, name: name)
        default:
            return .other(keyword: keyword)
        }
    }

    static func fetchAttributes(_ s: inout UnitScanner) throws(IMAPProtocolError) -> FetchAttributes {
        guard s.peek() == UInt8(ascii: "(") else { throw IMAPProtocolError("FETCH without a list: \(s.preview)") }
        s.advance()
        var attributes = FetchAttributes()
        while true {
            s.skipSpaces()
            guard let c = s.peek() else { throw IMAPProtocolError("FETCH list not closed") }
            if c == UInt8(ascii: ")") {
                s.advance()
                return attributes
            }
            let name = s.fetchItemName().uppercased()
            guard !name.isEmpty else { throw IMAPProtocolError("FETCH item without a name: \(s.preview)") }
            s.skipSpaces()
            let value = try s.value()
            switch name {
            case "UID":
                guard case .number(let n) = value, let uid = UInt32(exactly: n) else {
                    throw IMAPProtocolError("FETCH UID is not a number")
                }
                attributes.uid = uid
            case "RFC822.SIZE":
                guard case .number(let n) = value else { throw IMAPProtocolError("FETCH RFC822.SIZE is not a number") }
                attributes.size = n
            case "BODY[]", "RFC822", "BINARY[]":
                switch value {
                case .string(let bytes): attributes.body = bytes
                case .nil: attributes.body = nil
                default: throw IMAPProtocolError("FETCH \(name) is not a string")
                }
            case "FLAGS":
                guard case .list(let items) = value else { throw IMAPProtocolError("FETCH FLAGS is not a list") }
                attributes.flags = items.compactMap { $0.atomText }
            default:
                break  // ENVELOPE, MODSEQ, INTERNALDATE, …: not asked for, skipped.
            }
        }
    }
}

/// A value in a response: what RFC 9051's grammar calls atoms, numbers, strings (quoted or
/// literal), NIL and parenthesized lists.
enum IMAPValue: Equatable {
    case atom(String)
    case number(Int)
    case string([UInt8])
    case `nil`
    case list([IMAPValue])

    var atomText: String? {
        switch self {
        case .atom(let a): return a
        case .string(let s): return String(decoding: s, as: UTF8.self)
        case .number(let n): return String(n)
        default: return nil
        }
    }
}

/// A cursor over a unit's texts and literals.
struct UnitScanner {
    let unit: ResponseUnit
    /// (text index, byte offset in that text).
    var position: (Int, Int) = (0, 0)

    init(_ unit: ResponseUnit) { self.unit = unit }

    var text: [UInt8] { unit.texts[position.0] }

    func peek() -> UInt8? {
        let t = unit.texts[position.0]
        return position.1 < t.count ? t[position.1] : nil
    }

    mutating func advance() { position.1 += 1 }

    mutating func skipSpaces() {
        while peek() == 0x20 { advance() }
    }

    /// The first bytes of what is left of this text, for error messages.
    var preview: String {
        let t = text[min(position.1, text.count)...].prefix(60)
        return String(decoding: t, as: UTF8.self)
    }

    /// Bytes up to the next space (or the end of this text).
    mutating func word() -> String {
        let begin = position.1
        while let c = peek(), c != 0x20 { advance() }
        return String(decoding: text[begin..<position.1], as: UTF8.self)
    }

    /// Bytes up to `stop` (not consumed) or the end of this text.
    mutating func text(until stop: UInt8) -> String {
        let begin = position.1
        while let c = peek(), c != stop { advance() }
        return String(decoding: text[begin..<position.1], as: UTF8.self)
    }

    /// What is left of this text (a status response's human-readable part).
    mutating func restOfText() -> String {
        let t = text
        let rest = String(decoding: t[min(position.1, t.count)...], as: UTF8.self)
        position.1 = t.count
        return rest
    }

    /// A run of digits as a number, or nil (unmoved) when none starts here.
    mutating func number() -> Int? {
        var value = 0
        var digits = 0
        while let c = peek(), c >= 0x30, c <= 0x39 {
            guard digits < 18 else { return nil }
            value = value * 10 + Int(c - 0x30)
            digits += 1
            advance()
        }
        guard digits > 0 else { return nil }
        if let c = peek(), c != 0x20, c != UInt8(ascii: ")") {
            // Digits followed by atom characters: an atom, not a number.
            position.1 -= digits
            return nil
        }
        return value
    }

    static func isAtomByte(_ c: UInt8) -> Bool {
        c > 0x20 && c < 0x7F && c != UInt8(ascii: "(") && c != UInt8(ascii: ")") && c != UInt8(ascii: "{")
            && c != UInt8(ascii: "\"") && c != UInt8(ascii: "]") && c != UInt8(ascii: "[")
    }

    /// A FETCH item name: an atom with an optional `[section]` (spaces allowed inside) and
    /// `<origin>` (`BODY[HEADER.FIELDS (FROM)]<0>`).
    mutating func fetchItemName() -> String {
        let begin = position.1
        while let c = peek(), Self.isAtomByte(c) { advance() }
        if peek() == UInt8(ascii: "[") {
            while let c = peek(), c != UInt8(ascii: "]") { advance() }
            if peek() == UInt8(ascii: "]") { advance() }
            if peek() == UInt8(ascii: "<") {
                while let c = peek(), c != UInt8(ascii: ">") { advance() }
                if peek() == UInt8(ascii: ">") { advance() }
            }
        }
        return String(decoding: text[begin..<position.1], as: UTF8.self)
    }

    /// One value, nested lists at most 32 deep.
    mutating func value(depth: Int = 0) throws(IMAPProtocolError) -> IMAPValue {
        guard depth < 32 else { throw IMAPProtocolError("lists nested too deep") }
        guard let c = peek() else { throw IMAPProtocolError("value expected at the end of the line") }
        switch c {
        case UInt8(ascii: "("):
            advance()
            var items: [IMAPValue] = []
            while true {
                skipSpaces()
                guard let d = peek() else { throw IMAPProtocolError("list not closed") }
                if d == UInt8(ascii: ")") {
                    advance()
                    return .list(items)
                }
                items.append(try value(depth: depth + 1))
            }
        case UInt8(ascii: "\""):
            advance()
            var bytes: [UInt8] = []
            while let d = peek() {
                advance()
                if d == UInt8(ascii: "\"") { return .string(bytes) }
                if d == UInt8(ascii: "\\"), let e = peek() {
                    advance()
                    bytes.append(e)
                } else {
                    bytes.append(d)
                }
            }
            throw IMAPProtocolError("quoted string not closed")
        case UInt8(ascii: "{"):
            // The `{N}` that ends this text announces the literal that follows it.
            while let d = peek(), d != UInt8(ascii: "}") { advance() }
            guard peek() == UInt8(ascii: "}"), position.1 == text.count - 1,
                position.0 < unit.literals.count
            else { throw IMAPProtocolError("malformed literal") }
            let literal = unit.literals[position.0]
            position = (position.0 + 1, 0)
            return .string(literal)
        default:
            if let n = number() { return .number(n) }
            let begin = position.1
            if c == UInt8(ascii: "\\") { advance() }
            while let d = peek(), Self.isAtomByte(d) { advance() }
            // An atom with a section (BODY[…]) as a value: keep its brackets.
            if peek() == UInt8(ascii: "[") {
                while let d = peek(), d != UInt8(ascii: "]") { advance() }
                if peek() == UInt8(ascii: "]") { advance() }
            }
            guard position.1 > begin else {
                throw IMAPProtocolError("unexpected byte \(c) in a response: \(preview)")
            }
            let atom = String(decoding: text[begin..<position.1], as: UTF8.self)
            return atom.uppercased() == "NIL" ? .nil : .atom(atom)
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
