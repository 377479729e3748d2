import Crypto
import Foundation
import NIOCore
import Synchronization

/// HTTP Basic authentication against an htpasswd file, with repeated failures slowed down: each
/// failure from an address within ten minutes delays the next answer to it by another 250 ms
/// (at most 5 s), and after 10 failures the address gets 429 without its password being
/// checked until the ten minutes are over. A credential that passed is remembered (as a
/// SHA-256 of the header) for five minutes, so bcrypt does not run on every request.
final class AuthGate: Sendable {
    let users: Htpasswd
    private let failures = Mutex<[String: (count: Int, since: Date)]>([:])
    private let accepted = Mutex<[Data: Date]>([:])

    static let window: TimeInterval = 600
    static let lockAfter = 10
    static let remember: TimeInterval = 300

    init(users: Htpasswd) { self.users = users }

    enum Verdict: Equatable {
        case allowed(user: String)
        /// 401, after `delay` seconds.
        case denied(delay: Double)
        /// 429: too many failures from this address.
        case locked
    }

    /// Checks an `Authorization` header from `address`.
    func check(authorization: String?, address: String) -> Verdict {
        let now = Date()
        let recentFailures = failures.withLock { table -> Int in
            if let entry = table[address], now.timeIntervalSince(entry.since) > Self.window {
                table[address] = nil
            }
            return table[address]?.count ?? 0
        }
        if recentFailures >= Self.lockAfter { return .locked }
        if let authorization, let (user, password) = Self.basicCredentials(authorization) {
            let key = Data(SHA256.hash(data: Data(authorization.utf8)))
            let remembered = accepted.withLock { table -> Bool in
                guard let at = table[key] else { return false }
                if now.timeIntervalSince(at) > Self.remember {
                    table[key] = nil
                    return false
                }
                return true
            }
            if remembered || users.check(user: user, password: password) {
                if !remembered { accepted.withLock { $0[key] = now } }
                return .allowed(user: user)
            }
        }
        // A request without credentials (a browser's first) is not a failure.
        guard authorization != nil else { return .denied(delay: 0) }
        let count = failures.withLock { table -> Int in
            var entry = table[address] ?? (0, now)
            entry.count += 1
            table[address] = entry
            return entry.count
        }
        return .denied(delay: min(5, 0.25 * Double(count - 1)))
    }

    /// (user, password) of a `Basic` header.
    static func basicCredentials(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
