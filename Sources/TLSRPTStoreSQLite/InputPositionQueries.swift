import GRDB
import TLSRPTStore

extension SQLiteStore {
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
