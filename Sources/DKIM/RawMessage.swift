/// A mail message as DKIM sees it: its header fields as sent (each with its folding) and its
/// body, with every line ending CRLF (mailboxes on disk store LF; DKIM hashes CRLF lines).
struct RawMessage {
    /// Header fields, top to bottom: the name as written and the whole field without its
    /// final CRLF.
    var fields: [(name: String, raw: [UInt8])] = []
    /// The body after the blank line, CRLF line ends.
    var body: [UInt8] = []

    init(_ bytes: [UInt8]) {
        let text = Self.crlf(bytes)
        var i = 0
        var current: [UInt8] = []
        func finish() {
            guard !current.isEmpty else { return }
            let nameEnd = current.firstIndex(of: UInt8(ascii: ":")) ?? current.count
            var name = Array(current[..<nameEnd])
            while let l = name.last, l == 0x20 || l == 0x09 { name.removeLast() }
            fields.append((String(decoding: name, as: UTF8.self), current))
            current = []
        }
        while i < text.count {
            var end = i
            while end + 1 < text.count && !(text[end] == 13 && text[end + 1] == 10) { end += 1 }
            if end + 1 >= text.count { end = text.count }
            let line = text[i..<end]
            let next = min(end + 2, text.count)
            if line.isEmpty {
                finish()
                body = Array(text[next...])
                return
            }
            if let first = line.first, first == 0x20 || first == 0x09, !current.isEmpty {
                current += [13, 10] + line  // a continuation line
            } else {
                finish()
                current = Array(line)
            }
            i = next
        }
        finish()
    }

    /// The bytes with every bare LF made CRLF.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for b in bytes {
            if b == 10 && previous != 13 { out.append(13) }
            out.append(b)
            previous = b
        }
        return out
    }

    /// The value of the first field named `name` (any case), unfolded and trimmed.
    func value(_ name: String) -> String? {
        let lower = name.lowercased()
        guard let f = fields.first(where: { $0.name.lowercased() == lower }) else { return nil }
        let raw = f.raw
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return String(decoding: raw[(colon + 1)...].filter { $0 != 13 && $0 != 10 }, as: UTF8.self).trimmingFWS()
    }
}
