// The writer's floor: the SQL work of a bulk ingest replayed from C, with no Swift, no parsing,
// no rollup arithmetic. It reads every row a `tlsrpt ingest` stored (reports, policies, failure
// details, raw bytes, rollup cells) into memory, then writes them into a new database with the
// same schema, pragmas and statements, in the same batches (500, 1000, 2000, 4000, then 5000),
// one durable transaction each: per report the identity insert, its policies, failure details
// and raw bytes; per batch a read and a write of every day, month and all-time cell the batch
// touches (the final cells' bytes: as large as or larger than the ingest's intermediate ones).
// What it measures is what SQLite alone needs on one thread for the rows the issue asks for.
//
// Usage: [FLOOR_LEAN=indexes,raw,day,fk] sqlite_floor SOURCE.sqlite DEST.sqlite
//   (prints seconds of CPU and wall)
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(2);
    }
}

// A table's rows, each a copy of its column values.
typedef struct {
    int columns;
    int count;
    sqlite3_value **values;  // count * columns
} Rows;

static Rows load(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    check(sqlite3_prepare_v2(db, sql, -1, &st, 0), db, sql);
    Rows r = {sqlite3_column_count(st), 0, 0};
    int capacity = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (r.count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            r.values = realloc(r.values, sizeof(sqlite3_value *) * capacity * r.columns);
        }
        for (int c = 0; c < r.columns; c++) r.values[r.count * r.columns + c] = sqlite3_value_dup(sqlite3_column_value(st, c));
        r.count++;
    }
    sqlite3_finalize(st);
    return r;
}

static sqlite3_value *at(Rows *r, int row, int column) { return r->values[row * r->columns + column]; }

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, 0), db, sql);
    return st;
}

static void run(sqlite3 *db, sqlite3_stmt *st) {
    check(sqlite3_step(st), db, sqlite3_sql(st));
    sqlite3_reset(st);
}

// Cell keys a batch touches, deduplicated with a small open-addressing set. A key is
// period * 1000003 + domain id + 1: unique while domain ids stay below a million.
typedef struct {
    long long *keys;
    int capacity;
} KeySet;

static void keyset_add(KeySet *s, long long period, long long domain) {
    long long k = period * 1000003LL + domain + 1;
    unsigned long long h = (unsigned long long)k * 0x9E3779B97F4A7C15ULL;
    for (int i = (int)(h >> 40) & (s->capacity - 1);; i = (i + 1) & (s->capacity - 1)) {
        if (s->keys[i] == k) return;
        if (s->keys[i] == 0) {
            s->keys[i] = k;
            return;
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SOURCE.sqlite DEST.sqlite\n", argv[0]);
        return 64;
    }
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3 *src, *db;
    check(sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, 0), src, argv[1]);

    Rows reports = load(src,
        "SELECT id, organization_name, report_id, begin, \"end\", begin_seconds, begin_nanos, end_seconds, end_nanos, "
        "day, contact_info, reporter_domain, content_hash, received_at, source, channel, message_id FROM reports ORDER BY id");
    Rows policies = load(src,
        "SELECT report_ref, position, policy_type, policy_domain, policy_strings, sts_mode, mx_patterns, tlsa_records, "
        "successful_session_count, failed_session_count, id FROM policies ORDER BY id");
    Rows details = load(src,
        "SELECT policy_ref, position, result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip, "
        "failed_session_count, additional_information, failure_reason_code FROM failure_details ORDER BY id");
    Rows raw = load(src, "SELECT report_ref, gzip FROM raw_reports ORDER BY report_ref");
    Rows texts = load(src, "SELECT text FROM rollup_texts ORDER BY id");
    // Per policy: the day period and domain id its rollups go to.
    Rows touches = load(src,
        "SELECT p.report_ref, CAST(replace(r.day, '-', '') AS INTEGER), t.id FROM policies p "
        "JOIN reports r ON r.id = p.report_ref JOIN rollup_texts t ON t.text = p.policy_domain ORDER BY p.id");
    const char *grains[3] = {"_day", "_month", "_total"};
    Rows cells[3];
    for (int g = 0; g < 3; g++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT period, domain_id, cell FROM rollup%s", grains[g]);
        cells[g] = load(src, sql);
    }
    Rows schema = load(src, "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid");

    unlink(argv[2]);
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", argv[2]);
    unlink(wal);
    check(sqlite3_open(argv[2], &db), db, argv[2]);
    check(sqlite3_exec(db,
              "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
              "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; "
              // The ingest checkpoints on a thread of its own: none here.
              "PRAGMA wal_autocheckpoint = 0;",
              0, 0, 0),
        db, "pragmas");
    for (int i = 0; i < schema.count; i++) check(sqlite3_exec(db, (const char *)sqlite3_value_text(at(&schema, i, 0)), 0, 0, 0), db, "schema");
    // $FLOOR_LEAN (words separated by commas) replays into a leaner schema than the ingest's, to
    // measure what a schema change would save (BENCHMARKS.md §3, session 8): "indexes" drops
    // the indexes of policies by report and failure details by policy, giving each row an id
    // made of its parent's id and its position instead (rows of a report stay together, found
    // by a range of ids); "raw" keeps the report's gzip bytes in its `reports` row instead of
    // `raw_reports`; "day" drops the index of reports by day; "fk" turns foreign keys off.
    const char *lean = getenv("FLOOR_LEAN") ? getenv("FLOOR_LEAN") : "";
    int leanIdx = strstr(lean, "indexes") != 0, leanRaw = strstr(lean, "raw") != 0, leanDay = strstr(lean, "day") != 0;
    if (leanIdx) check(sqlite3_exec(db, "DROP INDEX policies_report; DROP INDEX failure_details_policy;", 0, 0, 0), db, "lean idx");
    if (leanDay) check(sqlite3_exec(db, "DROP INDEX reports_day;", 0, 0, 0), db, "lean day");
    if (leanRaw) check(sqlite3_exec(db, "ALTER TABLE reports ADD COLUMN gzip BLOB;", 0, 0, 0), db, "lean raw");
    if (strstr(lean, "fk")) check(sqlite3_exec(db, "PRAGMA foreign_keys = OFF;", 0, 0, 0), db, "fk");
    sqlite3_stmt *text = prepare(db, "INSERT INTO rollup_texts (text) VALUES (?)");
    for (int i = 0; i < texts.count; i++) {
        sqlite3_bind_value(text, 1, at(&texts, i, 0));
        run(db, text);
    }

    // The ingest's statements (IngestSession.swift, RollupCells.swift).
    sqlite3_stmt *insReport = prepare(db, leanRaw ?
        "INSERT INTO reports (organization_name, report_id, begin, \"end\", begin_seconds, begin_nanos, end_seconds, "
        "end_nanos, day, contact_info, reporter_domain, content_hash, received_at, source, channel, message_id, gzip) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING" :
        "INSERT INTO reports (organization_name, report_id, begin, \"end\", begin_seconds, begin_nanos, end_seconds, "
        "end_nanos, day, contact_info, reporter_domain, content_hash, received_at, source, channel, message_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    sqlite3_stmt *insPolicy = prepare(db,
        leanIdx ? "INSERT INTO policies (id, report_ref, position, policy_type, policy_domain, policy_strings, sts_mode, mx_patterns, "
        "tlsa_records, successful_session_count, failed_session_count) VALUES (?1 * 1024 + ?2, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" :
        "INSERT INTO policies (report_ref, position, policy_type, policy_domain, policy_strings, sts_mode, mx_patterns, "
        "tlsa_records, successful_session_count, failed_session_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *insDetail = prepare(db,
        leanIdx ? "INSERT INTO failure_details (id, policy_ref, position, result_type, sending_mta_ip, receiving_mx_hostname, "
        "receiving_mx_helo, receiving_ip, failed_session_count, additional_information, failure_reason_code) "
        "VALUES (?1 * 1048576 + ?2, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" :
        "INSERT INTO failure_details (policy_ref, position, result_type, sending_mta_ip, receiving_mx_hostname, "
        "receiving_mx_helo, receiving_ip, failed_session_count, additional_information, failure_reason_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *insRaw = prepare(db, "INSERT INTO raw_reports (report_ref, gzip) VALUES (?, ?)");
    sqlite3_stmt *selCell[3], *insCell[3], *updCell[3];
    for (int g = 0; g < 3; g++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT cell FROM rollup%s WHERE period = ? AND domain_id = ?", grains[g]);
        selCell[g] = prepare(db, sql);
        snprintf(sql, sizeof sql, "INSERT INTO rollup%s (period, domain_id, cell) VALUES (?, ?, ?)", grains[g]);
        insCell[g] = prepare(db, sql);
        snprintf(sql, sizeof sql, "UPDATE rollup%s SET cell = ? WHERE period = ? AND domain_id = ?", grains[g]);
        updCell[g] = prepare(db, sql);
    }
    // Final cell bytes by key, per grain (linear probe over the loaded rows through a set).
    int setCapacity = 1;
    while (setCapacity < 4 * (touches.count + 16)) setCapacity <<= 1;
    KeySet touched[3];
    for (int g = 0; g < 3; g++) touched[g] = (KeySet){calloc(setCapacity, sizeof(long long)), setCapacity};
    long long *cellKeys[3];
    int *cellIndex[3];
    for (int g = 0; g < 3; g++) {
        cellKeys[g] = calloc(setCapacity, sizeof(long long));
        cellIndex[g] = calloc(setCapacity, sizeof(int));
        for (int i = 0; i < cells[g].count; i++) {
            long long k = sqlite3_value_int64(at(&cells[g], i, 0)) * 1000003LL + sqlite3_value_int64(at(&cells[g], i, 1)) + 1;
            unsigned long long h = (unsigned long long)k * 0x9E3779B97F4A7C15ULL;
            int j = (int)(h >> 40) & (setCapacity - 1);
            while (cellKeys[g][j]) j = (j + 1) & (setCapacity - 1);
            cellKeys[g][j] = k;
            cellIndex[g][j] = i;
        }
    }

    // Set up: with $FLOOR_READY, say so by creating that file (scripts/bench-floor starts the
    // reading side then, to time both sides at once).
    const char *ready = getenv("FLOOR_READY");
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f) fclose(f);
    }
    double cpu0 = seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
    int r = 0, p = 0, d = 0, t = 0, batches = 0, cellWrites = 0;
    double rowsCPU = 0, cellsCPU = 0, commitCPU = 0;
    long long maxOldPolicy = 0;
    for (int i = 0; i < policies.count; i++) {
        long long id = sqlite3_value_int64(at(&policies, i, 10));
        if (id > maxOldPolicy) maxOldPolicy = id;
    }
    long long *policyMap = calloc(maxOldPolicy + 1, sizeof(long long));
    while (r < reports.count) {
        int limit = batches < 8 ? (500 << batches) : 5000;
        if (limit > 5000) limit = 5000;
        int end = r + limit < reports.count ? r + limit : reports.count;
        for (int g = 0; g < 3; g++) {
            memset(touched[g].keys, 0, sizeof(long long) * setCapacity);
        }
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
        double batchStart = seconds(CLOCK_THREAD_CPUTIME_ID);
        for (; r < end; r++) {
            long long oldID = sqlite3_value_int64(at(&reports, r, 0));
            for (int c = 1; c < reports.columns; c++) sqlite3_bind_value(insReport, c, at(&reports, r, c));
            if (leanRaw) sqlite3_bind_value(insReport, reports.columns, at(&raw, r, 1));
            run(db, insReport);
            long long reportRef = sqlite3_last_insert_rowid(db);
            for (; p < policies.count && sqlite3_value_int64(at(&policies, p, 0)) == oldID; p++) {
                sqlite3_bind_int64(insPolicy, 1, reportRef);
                for (int c = 1; c < 10; c++) sqlite3_bind_value(insPolicy, c + 1, at(&policies, p, c));
                run(db, insPolicy);
                policyMap[sqlite3_value_int64(at(&policies, p, 10))] = sqlite3_last_insert_rowid(db);
            }
            // Failure details come in policy order: those of the policies just written.
            long long lastPolicy = p > 0 ? sqlite3_value_int64(at(&policies, p - 1, 10)) : 0;
            for (; d < details.count && sqlite3_value_int64(at(&details, d, 0)) <= lastPolicy; d++) {
                sqlite3_bind_int64(insDetail, 1, policyMap[sqlite3_value_int64(at(&details, d, 0))]);
                for (int c = 1; c < 10; c++) sqlite3_bind_value(insDetail, c + 1, at(&details, d, c));
                run(db, insDetail);
            }
            if (!leanRaw) {
                sqlite3_bind_int64(insRaw, 1, reportRef);
                sqlite3_bind_value(insRaw, 2, at(&raw, r, 1));
                run(db, insRaw);
            }
            for (; t < touches.count && sqlite3_value_int64(at(&touches, t, 0)) == oldID; t++) {
                long long day = sqlite3_value_int64(at(&touches, t, 1)), domain = sqlite3_value_int64(at(&touches, t, 2));
                keyset_add(&touched[0], day, domain);
                keyset_add(&touched[1], day / 100, domain);
                keyset_add(&touched[2], 0, domain);
            }
        }
        double cellsStart = seconds(CLOCK_THREAD_CPUTIME_ID);
        rowsCPU += cellsStart - batchStart;
        for (int g = 0; g < 3; g++) {
            for (int j = 0; j < setCapacity; j++) {
                long long k = touched[g].keys[j];
                if (!k) continue;
                // Find the final cell for this key.
                unsigned long long h = (unsigned long long)k * 0x9E3779B97F4A7C15ULL;
                int s = (int)(h >> 40) & (setCapacity - 1);
                while (cellKeys[g][s] && cellKeys[g][s] != k) s = (s + 1) & (setCapacity - 1);
                if (!cellKeys[g][s]) continue;  // a policy with the empty domain and no cell
                int row = cellIndex[g][s];
                sqlite3_value *period = at(&cells[g], row, 0), *domain = at(&cells[g], row, 1), *cell = at(&cells[g], row, 2);
                sqlite3_bind_value(selCell[g], 1, period);
                sqlite3_bind_value(selCell[g], 2, domain);
                int found = sqlite3_step(selCell[g]) == SQLITE_ROW;
                if (found) (void)sqlite3_column_blob(selCell[g], 0);
                sqlite3_reset(selCell[g]);
                if (found) {
                    sqlite3_bind_value(updCell[g], 1, cell);
                    sqlite3_bind_value(updCell[g], 2, period);
                    sqlite3_bind_value(updCell[g], 3, domain);
                    run(db, updCell[g]);
                } else {
                    sqlite3_bind_value(insCell[g], 1, period);
                    sqlite3_bind_value(insCell[g], 2, domain);
                    sqlite3_bind_value(insCell[g], 3, cell);
                    run(db, insCell[g]);
                }
                cellWrites++;
            }
        }
        double commitStart = seconds(CLOCK_THREAD_CPUTIME_ID);
        cellsCPU += commitStart - cellsStart;
        check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
        commitCPU += seconds(CLOCK_THREAD_CPUTIME_ID) - commitStart;
        batches++;
    }
    double cpu1 = seconds(CLOCK_THREAD_CPUTIME_ID), wall1 = seconds(CLOCK_MONOTONIC);
    if (p != policies.count || d != details.count) {
        fprintf(stderr, "replayed %d of %d policies, %d of %d failure details\n", p, policies.count, d, details.count);
        return 1;
    }
    // The copy holds what the ingest stored, row for row (the raw bytes in `reports` when lean).
    const char *tables[] = {"reports", "policies", "failure_details", "raw_reports", "rollup_day", "rollup_month", "rollup_total"};
    for (int i = 0; i < 7; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        Rows a = load(src, sql), b = load(db, sql);
        if (sqlite3_value_int64(at(&a, 0, 0)) != sqlite3_value_int64(at(&b, 0, 0)) && !(leanRaw && i == 3)) {
            fprintf(stderr, "%s: %lld rows replayed, %lld stored by the ingest\n", tables[i],
                sqlite3_value_int64(at(&b, 0, 0)), sqlite3_value_int64(at(&a, 0, 0)));
            return 1;
        }
    }
    printf("sqlite floor%s%s: %d reports, %d policies, %d failure details, %d cell writes in %d batches: "
           "%.3f s CPU (rows %.3f, cells %.3f, commits %.3f), %.3f s wall\n",
        *lean ? ", lean schema: " : "", lean, reports.count, policies.count, details.count, cellWrites, batches, cpu1 - cpu0, rowsCPU, cellsCPU, commitCPU,
        wall1 - wall0);
    sqlite3_close(db);
    return 0;
}
