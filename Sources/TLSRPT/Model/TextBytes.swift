#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-level text helpers for the hot path: the normalizer runs them on every string of every
/// report, and Foundation's and the standard library's Character-based versions cost several
/// times more (measured: BENCHMARKS.md).
extension String {
    /// Calls `body` with the string's UTF-8 bytes (contiguous for native strings, so no copy).
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return copy.withUTF8(body)
    }

    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmingWhitespace: String {
        withBytes { p in
            let (lo, hi) = trimmedBounds(p)
            if lo == 0 && hi == p.count { return self }
            return String(decoding: UnsafeBufferPointer(rebasing: p[lo..<hi]), as: UTF8.self)
        }
    }

    /// Whether the string is empty or only white space.
    var isBlank: Bool {
        withBytes { p in
            let (lo, hi) = trimmedBounds(p)
            return lo == hi
        }
    }

    /// Whether the string starts with the ASCII `prefix`, ignoring ASCII case and leading white space.
    func hasPrefixIgnoringCase(_ prefix: StaticString) -> Bool {
        withBytes { p in
            let lo = trimmedBounds(p).0
            let n = prefix.utf8CodeUnitCount
            guard p.count - lo >= n else { return false }
            let q = prefix.utf8Start
            for i in 0..<n where asciiLower(p[lo + i]) != asciiLower(q[i]) { return false }
            return true
        }
    }
}

@inline(__always)
func isWhitespaceByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

/// The range of `p` without leading and trailing white space.
@inline(__always)
func trimmedBounds(_ p: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
    var lo = 0
    var hi = p.count
    while lo < hi && isWhitespaceByte(p[lo]) { lo += 1 }
    while hi > lo && isWhitespaceByte(p[hi - 1]) { hi -= 1 }
    return (lo, hi)
}

/// Lower-cased, trimmed text: how enumerated wire values and domain names are compared.
/// Returns the string itself, unallocated, when it is already lower-case and trimmed.
func normalizedToken(_ s: String) -> String {
    s.withBytes { p in
        let (lo, hi) = trimmedBounds(p)
        if lo == 0 && hi == p.count && !p.contains(where: { $0 >= 0x80 || $0 &- 0x41 < 26 }) { return s }
        return normalizedToken(p)
    }
}

/// `normalizedToken` of UTF-8 bytes: the String is made once, already in its final form.
func normalizedToken(_ p: UnsafeBufferPointer<UInt8>) -> String {
    let (lo, hi) = trimmedBounds(p)
    let t = UnsafeBufferPointer(rebasing: p[lo..<hi])
    guard isASCII(t) else { return String(decoding: t, as: UTF8.self).lowercased() }
    return String(unsafeUninitializedCapacity: t.count) { out in
        for i in 0..<t.count { out[i] = asciiLower(t[i]) }
        return t.count
    }
}

/// Whether every byte is ASCII.
@inline(__always)
func isASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
    var high: UInt8 = 0
    for b in p { high |= b }
    return high < 0x80
}

/// Whether the bytes are empty or only white space.
@inline(__always)
func isBlank(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
    let (lo, hi) = trimmedBounds(p)
    return lo == hi
}

/// The bytes without leading and trailing white space, as a String.
func trimmedString(_ p: UnsafeBufferPointer<UInt8>) -> String {
    let (lo, hi) = trimmedBounds(p)
    return String(decoding: UnsafeBufferPointer(rebasing: p[lo..<hi]), as: UTF8.self)
}

/// Whether the ASCII text `a` equals `b`, ignoring ASCII case.
func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: StaticString) -> Bool {
    let n = b.utf8CodeUnitCount
    guard a.count == n else { return false }
    guard n > 0 else { return true }
    let q = b.utf8Start
    // Exactly equal (the usual case: senders write registry names in lower case) in one compare.
    if memcmp(a.baseAddress!, q, n) == 0 { return true }
    for i in 0..<n where asciiLower(a[i]) != asciiLower(q[i]) { return false }
    return true
}
