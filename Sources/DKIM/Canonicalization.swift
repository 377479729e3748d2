import Crypto

/// DKIM canonicalization (RFC 6376 §3.4): how header fields and the body are made into the bytes
/// that are hashed, `simple` (as they are) or `relaxed` (white space and header-name case
/// normalized).
public enum Canonicalization: String, Sendable {
    case simple, relaxed

    /// One header field (name, colon, value with its folding, without the final CRLF) in this
    /// canonical form, with CRLF appended unless `final` (the signature's own field).
    public func header(_ raw: [UInt8], final: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        header(raw, final: final, into: &out)
        return out
    }

    /// `header(_:final:)`, appended to `out`.
    public func header(_ raw: [UInt8], final: Bool = false, into out: inout [UInt8]) {
        switch self {
        case .simple:
            out += raw
            if !final { out += [13, 10] }
        case .relaxed:
            guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else {
                out += raw
                return
            }
            // Written through a pointer into room made once (appending byte by byte checked
            // the array's capacity and uniqueness each time: a tenth of the verification).
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: raw.count + 3))
            let written = out.withUnsafeMutableBufferPointer { buffer in
                raw.withUnsafeBufferPointer { raw in
                    var n = start
                    var nameEnd = colon
                    while nameEnd > 0, raw[nameEnd - 1] == 0x20 || raw[nameEnd - 1] == 0x09 { nameEnd -= 1 }
                    for b in raw[..<nameEnd] {
                        buffer[n] = b >= 0x41 && b <= 0x5A ? b + 32 : b
                        n += 1
                    }
                    buffer[n] = UInt8(ascii: ":")
                    n += 1
                    // Unfold, then runs of white space to one space, then trim both ends.
                    let valueStart = n
                    var pendingSpace = false
                    for b in raw[(colon + 1)...] {
                        if b == 13 || b == 10 { continue }
                        if b == 0x20 || b == 0x09 {
                            pendingSpace = true
                            continue
                        }
                        if pendingSpace && n > valueStart {
                            buffer[n] = 0x20
                            n += 1
                        }
                        pendingSpace = false
                        buffer[n] = b
                        n += 1
                    }
                    if !final {
                        buffer[n] = 13
                        buffer[n + 1] = 10
                        n += 2
                    }
                    return n
                }
            }
            out.removeSubrange(written...)
        }
    }

    /// `header(_:)` for tests: one field in this form, with its CRLF.
    public func headerForTests(_ raw: [UInt8]) -> [UInt8] { header(raw) }

    /// The body (the bytes after the blank line; lines ending LF or CRLF, hashed as CRLF) in
    /// this canonical form. `l=` (a body length limit) is not supported here: signatures with
    /// `l=` fail before this.
    public func body(_ body: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        canonicalBody(Array(body)[...]) { out += $0 }
        return out
    }

    /// The SHA-256 of the canonical body, hashed as it is made (no copy of the body).
    public func bodyHash(_ body: ArraySlice<UInt8>) -> [UInt8] {
        // Gathered, then hashed at once: hashing line by line (and each CRLF) cost more in
        // calls than the hashing itself.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(body.count + body.count / 32 + 2)
        canonicalBody(body) { canonical.append(contentsOf: $0) }
        return Array(SHA256.hash(data: canonical))
    }

    /// Calls `emit` with the canonical body, piece by piece: each line, then CRLF. Empty lines
    /// are held back until a line with content follows, so trailing ones go (RFC 6376 §3.4.3,
    /// §3.4.4); an empty body is CRLF in simple and nothing in relaxed.
    func canonicalBody(_ body: ArraySlice<UInt8>, _ emit: (UnsafeBufferPointer<UInt8>) -> Void) {
        let crlf: [UInt8] = [13, 10]
        var scratch: [UInt8] = []
        var wrote = false
        crlf.withUnsafeBufferPointer { lineEnd in
            body.withUnsafeBufferPointer { buffer in
                var heldEmptyLines = 0
                var start = 0
                let n = buffer.count
                while start < n {
                    var lf = start
                    while lf < n && buffer[lf] != 10 { lf += 1 }
                    var end = lf
                    if end > start && buffer[end - 1] == 13 { end -= 1 }
                    let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                    if self == .relaxed, line.contains(where: { $0 == 0x20 || $0 == 0x09 }) {
                        // Runs of white space to one space; trailing white space dropped.
                        scratch.removeAll(keepingCapacity: true)
                        var pendingSpace = false
                        for b in line {
                            if b == 0x20 || b == 0x09 {
                                pendingSpace = true
                                continue
                            }
                            if pendingSpace { scratch.append(0x20) }
                            pendingSpace = false
                            scratch.append(b)
                        }
                        scratch.withUnsafeBufferPointer { compacted in
                            emitLine(compacted)
                        }
                    } else {
                        emitLine(line)
                    }
                    start = lf + 1
                }

                func emitLine(_ line: UnsafeBufferPointer<UInt8>) {
                    guard !line.isEmpty else {
                        heldEmptyLines += 1
                        return
                    }
                    for _ in 0..<heldEmptyLines { emit(lineEnd) }
                    heldEmptyLines = 0
                    emit(line)
                    emit(lineEnd)
                    wrote = true
                }
            }
            if !wrote && self == .simple { emit(lineEnd) }
        }
    }
}
