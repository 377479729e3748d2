import Foundation
import TLSRPTRender

/// Server-rendered HTML, built by appending. Everything that comes from a report or a request
/// goes through `text` or an attribute value (escaped: `SafeText.html`); `raw` is only for the
/// page's own markup.
struct HTML {
    private(set) var output = ""

    init() { output.reserveCapacity(16_384) }

    /// The page's own markup, as is.
    mutating func raw(_ markup: String) { output += markup }

    /// Text, escaped.
    mutating func text(_ s: String) { output += SafeText.html(s) }

    /// `<name attributes…>` (values escaped), the body, `</name>`.
    mutating func element(
        _ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ body: (inout HTML) -> Void
    ) {
        open(name, attributes)
        body(&self)
        output += "</\(name)>"
    }

    /// `<name attributes…>text</name>`, the text escaped.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        open(name, attributes)
        self.text(text)
        output += "</\(name)>"
    }

    /// `<name attributes…>` without an end tag (void elements).
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        output += "<" + name
        for (key, value) in attributes { output += " \(key)=\"\(SafeText.html(value))\"" }
        output += ">"
    }

    /// A link to `href` (escaped) reading `text`.
    mutating func link(_ href: String, _ text: String, class className: String? = nil) {
        if let className {
            element("a", ["href": href, "class": className], text: text)
        } else {
            element("a", ["href": href], text: text)
        }
    }
}

/// URLs of the dashboard's pages, with their query strings.
enum WebURL {
    /// Characters kept as they are in a path segment.
    private static let segment: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// `s` percent-encoded for one path segment (a domain or id with any characters).
    static func pathSegment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: segment) ?? ""
    }

    /// `path?name=value&…` with the pairs that have a value, encoded.
    static func with(_ path: String, _ query: [(String, String?)]) -> String {
        let pairs = query.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(name)=\(pathSegment(value))"
        }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// The page of a policy domain.
    static func domain(_ name: String, _ query: [(String, String?)] = []) -> String {
        with("/domain/" + pathSegment(name.isEmpty ? "-" : name), query)
    }
}
