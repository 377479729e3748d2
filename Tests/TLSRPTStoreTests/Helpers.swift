import Foundation
import TLSRPT
import TLSRPTIngest
import TLSRPTMail
import TLSRPTStore
import TLSRPTStorePostgres
import TLSRPTStoreSQLite
import TLSRPTTestSupport
import Testing

/// A fresh store in a temporary directory.
func freshStore() throws -> SQLiteStore {
    let dir = try TestPaths.temporaryDirectory("store")
    return try SQLiteStore(path: dir.appendingPathComponent("t.sqlite").path)
}

/// Ingests `paths` into `store`, returning the tally.
@discardableResult
func ingest(_ store: SQLiteStore, _ paths: [String], batchSize: Int = 7) throws -> IngestTally {
    let session = IngestSession(store: store, batchSize: batchSize)
    try ReportExtractor().extract(paths) { try session.add($0) }
    try session.flush()
    return session.tally
}

/// Ingests reports made in memory (as JSON files would arrive).
@discardableResult
func ingest(_ store: SQLiteStore, reports: [Report], batchSize: Int = 50) throws -> IngestTally {
    let session = IngestSession(store: store, batchSize: batchSize)
    for (i, r) in reports.enumerated() {
        let json = Array(ReportEncoder(pretty: false).encode(r).utf8)
        try ReportExtractor().decode(Payload(provenance: Provenance(origin: "mem-\(i).json"), bytes: json)) {
            try session.add($0)
        }
    }
    try session.flush()
    return session.tally
}

/// Opens the store a test database names: a SQLite path or a PostgreSQL URL (`TestBackend`).
func openStore(_ db: String) throws -> any ReportStore {
    switch try StoreLocation.parse(db) {
    case .sqlite(let path): return try SQLiteStore(path: path)
    case .postgres(let location): return try PostgresStore(location)
    }
}
