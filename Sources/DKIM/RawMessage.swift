/// A mail message as DKIM sees it: its header fields as sent (each with its folding, line ends
/// made CRLF: mailboxes on disk store LF, DKIM hashes CRLF lines) and its body as stored (LF
/// or CRLF; `Canonicalization.body` reads either).
struct RawMessage {
    /// One header field.
    struct Field {
        /// The name as written.
        var name: String
        /// The name in lower case, for lookups.
        var lowerName: String
        /// The whole field, continuation lines joined with CRLF, without its final line end.
        var raw: [UInt8]
    }

    /// Header fields, top to bottom.
    var fields: [Field] = []
    /// The body after the blank line, as stored.
    var body: ArraySlice<UInt8> = []

    init(_ bytes: [UInt8]) {
        var i = 0
        var current: [UInt8] = []
        func finish() {
            guard !current.isEmpty else { return }
            var nameEnd = current.firstIndex(of: UInt8(ascii: ":")) ?? current.count
            while nameEnd > 0, current[nameEnd - 1] == 0x20 || current[nameEnd - 1] == 0x09 { nameEnd -= 1 }
            let name = String(decoding: current[..<nameEnd], as: UTF8.self)
            fields.append(Field(name: name, lowerName: name.lowercased(), raw: current))
            current = []
        }
        while i < bytes.count {
            let lf = bytes[i...].firstIndex(of: 10) ?? bytes.count
            var end = lf
            if end > i && bytes[end - 1] == 13 { end -= 1 }
            let line = bytes[i..<end]
            let next = min(lf + 1, bytes.count)
            if line.isEmpty {
                finish()
                body = bytes[next...]
                return
            }
            if let first = line.first, first == 0x20 || first == 0x09, !current.isEmpty {
                current += [13, 10]  // a continuation line
                current += line
            } else {
                finish()
                current = Array(line)
            }
            i = next
        }
        finish()
    }

    /// The value of the first field named `name` (any case), unfolded and trimmed.
    func value(_ name: String) -> String? {
        let lower = name.lowercased()
        guard let f = fields.first(where: { $0.lowerName == lower }) else { return nil }
        guard let colon = f.raw.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return String(decoding: f.raw[(colon + 1)...].filter { $0 != 13 && $0 != 10 }, as: UTF8.self).trimmingFWS()
    }
}
