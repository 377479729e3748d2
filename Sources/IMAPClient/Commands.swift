import Foundation
import IMAPProtocol

/// What `SELECT` says about a mailbox.
public struct SelectedMailbox: Sendable, Equatable {
    /// The mailbox's UIDVALIDITY: UIDs mean the same messages only while it stays the same.
    public var uidValidity: UInt32
    /// The UID the next message will get, when the server says.
    public var uidNext: UInt32?
    /// Messages in the mailbox.
    public var exists: Int
}

/// A message's UID and size (from `UID FETCH … (UID RFC822.SIZE)`).
public struct MessageSize: Sendable, Equatable {
    /// The UID.
    public var uid: UInt32
    /// Its size in bytes.
    public var size: Int
}

extension IMAPConnection {
    /// Logs in: `AUTHENTICATE PLAIN` (RFC 4616) when offered, else `LOGIN`. The password is
    /// never part of an error message. A server that announces LOGINDISABLED and no SASL
    /// mechanism (no login before TLS) gets no password at all.
    public func login(user: String, password: String) async throws {
        if capabilities.isEmpty { try await refreshCapabilities() }
        if capabilities.contains("LOGINDISABLED") && !capabilities.contains("AUTH=PLAIN") {
            throw IMAPError.unsupported(
                "the server refuses to log in over this connection (LOGINDISABLED): use imaps:// or --starttls")
        }
        let offered = capabilities
        // The completion of a login often carries the capabilities after it ([CAPABILITY …]).
        capabilities = []
        do {
            if offered.contains("AUTH=PLAIN") {
                let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                if offered.contains("SASL-IR") {
                    try await run("AUTHENTICATE PLAIN \(token)", display: "AUTHENTICATE PLAIN")
                } else {
                    let tag = try await sendCommand("AUTHENTICATE PLAIN")
                    _ = try await awaitContinuation(display: "AUTHENTICATE PLAIN")
                    try await send(Array("\(token)\r\n".utf8))
                    try await complete(tag, display: "AUTHENTICATE PLAIN")
                }
            } else {
                try await run("LOGIN \(try astring(user)) \(try astring(password))", display: "LOGIN")
            }
        } catch IMAPError.commandFailed(_, let status) {
            throw IMAPError.authenticationFailed("\(status.code.map { "[\($0.name)] " } ?? "")\(status.text)")
        }
        // Servers add capabilities after login (MOVE, UIDPLUS on Dovecot): ask unless the
        // completion carried them.
        if capabilities.isEmpty { try await refreshCapabilities() }
    }

    /// An IMAP string for a login argument: quoted when it can be.
    func astring(_ s: String) throws -> String {
        guard s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw IMAPError.unsupported(
                "the server offers no AUTHENTICATE PLAIN, and LOGIN cannot carry a user or password outside printable ASCII"
            )
        }
        return MailboxName.quoted(s)
    }

    /// Selects `folder` (read-write).
    public func select(_ folder: String) async throws -> SelectedMailbox {
        var validity: UInt32?
        var next: UInt32?
        var exists = 0
        try await run("SELECT \(MailboxName.quoted(MailboxName.encode(folder)))", display: "SELECT \(folder)") { u in
            switch u {
            case .status(let s):
                if s.code?.name == "UIDVALIDITY" { validity = s.code?.number }
                if s.code?.name == "UIDNEXT" { next = s.code?.number }
            case .exists(let n): exists = n
            default: break
            }
        }
        guard let validity else { throw IMAPError.protocolViolation("SELECT \(folder) gave no UIDVALIDITY") }
        return SelectedMailbox(uidValidity: validity, uidNext: next, exists: exists)
    }

    /// UIDs and sizes of the messages with a UID of `from` or more, in UID order.
    public func sizes(fromUID from: UInt32) async throws -> [MessageSize] {
        var found: [MessageSize] = []
        try await run("UID FETCH \(from):* (UID RFC822.SIZE)") { u in
            if case .fetch(_, let a) = u, let uid = a.uid, let size = a.size, uid >= from {
                found.append(MessageSize(uid: uid, size: size))
            }
        }
        // `N:*` names the last message even when its UID is below N (RFC 3501 §6.4.8): that
        // one was filtered above.
        return found.sorted { $0.uid < $1.uid }
    }

    /// Starts fetching the whole messages `uids` (`BODY.PEEK[]`: their \Seen flag is left
    /// alone); read them with `receiveMessages`. Several fetches may be in flight at once.
    public func requestMessages(_ uids: [UInt32]) async throws -> PendingFetch {
        let set = UIDSet.text(uids)
        let tag = try await sendCommand("UID FETCH \(set) (UID BODY.PEEK[])")
        return PendingFetch(tag: tag, uids: uids)
    }

    /// Reads the answer to a `requestMessages`: each message as it comes.
    public func receiveMessages(_ pending: PendingFetch, _ each: (UInt32, [UInt8]) throws -> Void) async throws {
        let wanted = Set(pending.uids)
        try await complete(pending.tag, display: "UID FETCH") { u in
            guard case .fetch(_, let a) = u, let uid = a.uid, wanted.contains(uid), let body = a.body else { return }
            try each(uid, body)
        }
    }

    /// Creates `folder` unless it exists.
    public func createIfMissing(_ folder: String) async throws {
        let name = MailboxName.quoted(MailboxName.encode(folder))
        var exists = false
        try await run("LIST \"\" \(name)") { u in
            if case .list = u { exists = true }
        }
        if !exists {
            do {
                try await run("CREATE \(name)", display: "CREATE \(folder)")
            } catch IMAPError.commandFailed(_, let status) where status.code?.name == "ALREADYEXISTS" {
                // Another client made it meanwhile (RFC 5530).
            }
        }
    }

    /// Moves messages to `folder`: `UID MOVE` (RFC 6851) where the server has it, else
    /// `UID COPY`, `UID STORE +FLAGS (\Deleted)` and `UID EXPUNGE` (RFC 4315) or, without
    /// UIDPLUS, nothing more (the copies are made and the originals marked; a later EXPUNGE by
    /// any client removes them).
    public func move(_ uids: [UInt32], to folder: String) async throws {
        guard !uids.isEmpty else { return }
        let set = UIDSet.text(uids)
        let name = MailboxName.quoted(MailboxName.encode(folder))
        if capabilities.contains("MOVE") {
            try await run("UID MOVE \(set) \(name)", display: "UID MOVE to \(folder)")
            return
        }
        try await run("UID COPY \(set) \(name)", display: "UID COPY to \(folder)")
        try await run("UID STORE \(set) +FLAGS.SILENT (\\Deleted)")
        if capabilities.contains("UIDPLUS") {
            try await run("UID EXPUNGE \(set)")
        }
    }

    /// Waits in IDLE (RFC 2177) until the server reports a change, `seconds` pass, or an
    /// interruption; then ends IDLE. Returns what woke it.
    public func idle(seconds: Double) async throws -> Wake {
        guard capabilities.contains("IDLE") else { throw IMAPError.unsupported("the server does not offer IDLE") }
        let tag = try await sendCommand("IDLE")
        _ = try await awaitContinuation(display: "IDLE")
        var wake = Wake.timeout
        if let early = unsolicited.first(where: Self.isChange) {
            wake = .server(early)
        } else {
            while true {
                let w = try await wait(seconds: seconds)
                if case .server(let u) = w, !Self.isChange(u) { continue }  // "* OK Still here"
                wake = w
                break
            }
        }
        unsolicited.removeAll()
        try await send(Array("DONE\r\n".utf8))
        try await complete(tag, display: "IDLE")
        return wake
    }

    static func isChange(_ u: UntaggedResponse) -> Bool {
        switch u {
        case .exists, .expunge, .recent, .fetch: return true
        default: return false
        }
    }

    /// Says goodbye; errors are ignored (the connection is going anyway).
    public func logout() async {
        _ = try? await run("LOGOUT")
        await close()
    }
}

/// A fetch sent and not yet read.
public struct PendingFetch: Sendable {
    let tag: String
    /// The UIDs asked for.
    public let uids: [UInt32]
}

/// UID sets on the wire: runs written as ranges (`3:7,9`).
public enum UIDSet {
    /// The sequence-set text of `uids` (sorted, duplicates merged).
    public static func text(_ uids: [UInt32]) -> String {
        let sorted = Array(Set(uids)).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
