/// A DKIM tag list (RFC 6376 §3.2): `tag=value; tag=value`, white space around tags, values and
/// separators ignored. Used by the `DKIM-Signature` header and the key record.
struct TagList {
    /// Tags in order, names as written (case-sensitive, as the RFC says), values trimmed.
    var tags: [(name: String, value: String)] = []

    /// Parses `text`; nil when a tag repeats (RFC 6376 §3.2: "MUST be treated as an error") or
    /// a part has no `=`.
    init?(_ text: String) {
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            let trimmed = part.trimmingFWS()
            if trimmed.isEmpty { continue }  // a trailing `;`
            guard let eq = trimmed.firstIndex(of: "=") else { return nil }
            let name = String(trimmed[..<eq]).trimmingFWS()
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingFWS()
            guard !name.isEmpty, !tags.contains(where: { $0.name == name }) else { return nil }
            tags.append((name, value))
        }
    }

    subscript(_ name: String) -> String? { tags.first { $0.name == name }?.value }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (folding white space).
    func trimmingFWS() -> String {
        let ws: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }

    /// With every space, tab, CR and LF removed (base64 values may be folded).
    func removingFWS() -> String {
        String(filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" && $0 != "\r\n" })
    }
}
