/// The PostgreSQL schema, as numbered migrations (documented in `schemas/postgres-schema.md`).
/// The first command that opens an older database applies what is missing, in one transaction
/// holding an advisory lock, so two processes starting at once apply each migration once.
enum PostgresSchema {
    /// The advisory lock key taken while migrating (any fixed number; "tlsrpt" in ASCII).
    static let migrationLock: Int64 = 0x746c_7372_7074

    /// Migrations in order; a database is at version N when the first N have been applied.
    static let migrations: [[String]] = [
        // 1: reports, their copies, rejected inputs, input positions, rollups.
        [
            """
            CREATE TABLE reports (
                id bigserial PRIMARY KEY,
                organization_name text NOT NULL,
                report_id text NOT NULL,
                begin_at text NOT NULL,
                end_at text NOT NULL,
                begin_seconds bigint NOT NULL,
                begin_nanos integer NOT NULL,
                end_seconds bigint NOT NULL,
                end_nanos integer NOT NULL,
                day text NOT NULL,
                contact_info text,
                reporter_domain text,
                content_hash bytea NOT NULL,
                received_at bigint NOT NULL,
                source text NOT NULL,
                channel text NOT NULL,
                message_id text,
                dkim text,
                dkim_domain text,
                dkim_selector text,
                dkim_reason text,
                dkim_pass boolean NOT NULL DEFAULT false,
                UNIQUE (organization_name, report_id, begin_seconds, begin_nanos, end_seconds, end_nanos)
            )
            """,
            "CREATE INDEX reports_day ON reports (day)",
            "CREATE INDEX reports_dkim_pass ON reports (day) WHERE dkim_pass",
            """
            CREATE TABLE policies (
                id bigserial PRIMARY KEY,
                report_ref bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
                position integer NOT NULL,
                policy_type text NOT NULL,
                policy_domain text NOT NULL,
                policy_strings text NOT NULL,
                sts_mode text,
                mx_patterns text NOT NULL,
                tlsa_records text NOT NULL,
                successful_session_count bigint NOT NULL,
                failed_session_count bigint NOT NULL,
                UNIQUE (report_ref, position)
            )
            """,
            "CREATE INDEX policies_domain ON policies (policy_domain)",
            """
            CREATE TABLE failure_details (
                id bigserial PRIMARY KEY,
                policy_ref bigint NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
                position integer NOT NULL,
                result_type text NOT NULL,
                sending_mta_ip text,
                receiving_mx_hostname text,
                receiving_mx_helo text,
                receiving_ip text,
                failed_session_count bigint NOT NULL,
                additional_information text,
                failure_reason_code text,
                UNIQUE (policy_ref, position)
            )
            """,
            """
            CREATE TABLE raw_reports (
                report_ref bigint PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
                gzip bytea NOT NULL
            )
            """,
            """
            CREATE TABLE receipts (
                id bigserial PRIMARY KEY,
                report_ref bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
                received_at bigint NOT NULL,
                source text NOT NULL,
                channel text NOT NULL,
                message_id text,
                outcome text NOT NULL,
                content_hash bytea NOT NULL,
                conflict_gzip bytea,
                dkim text,
                dkim_domain text,
                dkim_selector text,
                dkim_reason text
            )
            """,
            "CREATE INDEX receipts_report ON receipts (report_ref)",
            """
            CREATE TABLE rejected_inputs (
                id bigserial PRIMARY KEY,
                received_at bigint NOT NULL,
                source text NOT NULL,
                channel text NOT NULL,
                kind text NOT NULL,
                json_path text NOT NULL,
                reason text NOT NULL,
                byte_count bigint NOT NULL,
                bytes bytea
            )
            """,
            """
            CREATE TABLE input_positions (
                source text PRIMARY KEY,
                validity bigint NOT NULL,
                position bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            // Rollups, one row per key at three grains (0 day YYYYMMDD, 1 month YYYYMM, 2 all
            // time 0). Sums are numeric: a report may claim 2^63 - 1 sessions, and two of them
            // must not fail a batch; reads hold them at the 64-bit limits.
            """
            CREATE TABLE rollup_sessions (
                grain smallint NOT NULL,
                period bigint NOT NULL,
                domain text NOT NULL,
                organization text NOT NULL,
                policy_type text NOT NULL,
                result_type text NOT NULL,
                successful numeric NOT NULL,
                failed numeric NOT NULL,
                policies bigint NOT NULL,
                PRIMARY KEY (grain, period, domain, organization, policy_type, result_type)
            )
            """,
            """
            CREATE TABLE rollup_mx (
                grain smallint NOT NULL,
                period bigint NOT NULL,
                domain text NOT NULL,
                host text NOT NULL,
                result_type text NOT NULL,
                failed numeric NOT NULL,
                contributors bigint NOT NULL,
                PRIMARY KEY (grain, period, domain, host, result_type)
            )
            """,
            """
            CREATE TABLE rollup_modes (
                grain smallint NOT NULL,
                period bigint NOT NULL,
                domain text NOT NULL,
                mode text NOT NULL,
                policies bigint NOT NULL,
                PRIMARY KEY (grain, period, domain, mode)
            )
            """,
            """
            CREATE TABLE rollup_dkim (
                grain smallint NOT NULL,
                period bigint NOT NULL,
                domain text NOT NULL,
                organization text NOT NULL,
                reports bigint NOT NULL,
                PRIMARY KEY (grain, period, domain, organization)
            )
            """,
        ],
        // 2: no foreign keys. Their checks (a lookup of the parent row for every inserted
        // policy, failure detail, raw report and receipt) were half the time of inserting those
        // rows in bulk; the store writes a report and its rows in one transaction, `prune`
        // deletes the children itself, and `verify` counts rows without a parent.
        [
            "ALTER TABLE policies DROP CONSTRAINT IF EXISTS policies_report_ref_fkey",
            "ALTER TABLE failure_details DROP CONSTRAINT IF EXISTS failure_details_policy_ref_fkey",
            "ALTER TABLE raw_reports DROP CONSTRAINT IF EXISTS raw_reports_report_ref_fkey",
            "ALTER TABLE receipts DROP CONSTRAINT IF EXISTS receipts_report_ref_fkey",
        ],
    ]

    /// Brings the database to the latest version (see the type's comment); on failure the
    /// caller closes the connection, which rolls the transaction back.
    static func migrate(_ session: PostgresSession, now: Int64) throws {
        try session.query("BEGIN")
        try session.query("SELECT pg_advisory_xact_lock($1)", [.int(migrationLock)])
        try session.query(
            "CREATE TABLE IF NOT EXISTS tlsrpt_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)"
        )
        let current = Int(try session.count("SELECT MAX(version) FROM tlsrpt_migrations"))
        guard current <= migrations.count else {
            throw PostgresStoreError.newerSchema(current, known: migrations.count)
        }
        for (i, statements) in migrations.enumerated() where i >= current {
            for sql in statements { try session.query(sql) }
            try session.query(
                "INSERT INTO tlsrpt_migrations (version, applied_at) VALUES ($1, $2)",
                [.int(Int64(i + 1)), .int(now)])
        }
        try session.query("COMMIT")
    }

    /// Checks, without writing anything, that the database is at the version this tlsrpt
    /// knows (a read-only user such as `tlsrpt web` cannot migrate it).
    static func checkCurrent(_ session: PostgresSession) throws {
        let exists = try session.count("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'tlsrpt_migrations'")
        let current =
            exists == 0 ? 0 : Int(try session.count("SELECT COALESCE(MAX(version), 0) FROM tlsrpt_migrations"))
        if current > migrations.count { throw PostgresStoreError.newerSchema(current, known: migrations.count) }
        if current < migrations.count { throw PostgresStoreError.olderSchema(current, known: migrations.count) }
    }
}
