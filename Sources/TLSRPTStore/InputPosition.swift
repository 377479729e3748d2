/// Where a remote input left off, kept in the database with the reports it covers, so the
/// next run of the same input reads only what is new. For an IMAP mailbox: the source is the
/// account and folder, `validity` its UIDVALIDITY, `position` the highest UID done. The store
/// keeps the numbers; what they mean is the input's business.
public struct InputPosition: Sendable, Equatable {
    /// The input (for IMAP, the mailbox URL without password).
    public var source: String
    /// A number that, when it changes, makes `position` meaningless (UIDVALIDITY).
    public var validity: Int64
    /// How far the input is done.
    public var position: Int64

    /// Creates a position.
    public init(source: String, validity: Int64, position: Int64) {
        self.source = source
        self.validity = validity
        self.position = position
    }
}
