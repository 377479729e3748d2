import Foundation

/// Which database a command works on, as the contract names it: `--db VALUE`, else
/// `$TLSRPT_DB`, else `./tlsrpt.sqlite`. A `postgres://` or `postgresql://` URL names a
/// PostgreSQL database; anything else is the path of a SQLite file.
public enum StoreLocation: Sendable, Equatable {
    /// A SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// The `--db` value in force: the flag, else `$TLSRPT_DB`, else `./tlsrpt.sqlite`.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["TLSRPT_DB"], !env.isEmpty { return env }
        return "./tlsrpt.sqlite"
    }

    /// The location `value` names (see `resolve`); a malformed PostgreSQL URL is an error
    /// naming what is wrong with it.
    public static func parse(_ value: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> StoreLocation
    {
        let lower = value.lowercased()
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
            return .sqlite(path: value)
        }
        return .postgres(try PostgresLocation(url: value, environment: environment))
    }

    /// For messages: the path, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.redacted
        }
    }
}

/// A PostgreSQL database as a `--db` URL names it, with libpq's conventions where the URL says
/// nothing: the user from `$PGUSER`, else the login name; port 5432; the database named like
/// the user; the password from the URL, else `$PGPASSWORD`, else the password file
/// (`$PGPASSFILE`, else `~/.pgpass`).
public struct PostgresLocation: Sendable, Equatable {
    /// How the connection is made.
    public enum Endpoint: Sendable, Equatable {
        /// TCP to a host name or address.
        case tcp(host: String)
        /// A Unix socket in this directory (`?host=/run/postgresql`).
        case socket(directory: String)
    }

    /// TLS, as `?sslmode=` asks.
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS.
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS, the certificate not checked.
        case require
        /// TLS, the certificate checked against `sslrootcert` (else the system's roots) and the host name.
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// CA certificates (PEM) for `verify-full`.
    public var rootCertificatePath: String?

    /// Parses `postgres://[USER[:PASSWORD]@][HOST][:PORT][/DBNAME][?host=DIR&sslmode=…&sslrootcert=…]`.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func fail(_ why: String) -> StoreError {
            StoreError("--db \(Self.redact(url)): \(why)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw fail("not a postgres:// URL") }
        var socketDirectory: String?
        var tls = TLSMode.prefer
        var rootCertificate: String?
        var queryPort: Int?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "host":
                guard value.hasPrefix("/") else { throw fail("host= must be a socket directory (an absolute path)") }
                socketDirectory = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw fail("sslmode must be disable, prefer, require or verify-full, not \(value)")
                }
                tls = mode
            case "sslrootcert":
                rootCertificate = value
            case "port":
                guard let n = Int(value) else { throw fail("bad port \(value)") }
                queryPort = n
            default:
                throw fail("unknown parameter \(item.name)")
            }
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        if let host {
            endpoint = .tcp(host: host)
        } else {
            endpoint = .socket(directory: socketDirectory ?? "/run/postgresql")
        }
        if host != nil, socketDirectory != nil { throw fail("give a host or ?host=DIR, not both") }
        port = components.port ?? queryPort ?? 5432
        guard (1...65535).contains(port) else { throw fail("bad port \(port)") }
        let login = ProcessInfo.processInfo.userName
        user =
            components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? environment["PGUSER"] ?? login
        var name = components.path
        if name.hasPrefix("/") { name.removeFirst() }
        guard !name.contains("/") else { throw fail("the database name cannot hold '/'") }
        database = name.isEmpty ? user : (name.removingPercentEncoding ?? name)
        self.tls = tls
        rootCertificatePath = rootCertificate
        if tls == .verifyFull, case .socket = endpoint { throw fail("sslmode=verify-full needs a host name") }
        password =
            components.password.flatMap { $0.removingPercentEncoding }
            ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.passwordFile(environment: environment).flatMap {
                PasswordFile(text: $0).password(
                    host: host ?? "localhost", port: port, database: database, user: user)
            }
    }

    /// The URL without its password, for messages and `location`.
    public var redacted: String {
        var out = "postgres://\(user)@"
        switch endpoint {
        case .tcp(let host): out += host.contains(":") ? "[\(host)]" : host
        case .socket: break
        }
        out += ":\(port)/\(database)"
        var query: [String] = []
        if case .socket(let dir) = endpoint { query.append("host=\(dir)") }
        if tls != .prefer { query.append("sslmode=\(tls.rawValue)") }
        if let rootCertificatePath { query.append("sslrootcert=\(rootCertificatePath)") }
        return query.isEmpty ? out : out + "?" + query.joined(separator: "&")
    }

    /// `url` with any password in it replaced by `***`.
    static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    /// The password file's text: `$PGPASSFILE`, else `~/.pgpass`; as libpq does, ignored when
    /// others may read it (a mode other than 0600 or stricter).
    static func passwordFile(environment: [String: String]) -> String? {
        let path =
            environment["PGPASSFILE"]
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = attributes[.posixPermissions] as? Int, mode & 0o077 == 0
        else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }
}

/// A libpq password file: lines `hostname:port:database:username:password`, `*` matching
/// anything in the first four fields, `\:` and `\\` escaped, `#` comments; the first line that
/// matches wins.
struct PasswordFile {
    let entries: [[String]]

    init(text: String) {
        entries = text.split(whereSeparator: \.isNewline).compactMap { line -> [String]? in
            if line.hasPrefix("#") { return nil }
            var fields: [String] = []
            var current = ""
            var escaped = false
            for ch in line {
                if escaped {
                    current.append(ch)
                    escaped = false
                } else if ch == "\\" {
                    escaped = true
                } else if ch == ":" && fields.count < 4 {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(ch)
                }
            }
            fields.append(current)
            return fields.count == 5 ? fields : nil
        }
    }

    func password(host: String, port: Int, database: String, user: String) -> String? {
        let wanted = [host, String(port), database, user]
        return entries.first { entry in
            zip(entry.prefix(4), wanted).allSatisfy { $0 == "*" || $0 == $1 }
        }?[4]
    }
}
