/// Writes a `Report` as RFC 8460 §4.4 JSON: the form a well-behaved sender would send.
/// Used to write the project's samples and to test that decoding is faithful.
public struct ReportEncoder: Sendable {
    /// Whether to indent the output.
    public var pretty: Bool
    /// Whether to write policy domains that came from a mail header (the canonical form used
    /// to compare copies leaves them out, as the sender's JSON did).
    public var includeHeaderDomains: Bool

    /// Creates an encoder.
    public init(pretty: Bool = true, includeHeaderDomains: Bool = true) {
        self.pretty = pretty
        self.includeHeaderDomains = includeHeaderDomains
    }

    /// The JSON text of `report`.
    public func encode(_ report: Report) -> String {
        let w = JSONWriter(pretty: pretty)
        w.object {
            w.member("organization-name") { w.string(report.organizationName) }
            w.member("date-range") {
                w.object {
                    w.member("start-datetime") { w.string(report.start.rfc3339) }
                    w.member("end-datetime") { w.string(report.end.rfc3339) }
                }
            }
            if let contact = report.contactInfo { w.member("contact-info") { w.string(contact) } }
            w.member("report-id") { w.string(report.reportID) }
            w.member("policies") {
                w.array(report.policies) { p in encode(p, w) }
            }
        }
        return w.output
    }

    private func encode(_ p: Policy, _ w: JSONWriter) {
        w.object {
            w.member("policy") {
                w.object {
                    w.member("policy-type") { w.string(p.type.rawValue) }
                    if !p.policyStrings.isEmpty {
                        w.member("policy-string") { w.array(p.policyStrings) { w.string($0) } }
                    }
                    if !p.domain.isEmpty && (includeHeaderDomains || !p.domainFromMailHeader) {
                        w.member("policy-domain") { w.string(p.domain) }
                    }
                    if !p.mxPatterns.isEmpty {
                        w.member("mx-host") { w.array(p.mxPatterns) { w.string($0) } }
                    }
                }
            }
            w.member("summary") {
                w.object {
                    w.member("total-successful-session-count") { w.raw(String(p.successfulSessionCount)) }
                    w.member("total-failure-session-count") { w.raw(String(p.failedSessionCount)) }
                }
            }
            if !p.failureDetails.isEmpty {
                w.member("failure-details") {
                    w.array(p.failureDetails) { d in
                        w.object {
                            w.member("result-type") { w.string(d.resultType.rawValue) }
                            let optional: [(String, String?)] = [
                                ("sending-mta-ip", d.sendingMTAIP),
                                ("receiving-mx-hostname", d.receivingMXHostname),
                                ("receiving-mx-helo", d.receivingMXHelo),
                                ("receiving-ip", d.receivingIP),
                            ]
                            for case (let k, let v?) in optional { w.member(k) { w.string(v) } }
                            w.member("failed-session-count") { w.raw(String(d.failedSessionCount)) }
                            if let v = d.additionalInformation { w.member("additional-information") { w.string(v) } }
                            if let v = d.failureReasonCode { w.member("failure-reason-code") { w.string(v) } }
                        }
                    }
                }
            }
        }
    }
}

/// A small JSON text writer (RFC 8259 escaping; non-ASCII written as UTF-8).
public final class JSONWriter {
    /// The text written so far.
    public private(set) var output = ""
    let pretty: Bool
    private var level = 0
    private var first = [true]

    /// Creates a writer.
    public init(pretty: Bool) { self.pretty = pretty }

    private func separate() {
        if !first[first.count - 1] { output += "," }
        first[first.count - 1] = false
        if pretty && level > 0 { newline() }
    }

    /// Indentation made once per depth.
    private var indents: [String] = ["\n"]

    private func newline() {
        while indents.count <= level { indents.append(indents[indents.count - 1] + "  ") }
        output += indents[level]
    }

    /// Writes an object whose members `body` writes.
    public func object(_ body: () -> Void) {
        output += "{"
        level += 1
        first.append(true)
        body()
        let empty = first.removeLast()
        level -= 1
        if pretty && !empty { newline() }
        output += "}"
    }

    /// Writes one member; `value` writes its value.
    public func member(_ name: String, _ value: () -> Void) {
        separate()
        output += JSONWriter.quoted(name)
        output += pretty ? ": " : ":"
        first.append(true)
        value()
        first.removeLast()
    }

    /// Writes an array, one element per item.
    public func array<S: Sequence>(_ items: S, _ element: (S.Element) -> Void) {
        output += "["
        level += 1
        first.append(true)
        for item in items {
            separate()
            first.append(true)
            element(item)
            first.removeLast()
        }
        let empty = first.removeLast()
        level -= 1
        if pretty && !empty { newline() }
        output += "]"
    }

    /// Writes a string value.
    public func string(_ s: String) { output += JSONWriter.quoted(s) }
    /// Writes pre-formatted JSON (a number, `true`, `null`).
    public func raw(_ s: String) { output += s }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        // Most texts need no escape: no control character, quote, backslash, DEL, and no
        // U+2028/U+2029 (whose UTF-8 starts with 0xE2, checked on the slow path).
        let plain = s.withBytes { p in
            !p.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xE2 }
        }
        if plain { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
