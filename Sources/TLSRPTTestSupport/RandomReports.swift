import TLSRPT

/// A small deterministic PRNG (SplitMix64), so generated test data is the same every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random valid reports, already in normalized form, for round-trip and load tests.
public enum RandomReports {
    static let texts = [
        "plain", "with \"quotes\"", "back\\slash", "tab\there", "new\nline", "ctl\u{01}\u{1F}", "=HYPERLINK(\"x\")",
        "<b>html</b>", "emoji 📬", "日本語", "bidi \u{202E}abc", "comma, here", "",
    ]

    /// One random report; `index` makes report-ids unique.
    public static func report(_ g: inout SeededGenerator, index: Int) -> Report {
        let day = Day(daysSinceEpoch: Int32.random(in: 17_000...21_000, using: &g))
        let startNanos = Bool.random(using: &g) ? Int32.random(in: 0..<1_000_000_000, using: &g) : 0
        let start = Timestamp(seconds: day.start.seconds, nanoseconds: startNanos)
        let end = Timestamp(seconds: day.start.seconds + (Bool.random(using: &g) ? 86_399 : 86_400))
        var policies: [Policy] = []
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            let domain = ["example.com", "xn--bcher-kva.example", "mail.example.org", ""].randomElement(using: &g)!
            let type: PolicyType = [.sts, .tlsa, .noPolicyFound, .other("x-custom")].randomElement(using: &g)!
            var strings: [String] = []
            var mx: [String] = []
            var mode: STSMode?
            var tlsa: [String] = []
            switch type {
            case .sts:
                mode = [STSMode.enforce, .testing, .disabled].randomElement(using: &g)!
                mx = ["mx1.\(domain.isEmpty ? "a.example" : domain)", "*.mx.example.net"]
                strings = ["version: STSv1", "mode: \(mode!.rawValue)"] + mx.map { "mx: \($0)" } + ["max_age: 86400"]
            case .tlsa:
                tlsa = ["3 1 1 \(String(g.next(), radix: 16))", "2 1 1 \(String(g.next(), radix: 16))"]
                strings = tlsa
            default:
                break
            }
            var details: [FailureDetail] = []
            for _ in 0..<Int.random(in: 0...3, using: &g) {
                let rt =
                    Bool.random(using: &g)
                    ? ResultType.registered.randomElement(using: &g)!
                    : .other("vendor-\(Int.random(in: 0...9, using: &g))")
                details.append(
                    FailureDetail(
                        resultType: rt,
                        sendingMTAIP: Bool.random(using: &g) ? "192.0.2.\(Int.random(in: 0...255, using: &g))" : nil,
                        receivingMXHostname: Bool.random(using: &g)
                            ? "mx\(Int.random(in: 1...3, using: &g)).example.com" : nil,
                        receivingMXHelo: Bool.random(using: &g) ? texts.randomElement(using: &g)! : nil,
                        receivingIP: Bool.random(using: &g) ? "2001:db8::\(Int.random(in: 1...99, using: &g))" : nil,
                        failedSessionCount: Int64.random(in: 0...1_000_000, using: &g),
                        additionalInformation: Bool.random(using: &g) ? texts.randomElement(using: &g)! : nil,
                        failureReasonCode: Bool.random(using: &g) ? texts.randomElement(using: &g)! : nil))
            }
            policies.append(
                Policy(
                    type: type, domain: domain, policyStrings: strings, stsMode: mode, mxPatterns: mx,
                    tlsaRecords: tlsa,
                    successfulSessionCount: Int64.random(in: 0...Int64(Int32.max), using: &g),
                    failedSessionCount: Int64.random(in: 0...10_000, using: &g), failureDetails: details))
        }
        let orgs = ["Google Inc.", "Microsoft Corporation", "Mail.ru", "Example, \"Quoted\" Org", "Ünïcode GmbH"]
        return Report(
            organizationName: orgs.randomElement(using: &g)!,
            contactInfo: Bool.random(using: &g) ? "tlsrpt@reporter\(index % 7).example" : nil,
            reportID: "\(day)_r\(index)_\(g.next() % 100_000)", start: start, end: end, policies: policies)
    }
}
