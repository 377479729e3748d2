/// A server response, as far as this client needs to understand one (RFC 9051 §7; RFC 3501 §7).
public enum IMAPResponse: Sendable, Equatable {
    /// The completion of a command: `TAG OK|NO|BAD [CODE] text`.
    case tagged(tag: String, StatusResponse)
    /// Data or a status the server sends on its own (`* …`).
    case untagged(UntaggedResponse)
    /// `+ text`: the server waits for the rest of a command (a literal, IDLE's `DONE`).
    case continuation(String)
}

/// `OK`, `NO`, `BAD`, `PREAUTH` or `BYE`, with the optional response code and the text.
public struct StatusResponse: Sendable, Equatable {
    /// The status word.
    public enum Status: String, Sendable {
        case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"
    }

    /// The status.
    public var status: Status
    /// The bracketed response code (`[UIDVALIDITY 3]`, `[TRYCREATE]`, `[AUTHENTICATIONFAILED]`).
    public var code: ResponseCode?
    /// Human-readable text.
    public var text: String

    /// Creates a status response.
    public init(status: Status, code: ResponseCode? = nil, text: String) {
        self.status = status
        self.code = code
        self.text = text
    }
}

/// A response code: its name, upper-cased, and its arguments as written.
public struct ResponseCode: Sendable, Equatable {
    /// `UIDVALIDITY`, `UIDNEXT`, `CAPABILITY`, `COPYUID`, `TRYCREATE`, …
    public var name: String
    /// The words after the name (`["3"]` for `[UIDVALIDITY 3]`).
    public var arguments: [String]

    /// Creates a response code.
    public init(name: String, arguments: [String] = []) {
        self.name = name
        self.arguments = arguments
    }

    /// The first argument as a number (UIDVALIDITY, UIDNEXT).
    public var number: UInt32? { arguments.first.flatMap { UInt32($0) } }
}

/// An untagged response.
public enum UntaggedResponse: Sendable, Equatable {
    /// `* OK|NO|BAD|PREAUTH|BYE …`.
    case status(StatusResponse)
    /// `* CAPABILITY …` (names upper-cased).
    case capability([String])
    /// `* N EXISTS`: the mailbox now holds N messages.
    case exists(Int)
    /// `* N EXPUNGE`.
    case expunge(Int)
    /// `* N RECENT`.
    case recent(Int)
    /// `* N FETCH (…)`.
    case fetch(sequence: Int, FetchAttributes)
    /// `* SEARCH n n …` (UIDs for `UID SEARCH`).
    case search([UInt32])
    /// `* LIST (flags) "delim" name`.
    case list(flags: [String], delimiter: String?, name: [UInt8])
    /// Anything else (`FLAGS`, `ENABLED`, `VANISHED`, …): the keyword and the raw rest.
    case other(keyword: String)
}

/// What a FETCH response carried that this client asks for.
public struct FetchAttributes: Sendable, Equatable {
    /// `UID`.
    public var uid: UInt32?
    /// `RFC822.SIZE`.
    public var size: Int?
    /// `BODY[]` (a whole message), or NIL.
    public var body: [UInt8]?
    /// `FLAGS`.
    public var flags: [String]?

    /// Creates attributes.
    public init(uid: UInt32? = nil, size: Int? = nil, body: [UInt8]? = nil, flags: [String]? = nil) {
        self.uid = uid
        self.size = size
        self.body = body
        self.flags = flags
    }
}
