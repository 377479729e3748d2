import Foundation
import Yams

/// `fetch --config FILE`: a YAML mapping of option names (as the flags, without `--`) to
/// values, so cron lines and unit files carry no secrets:
///
/// ```yaml
/// url: imaps://reports@mail.example.com/INBOX
/// password-file: /etc/tlsrpt/imap-password
/// archive-folder: TLS/Archive
/// watch: true
/// ```
struct FetchConfigFile {
    static let known: Set<String> = [
        "url", "password", "password-file", "starttls", "insecure-plain", "ca-file", "archive-folder",
        "invalid-folder", "watch", "batch-size", "idle-renew", "reconnect-max", "timeout", "db", "dkim",
        "dns-server", "dns-timeout",
    ]

    private var values: [String: String] = [:]

    /// No file: every value from the flags or the defaults.
    init() {}

    /// Reads `path`; an unknown name, a value that is not a scalar or a file that is not YAML
    /// is an error naming the file and the line.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the config file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError("config file \(path) is not valid YAML: \(error)")
        }
        guard let node else { return }
        guard let mapping = node.mapping else {
            throw ConfigError("config file \(path): expected `name: value` lines, one per option")
        }
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigError("config file \(path): a name is not text") }
            guard Self.known.contains(name) else {
                throw ConfigError(
                    "config file \(path) line \(key.mark?.line ?? 0): unknown option \(name) (known: \(Self.known.sorted().joined(separator: ", ")))"
                )
            }
            guard let scalar = value.scalar else {
                throw ConfigError("config file \(path) line \(value.mark?.line ?? 0): \(name) must be a single value")
            }
            values[name] = scalar.string
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func bool(_ name: String) -> Bool? {
        guard let v = values[name]?.lowercased() else { return nil }
        return ["true", "yes", "on", "1"].contains(v)
    }

    func int(_ name: String) -> Int? { values[name].flatMap { Int($0) } }

    func double(_ name: String) -> Double? { values[name].flatMap { Double($0) } }
}

struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
