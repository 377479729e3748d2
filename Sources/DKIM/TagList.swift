import Foundation

/// A DKIM tag list (RFC 6376 §3.2): `tag=value; tag=value`, white space around tags, values and
/// separators ignored. Used by the `DKIM-Signature` header and the key record. Parsed as bytes:
/// every report mail has one, and splitting Strings Character by Character took most of the
/// verification's time (BENCHMARKS.md §7).
struct TagList {
    /// Tags in order, names as written (case-sensitive, as the RFC says), values trimmed.
    var tags: [(name: String, value: String)] = []

    /// Parses `text`; nil when a tag repeats (RFC 6376 §3.2: "MUST be treated as an error") or
    /// a part has no `=`.
    init?(_ text: String) {
        self.init(bytes: Array(text.utf8)[...])
    }

    /// Parses the bytes of a tag list.
    init?(bytes: ArraySlice<UInt8>) {
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            let part = FWS.trim(bytes[start..<end])
            if !part.isEmpty {  // else an empty part, as after a trailing `;`
                guard let eq = part.firstIndex(of: UInt8(ascii: "=")) else { return nil }
                let name = String(decoding: FWS.trim(part[..<eq]), as: UTF8.self)
                let value = String(decoding: FWS.trim(part[(eq + 1)...]), as: UTF8.self)
                guard !name.isEmpty, !tags.contains(where: { $0.name == name }) else { return nil }
                tags.append((name, value))
            }
            guard end < bytes.endIndex else { return }
            start = end + 1
        }
    }

    subscript(_ name: String) -> String? { tags.first { $0.name == name }?.value }
}

/// Folding white space (RFC 5322): spaces, tabs, CR and LF, handled as bytes.
enum FWS {
    static func isFWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    /// `bytes` without leading and trailing folding white space.
    static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = bytes
        while let f = s.first, isFWS(f) { s = s.dropFirst() }
        while let l = s.last, isFWS(l) { s = s.dropLast() }
        return s
    }

    /// The bytes of base64 text (folded in a header), its white space skipped, decoded.
    /// (Foundation's decoder skipping what is not base64: one pass, no copy of the text.)
    static func base64(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (folding white space).
    func trimmingFWS() -> String {
        String(decoding: FWS.trim(Array(utf8)[...]), as: UTF8.self)
    }

    /// Whether nothing but folding white space is in it.
    var isAllFWS: Bool { utf8.allSatisfy(FWS.isFWS) }
}
