/// DKIM canonicalization (RFC 6376 §3.4): how header fields and the body are made into the bytes
/// that are hashed, `simple` (as they are) or `relaxed` (white space and header-name case
/// normalized).
public enum Canonicalization: String, Sendable {
    case simple, relaxed

    /// One header field (name, colon, value with its folding, without the final CRLF) in this
    /// canonical form, with CRLF appended unless `final` (the signature's own field).
    func header(_ raw: [UInt8], final: Bool = false) -> [UInt8] {
        switch self {
        case .simple:
            return final ? raw : raw + [13, 10]
        case .relaxed:
            guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return raw }
            var name = Array(raw[..<colon])
            while let l = name.last, l == 0x20 || l == 0x09 { name.removeLast() }
            var out = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
            out.append(UInt8(ascii: ":"))
            // Unfold, then runs of white space to one space, then trim both ends.
            var value: [UInt8] = []
            var pendingSpace = false
            for b in raw[(colon + 1)...] {
                if b == 13 || b == 10 { continue }
                if b == 0x20 || b == 0x09 {
                    pendingSpace = true
                    continue
                }
                if pendingSpace && !value.isEmpty { value.append(0x20) }
                pendingSpace = false
                value.append(b)
            }
            out += value
            if !final { out += [13, 10] }
            return out
        }
    }

    /// `header(_:)` for tests: one field in this form, with its CRLF.
    public func headerForTests(_ raw: [UInt8]) -> [UInt8] { header(raw) }

    /// The body (the bytes after the blank line, with CRLF line ends) in this canonical form.
    /// `limit` (an `l=` tag) is not supported here: signatures with `l=` fail before this.
    public func body(_ body: [UInt8]) -> [UInt8] {
        var lines = Self.lines(body)
        if self == .relaxed {
            lines = lines.map { line in
                var out: [UInt8] = []
                var pendingSpace = false
                for b in line {
                    if b == 0x20 || b == 0x09 {
                        pendingSpace = true
                        continue
                    }
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    out.append(b)
                }
                return out  // trailing white space dropped
            }
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        if lines.isEmpty {
            // An empty body is CRLF in simple and nothing in relaxed (RFC 6376 §3.4.3, §3.4.4).
            return self == .simple ? [13, 10] : []
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 2)
        for line in lines { out += line + [13, 10] }
        return out
    }

    /// Lines without their CRLF; a last line without one counts as a line.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10 {
                var end = i
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                lines.append(Array(bytes[start..<end]))
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { lines.append(Array(bytes[start...])) }
        return lines
    }
}
