import GRDB
import TLSRPTStore

/// The SQLite schema, as versioned migrations (GRDB's `DatabaseMigrator`). Documented in
/// `schemas/sqlite-schema.md`; a new version appends a migration, never edits an old one.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        m.registerMigration("v2") { db in
            try migrateToV2(db)
        }
        m.registerMigration("v3") { db in
            try db.execute(sql: v3)
        }
        m.registerMigration("v4") { db in
            try db.execute(sql: v4)
        }
        return m
    }

    /// v2 stores the rollups as cells: one row per grain, period and policy domain holding all
    /// of that domain's counts (`RollupCell`), keyed by numbers: each domain, organization, type,
    /// MX host and mode is written once in `rollup_texts`, and periods are integers (`20261124`
    /// for a day, `202611` for a month, `0` for all time). A bulk ingest of random reports made
    /// ~15 rollup upserts per report with v1's row per key, about one per grain with cells
    /// (BENCHMARKS.md §3). The v1 rows are read into cells, then the v1 tables dropped.
    static func migrateToV2(_ db: Database) throws {
        for kind in RollupQueries.Kind.allCases {
            for grain in RollupGrain.allCases {
                let name = kind.v1Table + grain.suffix
                try db.execute(sql: "ALTER TABLE \(name) RENAME TO v1_\(name)")
            }
        }
        try db.execute(sql: v2)
        try db.execute(sql: v2Copies)
        var ids: [String: Int64] = [:]
        func id(_ text: String) throws -> Int64 {
            if let known = ids[text] { return known }
            let made = try RollupCells.textID(db, text)
            ids[text] = made
            return made
        }
        for grain in RollupGrain.allCases {
            // v1 periods: YYYY-MM-DD, YYYY-MM, '' (all time).
            func key(_ period: String, _ domain: String) throws -> RollupCells.Key {
                let number = grain == .total ? 0 : Int64(period.replacingOccurrences(of: "-", with: "")) ?? 0
                return RollupCells.Key(period: number, domain: try id(domain))
            }
            // Cells are added to what is stored every 20,000, so memory stays bounded (a cell's
            // counts come from three tables, merged as they are added).
            var cells: [RollupCells.Key: RollupCell] = [:]
            func flushIfLarge() throws {
                guard cells.count >= 20_000 else { return }
                try RollupCells.add(db, grain, cells)
                cells = [:]
            }
            let sessions = try Row.fetchCursor(db, sql: "SELECT * FROM v1_rollup\(grain.suffix)")
            while let row = try sessions.next() {
                let k = RollupCell.SessionKey(
                    organization: try id(row["organization_name"]), policyType: try id(row["policy_type"]),
                    resultType: try id(row["result_type"]))
                cells[try key(row["period"], row["policy_domain"]), default: RollupCell()].sessions[k] =
                    RollupCell.Counts(
                        successful: row["successful_session_count"], failed: row["failed_session_count"],
                        policies: row["policy_count"])
                try flushIfLarge()
            }
            let mx = try Row.fetchCursor(db, sql: "SELECT * FROM v1_mx_rollup\(grain.suffix)")
            while let row = try mx.next() {
                let k = RollupCell.MXKey(
                    host: try id(row["receiving_mx_hostname"]), resultType: try id(row["result_type"]))
                cells[try key(row["period"], row["policy_domain"]), default: RollupCell()].mx[k] =
                    row["failed_session_count"]
                try flushIfLarge()
            }
            let modes = try Row.fetchCursor(db, sql: "SELECT * FROM v1_mode_rollup\(grain.suffix)")
            while let row = try modes.next() {
                cells[try key(row["period"], row["policy_domain"]), default: RollupCell()].modes[
                    try id(row["sts_mode"])] =
                    row["policy_count"]
                try flushIfLarge()
            }
            try RollupCells.add(db, grain, cells)
        }
        for kind in RollupQueries.Kind.allCases {
            for grain in RollupGrain.allCases {
                try db.execute(sql: "DROP TABLE v1_\(kind.v1Table)\(grain.suffix)")
            }
        }
    }

    /// Schema v1's rollup tables alone (tests make v1 databases with them).
    static var v1RollupTables: String { String(v1[v1.range(of: "-- Exact rollups")!.lowerBound...]) }

    /// v3 remembers where a remote input left off (`InputPosition`): for an IMAP mailbox, its
    /// UIDVALIDITY and the highest UID whose reports are committed, written in the same
    /// transaction as those reports.
    static let v3 = """
        CREATE TABLE input_positions (
            source TEXT PRIMARY KEY,
            validity INTEGER NOT NULL,
            position INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        """

    /// v4 keeps the DKIM verdict of every copy (RFC 8460 §3): `dkim` is `pass`, `fail`,
    /// `none`, `temperror` or `n/a` (HTTPS, report files), NULL when not checked (`--dkim off`,
    /// or stored before v4); a pass names the signing domain and selector, a fail or temperror
    /// its reason. `reports.dkim_pass` is 1 once any copy of the report passed (a report first
    /// posted by HTTPS and then mailed, signed, counts as verified): what `--dkim-pass` selects.
    /// Rollup cells count such reports per reporter (`RollupCell.dkimPassMarker`); existing
    /// databases have none, so nothing is recomputed.
    static let v4 = """
        ALTER TABLE reports ADD COLUMN dkim TEXT;
        ALTER TABLE reports ADD COLUMN dkim_domain TEXT;
        ALTER TABLE reports ADD COLUMN dkim_selector TEXT;
        ALTER TABLE reports ADD COLUMN dkim_reason TEXT;
        ALTER TABLE reports ADD COLUMN dkim_pass INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE receipts ADD COLUMN dkim TEXT;
        ALTER TABLE receipts ADD COLUMN dkim_domain TEXT;
        ALTER TABLE receipts ADD COLUMN dkim_selector TEXT;
        ALTER TABLE receipts ADD COLUMN dkim_reason TEXT;
        CREATE INDEX reports_dkim_pass ON reports(day) WHERE dkim_pass = 1;
        DROP VIEW copies_received;
        CREATE VIEW copies_received AS
            SELECT id AS report_ref, received_at, source, channel, message_id, 'stored' AS outcome,
                content_hash, NULL AS conflict_gzip, dkim, dkim_domain, dkim_selector, dkim_reason
            FROM reports
            UNION ALL
            SELECT report_ref, received_at, source, channel, message_id, outcome, content_hash, conflict_gzip,
                dkim, dkim_domain, dkim_selector, dkim_reason
            FROM receipts;
        """

    static let v1 = """
        -- One row per distinct report (identity: organization + report-id + start + end).
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            organization_name TEXT NOT NULL,
            report_id TEXT NOT NULL,
            begin TEXT NOT NULL,               -- RFC 3339 UTC with Z, fractional seconds kept
            "end" TEXT NOT NULL,
            begin_seconds INTEGER NOT NULL,    -- Unix seconds and nanoseconds, for identity and order
            begin_nanos INTEGER NOT NULL,
            end_seconds INTEGER NOT NULL,
            end_nanos INTEGER NOT NULL,
            day TEXT NOT NULL,                 -- UTC date of the start, YYYY-MM-DD
            contact_info TEXT,
            reporter_domain TEXT,
            content_hash BLOB NOT NULL,        -- SHA-256 of the normalized report (conflict detection)
            received_at INTEGER NOT NULL,      -- Unix seconds of the first copy
            UNIQUE (organization_name, report_id, begin_seconds, begin_nanos, end_seconds, end_nanos)
        );
        CREATE INDEX reports_day ON reports(day);

        -- Policies in report order; several may share type and domain.
        CREATE TABLE policies (
            id INTEGER PRIMARY KEY,
            report_ref INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            policy_type TEXT NOT NULL,         -- lower case, unknown values kept
            policy_domain TEXT NOT NULL,       -- lower case, no trailing dot, "" when unknown
            policy_strings TEXT NOT NULL,      -- JSON array, as received
            sts_mode TEXT,
            mx_patterns TEXT NOT NULL,         -- JSON array
            tlsa_records TEXT NOT NULL,        -- JSON array
            successful_session_count INTEGER NOT NULL,
            failed_session_count INTEGER NOT NULL
        );
        CREATE INDEX policies_report ON policies(report_ref);
        CREATE INDEX policies_domain ON policies(policy_domain);

        CREATE TABLE failure_details (
            id INTEGER PRIMARY KEY,
            policy_ref INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            result_type TEXT NOT NULL,
            sending_mta_ip TEXT,
            receiving_mx_hostname TEXT,
            receiving_mx_helo TEXT,
            receiving_ip TEXT,
            failed_session_count INTEGER NOT NULL,
            additional_information TEXT,
            failure_reason_code TEXT
        );
        CREATE INDEX failure_details_policy ON failure_details(policy_ref);

        -- The report as received, gzip-compressed, for audit and re-parse.
        CREATE TABLE raw_reports (
            report_ref INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
            gzip BLOB NOT NULL
        );

        -- Every copy received: the first (stored), retries and double deliveries (duplicate),
        -- and copies whose content differs from the stored one (conflict, with their bytes).
        CREATE TABLE receipts (
            id INTEGER PRIMARY KEY,
            report_ref INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,              -- file, message, part: where the bytes were
            channel TEXT NOT NULL,             -- file | mail | https
            message_id TEXT,
            outcome TEXT NOT NULL,             -- stored | duplicate | conflict
            content_hash BLOB NOT NULL,
            conflict_gzip BLOB                 -- the differing copy, for conflicts
        );
        CREATE INDEX receipts_report ON receipts(report_ref);

        -- Inputs that held no valid report: why, and the bytes (up to a cap).
        CREATE TABLE rejected_inputs (
            id INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,                -- ReportError.Kind
            json_path TEXT NOT NULL,
            reason TEXT NOT NULL,
            byte_count INTEGER NOT NULL,
            bytes BLOB                         -- first bytes only (cap: 1 MB)
        );
        CREATE INDEX rejected_received ON rejected_inputs(received_at);

        -- Exact rollups, kept on insert so summaries never scan raw rows. One row per
        -- period x policy domain x reporter x policy type x result type. result_type '' holds
        -- the summaries' session counts; other rows hold failure-detail sums for that type.
        -- Three grains: _day (period YYYY-MM-DD, keyed by period first, for partial months),
        -- _month (YYYY-MM) and _total (period ''), keyed by domain first so that grouping by
        -- domain follows the key and needs no sort.
        CREATE TABLE rollup_day (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            organization_name TEXT NOT NULL,
            policy_type TEXT NOT NULL,
            result_type TEXT NOT NULL,
            successful_session_count INTEGER NOT NULL,
            failed_session_count INTEGER NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (period, policy_domain, organization_name, policy_type, result_type)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_month (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            organization_name TEXT NOT NULL,
            policy_type TEXT NOT NULL,
            result_type TEXT NOT NULL,
            successful_session_count INTEGER NOT NULL,
            failed_session_count INTEGER NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, organization_name, policy_type, result_type, period)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_total (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            organization_name TEXT NOT NULL,
            policy_type TEXT NOT NULL,
            result_type TEXT NOT NULL,
            successful_session_count INTEGER NOT NULL,
            failed_session_count INTEGER NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, organization_name, policy_type, result_type, period)
        ) WITHOUT ROWID;

        -- Failed sessions per receiving MX host (from failure details).
        CREATE TABLE mx_rollup_day (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            receiving_mx_hostname TEXT NOT NULL,
            result_type TEXT NOT NULL,
            failed_session_count INTEGER NOT NULL,
            PRIMARY KEY (period, policy_domain, receiving_mx_hostname, result_type)
        ) WITHOUT ROWID;
        CREATE TABLE mx_rollup_month (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            receiving_mx_hostname TEXT NOT NULL,
            result_type TEXT NOT NULL,
            failed_session_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, receiving_mx_hostname, result_type, period)
        ) WITHOUT ROWID;
        CREATE TABLE mx_rollup_total (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            receiving_mx_hostname TEXT NOT NULL,
            result_type TEXT NOT NULL,
            failed_session_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, receiving_mx_hostname, result_type, period)
        ) WITHOUT ROWID;

        -- MTA-STS modes seen per domain (policies counted).
        CREATE TABLE mode_rollup_day (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            sts_mode TEXT NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (period, policy_domain, sts_mode)
        ) WITHOUT ROWID;
        CREATE TABLE mode_rollup_month (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            sts_mode TEXT NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, sts_mode, period)
        ) WITHOUT ROWID;
        CREATE TABLE mode_rollup_total (
            period TEXT NOT NULL,
            policy_domain TEXT NOT NULL,
            sts_mode TEXT NOT NULL,
            policy_count INTEGER NOT NULL,
            PRIMARY KEY (policy_domain, sts_mode, period)
        ) WITHOUT ROWID;
        """

    /// v2 also keeps the first copy's provenance in `reports` (source, channel, message-id):
    /// `receipts` holds the copies after it (duplicates, conflicts), and the view
    /// `copies_received` shows them all. One row less per stored report: 9 % of a bulk
    /// ingest's writing (BENCHMARKS.md §3). The policies' domain index goes too: rollups serve
    /// the queries by domain, and an export by domain reads the policies in order anyway.
    static let v2Copies = """
        ALTER TABLE reports ADD COLUMN source TEXT NOT NULL DEFAULT '';
        ALTER TABLE reports ADD COLUMN channel TEXT NOT NULL DEFAULT '';
        ALTER TABLE reports ADD COLUMN message_id TEXT;
        UPDATE reports SET (source, channel, message_id) = (
            SELECT source, channel, message_id FROM receipts
            WHERE receipts.report_ref = reports.id AND outcome = 'stored' ORDER BY id LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM receipts WHERE receipts.report_ref = reports.id AND outcome = 'stored');
        DELETE FROM receipts WHERE outcome = 'stored';
        DROP INDEX policies_domain;
        -- Every copy received, the first (stored in reports) and the later ones (receipts).
        CREATE VIEW copies_received AS
            SELECT id AS report_ref, received_at, source, channel, message_id, 'stored' AS outcome,
                content_hash, NULL AS conflict_gzip
            FROM reports
            UNION ALL
            SELECT report_ref, received_at, source, channel, message_id, outcome, content_hash, conflict_gzip
            FROM receipts;
        """

    /// Schema v2's tables (see `migrateToV2`).
    static let v2 =
        """
        -- The texts of the rollup keys (policy domains, organizations, policy and result types,
        -- MX hosts, MTA-STS modes), each once. Never deleted, so an id stays valid for good.
        CREATE TABLE rollup_texts (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL UNIQUE
        );
        """ + RollupGrain.allCases.map(v2Rollups).joined()

    /// The rollup table of one grain: exact, kept on insert so summaries never scan raw rows.
    /// One row per period and policy domain (a `rollup_texts` id); `cell` holds every count of
    /// that domain in that period, keyed by `rollup_texts` ids (`RollupCell`). Periods are
    /// integers: YYYYMMDD in rollup_day, YYYYMM in rollup_month, 0 in rollup_total.
    static func v2Rollups(_ grain: RollupGrain) -> String {
        """

        CREATE TABLE rollup\(grain.suffix) (
            period INTEGER NOT NULL,
            domain_id INTEGER NOT NULL,
            cell BLOB NOT NULL,
            PRIMARY KEY (period, domain_id)
        ) WITHOUT ROWID;
        """
    }
}
