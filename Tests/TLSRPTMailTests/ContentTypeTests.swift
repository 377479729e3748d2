import TLSRPTTestSupport
import Testing

@testable import TLSRPTMail

/// `ContentType` splits and trims a header value's UTF-8 bytes. It must read every value as the
/// Character-by-Character splitting it replaced did (kept here as the reference): media type
/// and parameters, `;` inside quoted strings and after escapes, blanks trimmed, the first value
/// of a repeated name kept — checked on 20,000 random values from the characters that matter.
@Suite struct ContentTypeTests {
    /// The parser as it was (session 8), Character by Character.
    struct Reference {
        var mediaType: String
        var parameters: [String: String] = [:]

        static func trim(_ s: String) -> String {
            var t = Substring(s)
            while let f = t.first, f == " " || f == "\t" { t = t.dropFirst() }
            while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
            return String(t)
        }

        init(_ value: String) {
            var pieces: [String] = []
            var current = ""
            var quoted = false
            var escaped = false
            for ch in value {
                if escaped {
                    current.append(ch)
                    escaped = false
                    continue
                }
                if ch == "\\" && quoted {
                    escaped = true
                    current.append(ch)
                    continue
                }
                if ch == "\"" { quoted.toggle() }
                if ch == ";" && !quoted {
                    pieces.append(current)
                    current = ""
                } else {
                    current.append(ch)
                }
            }
            pieces.append(current)
            mediaType = Self.trim(pieces[0]).lowercased()
            for piece in pieces.dropFirst() {
                guard let eq = piece.firstIndex(of: "=") else { continue }
                // What a written parameter means did not change: shared, not copied.
                let (name, v) = ContentType.parameter(
                    name: Self.trim(String(piece[..<eq])), value: Self.trim(String(piece[piece.index(after: eq)...])))
                if parameters[name] == nil { parameters[name] = v }
            }
        }
    }

    @Test func realValues() {
        let t = ContentType(#"Multipart/Report; report-type="tlsrpt"; boundary="b\"1;2" ; charset = utf-8"#)
        #expect(t.mediaType == "multipart/report")
        #expect(t.parameters == ["report-type": "tlsrpt", "boundary": "b\"1;2", "charset": "utf-8"])
        let named = ContentType("attachment;\tfilename*=UTF-8''Soci%C3%A9t%C3%A9.json.gz; filename=\"x.json\"")
        #expect(named.mediaType == "attachment")
        #expect(named.parameters == ["filename": "Société.json.gz"])
        #expect(ContentType("").mediaType == "")
        #expect(ContentType(" \t ").parameters.isEmpty)
    }

    /// Header field names are trimmed (blanks before the colon) and lower-cased as bytes: ASCII
    /// letters only, anything else kept (invalid UTF-8 shown as U+FFFD), an empty name kept.
    @Test func headerNamesAreTrimmedAndLowerCased() {
        var bytes = Array("CONTENT-Type: a\nTls-Report-DOMAIN \t: b\n: c\nX-\u{C9}t\u{E9}: d\n".utf8)
        bytes += [0x58, 0xFF, 0x3A, 0x20, 0x65, 0x0A, 0x0A]  // "X\xFF: e"
        let entity = bytes.withUnsafeBufferPointer { Entity.parse($0, 0..<$0.count) }
        #expect(
            entity.headers.map(\.name) == ["content-type", "tls-report-domain", "", "x-\u{C9}t\u{E9}", "x\u{FFFD}"])
        #expect(entity.headers.map(\.value) == ["a", "b", "c", "d", "e"])
    }

    @Test func readsAsTheReferenceDid() {
        var g = SeededGenerator(seed: 2231)
        let alphabet: [String] = [
            " ", " ", "\t", ";", ";", "=", "=", "\"", "\"", "\\", "*", "'", "%", "%4", "1", "a", "B", "é", "日",
            "/", "x", "-", "name", "filename", "Boundary", "text/PLAIN",
        ]
        for _ in 0..<20_000 {
            let value = (0..<Int.random(in: 0..<24, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
                .joined()
            let new = ContentType(value)
            let old = Reference(value)
            #expect(new.mediaType == old.mediaType, "\(value)")
            #expect(new.parameters == old.parameters, "\(value)")
            #expect(value.trimmingBlanks() == Reference.trim(value), "\(value)")
        }
    }
}
