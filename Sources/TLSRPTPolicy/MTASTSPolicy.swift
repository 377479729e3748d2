/// An MTA-STS policy (RFC 8461 §3.2) as published at
/// `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
public struct MTASTSPolicy: Sendable, Equatable {
    /// `enforce`, `testing` or `none`.
    public enum Mode: String, Sendable {
        case enforce, testing, none
    }

    public var mode: Mode
    /// Seconds a sender may cache the policy.
    public var maxAge: Int
    /// The `mx` patterns, lower-cased, in the file's order.
    public var mx: [String]

    public init(mode: Mode, maxAge: Int, mx: [String]) {
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
    }

    /// The policy as a report's `policy-string` carries it (RFC 8460 §4.3: the lines of the
    /// policy), in the canonical order: version, mode, mx…, max_age.
    public var lines: [String] {
        ["version: STSv1", "mode: \(mode.rawValue)"] + mx.map { "mx: \($0)" } + ["max_age: \(maxAge)"]
    }

    /// Parses the policy text: `key: value` lines (CRLF, or LF as some hosts serve it),
    /// `version: STSv1` first, unknown keys ignored (§3.2). Throws naming the line.
    public init(text: String) throws(PolicyError) {
        var version: String?
        var mode: Mode?
        var maxAge: Int?
        var mx: [String] = []
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (i, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingWhitespace().isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw PolicyError("policy line \(i + 1): not `key: value`: \(line.prefix(80))")
            }
            let key = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            switch key {
            case "version":
                guard version == nil, mode == nil, maxAge == nil, mx.isEmpty else {
                    throw PolicyError("policy line \(i + 1): version must come first, once")
                }
                guard value == "STSv1" else { throw PolicyError("policy line \(i + 1): version \(value), not STSv1") }
                version = value
            case "mode":
                guard let m = Mode(rawValue: value) else {
                    throw PolicyError("policy line \(i + 1): mode \(value) is not enforce, testing or none")
                }
                mode = m
            case "max_age":
                guard let n = Int(value), n >= 0, n <= 31_557_600 else {
                    throw PolicyError("policy line \(i + 1): max_age \(value) is not 0…31557600 seconds")
                }
                maxAge = n
            case "mx":
                guard !value.isEmpty else { throw PolicyError("policy line \(i + 1): empty mx") }
                mx.append(value.lowercased())
            default:
                if version == nil { throw PolicyError("policy line \(i + 1): version must come first") }
            }
        }
        guard version != nil else { throw PolicyError("no `version: STSv1` line") }
        guard let mode else { throw PolicyError("no `mode` line") }
        guard let maxAge else { throw PolicyError("no `max_age` line") }
        if mode != .none && mx.isEmpty { throw PolicyError("mode \(mode.rawValue) without any `mx` line") }
        self.init(mode: mode, maxAge: maxAge, mx: mx)
    }

    /// Whether `host` (an MX name) matches one of the `mx` patterns (§4.1): a pattern is the
    /// name itself, or `*.` and a suffix that stands for exactly one leftmost label.
    public func covers(_ host: String) -> Bool {
        mx.contains { Self.matches(pattern: $0, host: host) }
    }

    /// One pattern against one host, both compared without case and a final dot.
    public static func matches(pattern: String, host: String) -> Bool {
        let h = host.lowercased().hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
        let p = pattern.hasSuffix(".") ? String(pattern.dropLast()) : pattern
        guard p.hasPrefix("*.") else { return h == p }
        let suffix = p.dropFirst(1)  // ".example.com"
        guard h.hasSuffix(suffix) else { return false }
        let label = h.dropLast(suffix.count)
        return !label.isEmpty && !label.contains(".")
    }
}

/// Why a policy, a record or a fetch is not usable: the message names what and where.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
