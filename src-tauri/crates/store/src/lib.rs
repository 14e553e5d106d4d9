//! # qunguan-store — the encrypted local store
//!
//! One SQLCipher database per account (`<home>/<account>/cache.db`), opened with a random
//! 256-bit key that lives in the OS keyring (or `QG_CACHE_KEY`). Without the key the file is
//! noise: the cache is encrypted at rest, as the personal-information rules ask.
//!
//! ## Design
//! - The only crate that knows SQL. Callers see typed methods; rows hold the same JSON the
//!   engine serves, so an offline read returns exactly what the last online read did.
//! - Schema changes are numbered migrations applied in one transaction, tracked by
//!   `PRAGMA user_version`; a newer file than this build understands is refused, not guessed.
//! - WAL journal, one connection per process; writes for one group are one transaction.

mod migrations;

use std::path::Path;

use qunguan_core::{ApiError, ErrorCode, Group, Member, Result, Secret};
use rusqlite::{Connection, OptionalExtension, params};

/// File name of the cache inside an account directory.
pub const CACHE_FILE: &str = "cache.db";

fn store_err(context: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Store, format!("{context}: {e}"))
}

/// A cached value and when it was fetched (Unix ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    pub value: T,
    pub fetched_at_ms: i64,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the encrypted database. A wrong key is reported as such.
    pub fn open(path: &Path, key: &Secret) -> Result<Store> {
        let hex = key.expose();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::new(ErrorCode::Store, "the cache key must be 64 hexadecimal characters"));
        }
        let conn = Connection::open(path).map_err(|e| store_err(&format!("cannot open {}", path.display()), e))?;
        // A raw key (x'…') skips SQLCipher's passphrase derivation: the key is already random.
        conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
            .map_err(|e| store_err("cannot set the cache key", e))?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(|_| {
            ApiError::new(
                ErrorCode::Store,
                format!("{} cannot be opened with this key (wrong key or not a Qunguan cache)", path.display()),
            )
        })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| store_err("cannot configure the cache", e))?;
        let mut store = Store { conn };
        migrations::apply(&mut store.conn)?;
        Ok(store)
    }

    /// Replaces the cached list of my groups.
    pub fn put_groups(&mut self, groups: &[Group], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| store_err("cache write", e))?;
        tx.execute("DELETE FROM cached_groups", []).map_err(|e| store_err("cache write", e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO cached_groups (group_id, position, json, fetched_at) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| store_err("cache write", e))?;
            for (i, g) in groups.iter().enumerate() {
                let json = serde_json::to_string(g).map_err(|e| store_err("cache encode", e))?;
                stmt.execute(params![g.id, i as i64, json, now_ms]).map_err(|e| store_err("cache write", e))?;
            }
        }
        tx.commit().map_err(|e| store_err("cache write", e))
    }

    /// The cached list of my groups, `None` if never fetched.
    pub fn groups(&self) -> Result<Option<Cached<Vec<Group>>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json, fetched_at FROM cached_groups ORDER BY position")
            .map_err(|e| store_err("cache read", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| store_err("cache read", e))?;
        let mut groups = Vec::new();
        let mut fetched = None;
        for row in rows {
            let (json, at) = row.map_err(|e| store_err("cache read", e))?;
            groups.push(serde_json::from_str(&json).map_err(|e| store_err("damaged cache row", e))?);
            fetched = Some(at);
        }
        let marker: Option<i64> = self
            .conn
            .query_row("SELECT fetched_at FROM cache_marks WHERE what = 'groups'", [], |r| r.get(0))
            .optional()
            .map_err(|e| store_err("cache read", e))?;
        Ok(marker.or(fetched).map(|at| Cached { value: groups, fetched_at_ms: at }))
    }

    /// Marks the groups list as fetched (also when it is empty).
    pub fn mark_groups_fetched(&mut self, now_ms: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO cache_marks (what, fetched_at) VALUES ('groups', ?1)
                 ON CONFLICT (what) DO UPDATE SET fetched_at = excluded.fetched_at",
                [now_ms],
            )
            .map(drop)
            .map_err(|e| store_err("cache write", e))
    }

    /// Replaces the cached members of one group (one transaction: fast for thousands of rows).
    pub fn put_members(&mut self, group_id: &str, members: &[Member], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| store_err("cache write", e))?;
        tx.execute("DELETE FROM cached_members WHERE group_id = ?1", [group_id])
            .map_err(|e| store_err("cache write", e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO cached_members (group_id, user_id, position, json, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| store_err("cache write", e))?;
            for (i, m) in members.iter().enumerate() {
                let json = serde_json::to_string(m).map_err(|e| store_err("cache encode", e))?;
                stmt.execute(params![group_id, m.user_id, i as i64, json, now_ms])
                    .map_err(|e| store_err("cache write", e))?;
            }
        }
        tx.commit().map_err(|e| store_err("cache write", e))
    }

    /// The cached members of a group, `None` if never fetched.
    pub fn members(&self, group_id: &str) -> Result<Option<Cached<Vec<Member>>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json, fetched_at FROM cached_members WHERE group_id = ?1 ORDER BY position")
            .map_err(|e| store_err("cache read", e))?;
        let rows = stmt
            .query_map([group_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| store_err("cache read", e))?;
        let mut members = Vec::new();
        let mut fetched = None;
        for row in rows {
            let (json, at) = row.map_err(|e| store_err("cache read", e))?;
            members.push(serde_json::from_str(&json).map_err(|e| store_err("damaged cache row", e))?);
            fetched = Some(at);
        }
        Ok(fetched.map(|at| Cached { value: members, fetched_at_ms: at }))
    }
}

#[cfg(test)]
mod tests;
