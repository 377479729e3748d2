/// Where a mailbox is: `imaps://USER@HOST[:PORT]/FOLDER` (TLS from the first byte, port 993) or
/// `imap://USER@HOST[:PORT]/FOLDER` (port 143), user and folder percent-encoded as in RFC 5092.
public struct MailboxURL: Sendable, Equatable, CustomStringConvertible {
    /// `imaps` or `imap`.
    public var scheme: String
    /// The login name (percent-decoded).
    public var user: String
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// The port, given or the scheme's default.
    public var port: Int
    /// The mailbox (percent-decoded; `INBOX` when the path is empty).
    public var folder: String

    /// Whether the connection is TLS from its first byte.
    public var implicitTLS: Bool { scheme == "imaps" }

    /// Parses a URL; an error names what is wrong with it.
    public init(parsing text: String) throws(IMAPProtocolError) {
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw IMAPProtocolError("not an IMAP URL (imaps://USER@HOST[:PORT]/FOLDER): \(text)")
        }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "imaps" || scheme == "imap" else {
            throw IMAPProtocolError("unknown scheme \(scheme): (imaps:// or imap://)")
        }
        let rest = text[schemeEnd.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash < rest.endIndex ? rest[rest.index(after: slash)...] : ""
        guard let at = authority.lastIndex(of: "@") else {
            throw IMAPProtocolError("the IMAP URL names no user (imaps://USER@HOST/FOLDER): \(text)")
        }
        var userPart = authority[..<at]
        // RFC 5092 `;AUTH=…` after the user: the mechanism is chosen from the server's list.
        if let semi = userPart.firstIndex(of: ";") { userPart = userPart[..<semi] }
        guard let user = Self.percentDecoded(userPart), !user.isEmpty else {
            throw IMAPProtocolError("the IMAP URL's user is empty or badly percent-encoded: \(text)")
        }
        self.user = user
        let hostPort = authority[authority.index(after: at)...]
        var portText: Substring?
        if hostPort.first == "[" {
            guard let close = hostPort.firstIndex(of: "]") else { throw IMAPProtocolError("unclosed [ in \(text)") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.first == ":" {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw IMAPProtocolError("unexpected text after the host in \(text)")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw IMAPProtocolError("the IMAP URL names no host: \(text)") }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw IMAPProtocolError("bad port \(portText) in \(text)")
            }
            port = p
        } else {
            port = scheme == "imaps" ? 993 : 143
        }
        var folderPart = path
        if let semi = folderPart.firstIndex(of: ";") { folderPart = folderPart[..<semi] }
        guard let folder = Self.percentDecoded(folderPart) else {
            throw IMAPProtocolError("the IMAP URL's folder is badly percent-encoded: \(text)")
        }
        self.folder = folder.isEmpty ? "INBOX" : folder
    }

    /// The URL, with the password never part of it.
    public var description: String {
        "\(scheme)://\(Self.encode(user))@\(hostForURL)\(portForURL)/\(Self.encode(folder))"
    }

    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    var portForURL: String { port == (scheme == "imaps" ? 993 : 143) ? "" : ":\(port)" }

    /// The URL of one message (RFC 5092 §3: `;UIDVALIDITY=` on the mailbox, `/;UID=`).
    public func message(uidValidity: UInt32, uid: UInt32) -> String {
        "\(description);UIDVALIDITY=\(uidValidity)/;UID=\(uid)"
    }

    /// A key for the account and folder: the URL without the scheme's default port.
    public var accountKey: String { description }

    static func percentDecoded(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func encode(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in s.utf8 {
            let unreserved =
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
                || b == UInt8(ascii: "/")
            if unreserved {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
