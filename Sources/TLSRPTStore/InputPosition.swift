import GRDB

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

extension ReportStore {
    /// The position last recorded for `source`, if any.
    public func inputPosition(_ source: String) throws -> InputPosition? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT validity, position FROM input_positions WHERE source = ?", arguments: [source]
            )
            .map { InputPosition(source: source, validity: $0[0], position: $0[1]) }
        }
    }

    /// Records `position` (in its own transaction; `IngestSession.flush(recording:)` records
    /// it with the reports it covers).
    public func recordInputPosition(_ position: InputPosition, at time: Int64) throws {
        try write { db in try Self.record(position, db, at: time) }
    }

    static func record(_ p: InputPosition, _ db: Database, at time: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO input_positions (source, validity, position, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(source) DO UPDATE SET validity = excluded.validity, position = excluded.position,
                updated_at = excluded.updated_at
                """, arguments: [p.source, p.validity, p.position, time])
    }
}
