#ifndef TLSRPT_SQLITE_TUNING_H
#define TLSRPT_SQLITE_TUNING_H

/// Configures SQLite for this process before its first use: multi-thread mode (no mutex per
/// call on a connection: GRDB never shares a connection between threads) and no memory
/// statistics (a global mutex per allocation). sqlite3_config is variadic, hence this C shim.
/// Returns 0 when applied, non-zero when SQLite was already initialized (nothing changes then).
int tlsrpt_sqlite_configure(void);

#endif
