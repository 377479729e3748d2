import Foundation

/// Syntax checks for IP addresses given as text, without resolving anything.
enum IPAddressText {
    /// Whether `s` is a dotted-quad IPv4 or an RFC 4291 IPv6 address (optionally with a zone).
    static func isValid(_ s: String) -> Bool { isIPv4(Substring(s)) || isIPv6(Substring(s)) }

    static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            guard (1...3).contains(p.count), p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), let v = Int(p) else {
                return false
            }
            return v <= 255 && (p.count == 1 || p.first != "0")
        }
    }

    static func isIPv6(_ input: Substring) -> Bool {
        var s = input
        if let percent = s.firstIndex(of: "%") { s = s[..<percent] }
        guard s.contains(":") else { return false }
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (h, half) in halves.enumerated() {
            if half.isEmpty { continue }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if h == halves.count - 1 && i == parts.count - 1 && part.contains(".") {
                    guard isIPv4(part) else { return false }
                    groups += 2
                    continue
                }
                guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups < 8 : groups == 8
    }
}
