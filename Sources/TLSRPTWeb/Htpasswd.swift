import Foundation
import HummingbirdBcrypt

/// The users of `--auth-file`: an htpasswd file of bcrypt entries (`htpasswd -B`), one
/// `user:$2y$…` line each; blank lines and `#` comments are skipped. Any other hash kind (MD5
/// `$apr1$`, SHA-1 `{SHA}`, crypt) is refused when the file is read, naming the line.
public struct Htpasswd: Sendable {
    /// bcrypt hash per user name.
    let users: [String: String]

    /// Reads `path`.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WebError("--auth-file \(path): cannot read it")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WebError("--auth-file \(path): not UTF-8 text")
        }
        try self.init(text: text, source: path)
    }

    /// Parses the file's text (`source` names it in errors).
    public init(text: String, source: String) throws {
        var users: [String: String] = [:]
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw WebError("--auth-file \(source), line \(n + 1): not `user:hash`")
            }
            let user = String(line[..<colon])
            let hash = String(line[line.index(after: colon)...])
            guard !user.isEmpty, ["$2y$", "$2b$", "$2a$"].contains(where: hash.hasPrefix), hash.count == 60 else {
                throw WebError(
                    "--auth-file \(source), line \(n + 1): user \(user.isEmpty ? "(empty)" : user) has no bcrypt hash (make the file with `htpasswd -B`)"
                )
            }
            users[user] = hash
        }
        guard !users.isEmpty else { throw WebError("--auth-file \(source): no users") }
        self.users = users
    }

    /// Whether `password` is `user`'s (bcrypt; slow on purpose, call it off the event loop).
    func check(user: String, password: String) -> Bool {
        guard var hash = users[user] else {
            // The same work for an unknown user, so timing does not tell which users exist.
            _ = Bcrypt.verify(password, hash: Self.decoy)
            return false
        }
        // Apache's htpasswd writes `$2y$` (PHP's name for the fixed algorithm); the bcrypt of
        // hummingbird-auth (OpenBSD's) knows it as `$2b$`: the same computation.
        if hash.hasPrefix("$2y$") { hash = "$2b$" + hash.dropFirst(4) }
        return Bcrypt.verify(password, hash: hash)
    }

    /// A bcrypt hash of a random text, cost 5 (htpasswd's default).
    static let decoy = Bcrypt.hash(UUID().uuidString, cost: 5)
}

/// Why the dashboard cannot start or answer: the message names the flag or file.
public struct WebError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
