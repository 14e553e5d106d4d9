//! Numbered schema migrations, tracked by `PRAGMA user_version`.

use qunguan_core::{ApiError, ErrorCode, Result};
use rusqlite::Connection;

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Append only; never edit a released one.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE cached_groups (
        group_id   TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE cached_members (
        group_id   TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE TABLE cache_marks (
        what       TEXT PRIMARY KEY,
        fetched_at INTEGER NOT NULL
    );
"];

pub fn apply(conn: &mut Connection) -> Result<()> {
    let err = |e: rusqlite::Error| ApiError::new(ErrorCode::Store, format!("cache migration: {e}"));
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).map_err(err)? as usize;
    if current > MIGRATIONS.len() {
        return Err(ApiError::new(
            ErrorCode::Store,
            format!(
                "the cache was written by a newer Qunguan (schema {current}, this build knows {})",
                MIGRATIONS.len()
            ),
        ));
    }
    let tx = conn.transaction().map_err(err)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
    }
    tx.commit().map_err(err)
}
