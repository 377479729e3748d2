/// Reads a `WireReport` out of JSON text with `JSONReader`: known members are decoded, unknown
/// ones skipped, a repeated known member refused (I-JSON §2.3).
///
/// Type leniency, declared here once: wherever the RFC has a string, a number is taken as its
/// text and `null` as absence; a lone string stands for a one-element array (`mx-host` in the
/// RFC 8460 Appendix B example, `policy-string` in hand-written reports).
extension WireReport {
    /// Decodes the top-level JSON value in `bytes`.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) throws(ReportError) -> WireReport
    {
        guard bytes.count < Int(UInt32.max) else {
            throw ReportError(.tooLarge, "report is \(bytes.count) bytes, over the 4 GiB a report can have")
        }
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        reader.skipWhitespace()
        guard reader.pos < bytes.count else { throw ReportError(.empty, "no report: the input is empty") }
        let kind = try reader.peekKind()
        guard kind == .object else {
            throw ReportError(.invalidReport, "a TLS report is a JSON object, found \(reader.describeNextValue())")
        }
        var report = WireReport()
        var seen = SeenMembers()
        try reader.readObject { r, key throws(ReportError) in
            if key.matches("organization-name") {
                try seen.once(0, key)
                report.organizationName = try at("organization-name") { () throws(ReportError) in try r.readText() }
            } else if key.matches("date-range") {
                try seen.once(1, key)
                report.dateRange = try at("date-range") { () throws(ReportError) in try WireDateRange.read(&r) }
            } else if key.matches("contact-info") {
                try seen.once(2, key)
                report.contactInfo = try at("contact-info") { () throws(ReportError) in try r.readText() }
            } else if key.matches("report-id") {
                try seen.once(3, key)
                report.reportID = try at("report-id") { () throws(ReportError) in try r.readText() }
            } else if key.matches("policies") {
                try seen.once(4, key)
                report.policies = try at("policies") { () throws(ReportError) in
                    guard try !r.readNullIfPresent() else { return nil }
                    guard try r.peekKind() == .array else { throw r.typeMismatch("an array of policies") }
                    var list: [WirePolicyEntry] = []
                    list.reserveCapacity(4)
                    try r.readArray { r, i throws(ReportError) in
                        list.append(try at(.index(i)) { () throws(ReportError) in try WirePolicyEntry.read(&r) })
                    }
                    return list
                }
            } else {
                try r.skipValue()
            }
        }
        try reader.expectEnd()
        report.unescapedTexts = reader.unescaped
        return report
    }

}

extension WireDateRange {
    static func read(_ r: inout JSONReader) throws(ReportError) -> WireDateRange? {
        guard try !r.readNullIfPresent() else { return nil }
        guard try r.peekKind() == .object else { throw r.typeMismatch("an object") }
        var range = WireDateRange()
        var seen = SeenMembers()
        try r.readObject { r, key throws(ReportError) in
            if key.matches("start-datetime") {
                try seen.once(0, key)
                range.startDatetime = try at("start-datetime") { () throws(ReportError) in try r.readText() }
            } else if key.matches("end-datetime") {
                try seen.once(1, key)
                range.endDatetime = try at("end-datetime") { () throws(ReportError) in try r.readText() }
            } else {
                try r.skipValue()
            }
        }
        return range
    }
}

extension WirePolicyEntry {
    static func read(_ r: inout JSONReader) throws(ReportError) -> WirePolicyEntry {
        guard try r.peekKind() == .object else { throw r.typeMismatch("a policy object") }
        var entry = WirePolicyEntry()
        var seen = SeenMembers()
        try r.readObject { r, key throws(ReportError) in
            if key.matches("policy") {
                try seen.once(0, key)
                entry.policy = try at("policy") { () throws(ReportError) in try WirePolicy.read(&r) }
            } else if key.matches("summary") {
                try seen.once(1, key)
                entry.summary = try at("summary") { () throws(ReportError) in try WireSummary.read(&r) }
            } else if key.matches("failure-details") {
                try seen.once(2, key)
                entry.failureDetails = try at("failure-details") { () throws(ReportError) in
                    guard try !r.readNullIfPresent() else { return nil }
                    guard try r.peekKind() == .array else { throw r.typeMismatch("an array") }
                    var list: [WireFailureDetail] = []
                    list.reserveCapacity(8)
                    try r.readArray { r, i throws(ReportError) in
                        list.append(try at(.index(i)) { () throws(ReportError) in try WireFailureDetail.read(&r) })
                    }
                    return list
                }
            } else {
                try r.skipValue()
            }
        }
        return entry
    }
}

extension WirePolicy {
    static func read(_ r: inout JSONReader) throws(ReportError) -> WirePolicy? {
        guard try !r.readNullIfPresent() else { return nil }
        guard try r.peekKind() == .object else { throw r.typeMismatch("an object") }
        var policy = WirePolicy()
        var seen = SeenMembers()
        try r.readObject { r, key throws(ReportError) in
            if key.matches("policy-type") {
                try seen.once(0, key)
                policy.policyType = try at("policy-type") { () throws(ReportError) in try r.readText() }
            } else if key.matches("policy-string") {
                try seen.once(1, key)
                policy.policyString = try at("policy-string") { () throws(ReportError) in try r.readTextList() }
            } else if key.matches("policy-domain") {
                try seen.once(2, key)
                policy.policyDomain = try at("policy-domain") { () throws(ReportError) in try r.readText() }
            } else if key.matches("mx-host") {
                try seen.once(3, key)
                policy.mxHost = try at("mx-host") { () throws(ReportError) in try r.readTextList() }
            } else {
                try r.skipValue()
            }
        }
        return policy
    }
}

extension WireSummary {
    static func read(_ r: inout JSONReader) throws(ReportError) -> WireSummary? {
        guard try !r.readNullIfPresent() else { return nil }
        guard try r.peekKind() == .object else { throw r.typeMismatch("an object") }
        var summary = WireSummary()
        var seen = SeenMembers()
        try r.readObject { r, key throws(ReportError) in
            if key.matches("total-successful-session-count") {
                try seen.once(0, key)
                summary.totalSuccessfulSessionCount = try at("total-successful-session-count") {
                    () throws(ReportError) in try r.readCount()
                }
            } else if key.matches("total-failure-session-count") {
                try seen.once(1, key)
                summary.totalFailureSessionCount = try at("total-failure-session-count") {
                    () throws(ReportError) in try r.readCount()
                }
            } else {
                try r.skipValue()
            }
        }
        return summary
    }
}

extension WireFailureDetail {
    static func read(_ r: inout JSONReader) throws(ReportError) -> WireFailureDetail {
        guard try r.peekKind() == .object else { throw r.typeMismatch("a failure-detail object") }
        var d = WireFailureDetail()
        var seen = SeenMembers()
        try r.readObject { r, key throws(ReportError) in
            if key.matches("result-type") {
                try seen.once(0, key)
                d.resultType = try at("result-type") { () throws(ReportError) in try r.readText() }
            } else if key.matches("sending-mta-ip") {
                try seen.once(1, key)
                d.sendingMTAIP = try at("sending-mta-ip") { () throws(ReportError) in try r.readText() }
            } else if key.matches("receiving-mx-hostname") || key.matches("receiving-mx-host-name") {
                // `receiving-mx-host-name`: SocketLabs (2020) spells the RFC 8460 §4.4 member so.
                try seen.once(2, key)
                d.receivingMXHostname = try at(key.string) { () throws(ReportError) in try r.readText() }
            } else if key.matches("receiving-mx-helo") {
                try seen.once(3, key)
                d.receivingMXHelo = try at("receiving-mx-helo") { () throws(ReportError) in try r.readText() }
            } else if key.matches("receiving-ip") {
                try seen.once(4, key)
                d.receivingIP = try at("receiving-ip") { () throws(ReportError) in try r.readText() }
            } else if key.matches("failed-session-count") {
                try seen.once(5, key)
                d.failedSessionCount = try at("failed-session-count") { () throws(ReportError) in try r.readCount() }
            } else if key.matches("additional-information") || key.matches("additional-info-uri") {
                // `additional-info-uri` is the name RFC 8460 §4.3's prose uses; its JSON example
                // and schema say `additional-information`. Microsoft-shaped reports use the former.
                try seen.once(6, key)
                d.additionalInformation = try at(key.string) { () throws(ReportError) in try r.readText() }
            } else if key.matches("failure-reason-code") {
                try seen.once(7, key)
                d.failureReasonCode = try at("failure-reason-code") { () throws(ReportError) in try r.readText() }
            } else {
                try r.skipValue()
            }
        }
        return d
    }
}

/// Which known members of one object were seen, to refuse duplicates.
struct SeenMembers {
    var bits: UInt32 = 0
    @inline(__always)
    mutating func once(_ index: Int, _ key: JSONKey) throws(ReportError) {
        let bit: UInt32 = 1 << UInt32(index)
        if bits & bit != 0 {
            throw ReportError(.invalidJSON, "member \"\(key.string)\" appears twice (I-JSON forbids duplicate names)")
        }
        bits |= bit
    }
}

extension JSONReader {
    /// A text value: a string, a number as its text, or nil for `null`.
    mutating func readText() throws(ReportError) -> WireText? {
        switch try peekKind() {
        case .string: return try readWireString()
        case .number: return WireText(range: try readNumberRange(), isNumber: true)
        case .null:
            _ = try readNullIfPresent()
            return nil
        default: throw typeMismatch("a string")
        }
    }

    /// A list of texts: an array of texts, or one text standing for a one-element list.
    mutating func readTextList() throws(ReportError) -> [WireText]? {
        switch try peekKind() {
        case .array:
            var list: [WireText] = []
            list.reserveCapacity(8)
            try readArray { r, i throws(ReportError) in
                if let t = try at(.index(i), { () throws(ReportError) in try r.readText() }) { list.append(t) }
            }
            return list
        default:
            return try readText().map { [$0] }
        }
    }

    /// A count: a number's text or a string, nil for `null`. Checked by the normalizer.
    mutating func readCount() throws(ReportError) -> WireText? {
        switch try peekKind() {
        case .number: return WireText(range: try readNumberRange(), isNumber: true)
        case .string: return try readWireString()
        case .null:
            _ = try readNullIfPresent()
            return nil
        default: throw typeMismatch("a non-negative integer")
        }
    }

    /// A whole JSON text that is a list of texts (or one text), as Strings.
    static func stringList(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(ReportError) -> [String] {
        var r = JSONReader(bytes: bytes, maxDepth: maxDepth)
        let list = try r.readTextList() ?? []
        try r.expectEnd()
        let texts = WireTextReader(json: bytes, unescaped: r.unescaped)
        return list.map(texts.string)
    }
}

extension WireReport {
    /// Decodes JSON text held in an array.
    public static func decode(_ bytes: [UInt8], maxDepth: Int = 64) throws(ReportError) -> WireReport {
        do {
            return try bytes.withUnsafeBufferPointer { try decode($0, maxDepth: maxDepth) }
        } catch let error as ReportError {
            throw error
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    /// Parses a JSON array of strings (how the store keeps lists such as policy strings).
    public static func textList(_ json: String) throws(ReportError) -> [String] {
        let bytes = Array(json.utf8)
        return try bytes.withUnsafeBufferPointer { (p) throws(ReportError) -> [String] in
            try JSONReader.stringList(p, maxDepth: 4)
        }
    }
}
