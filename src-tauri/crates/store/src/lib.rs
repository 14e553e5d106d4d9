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

#![warn(missing_docs)]

/// What compliance and the managers' records read: last messages per sender, item facts.
mod activity;
/// My chains as the moderation rooms hold them (audit verify's outside anchor).
mod anchor;
/// Cached groups, members and message pages: the last online answer, served offline.
mod cache;
/// The case log and evidence on disk, appended in the same transaction as the outbox entry.
mod cases;
/// Each group's history back-filled page by page, and edits read before their message.
mod history;
/// Numbered schema migrations, tracked by `PRAGMA user_version`.
mod migrations;
/// The outbox: decided actions not yet confirmed, written before any network call.
mod outbox;
/// Following the groups: the sync token and the flagged queue with its reports and claims.
mod queue;
/// The reasons I gave lately, for the action dialog's quick picks.
mod reasons;
/// Retention: cached messages dropped past their period or of one person, and the record of it.
mod retention;
/// Full-text search over the timeline: the index, caught up outside ingest, and its candidates.
mod search;
/// The shared log's bookkeeping: my records still to post, and the other admins' imported ones.
mod shared;
/// Every message of a followed group as it arrived, keyed by a compact hash.
mod timeline;

pub use anchor::RoomAnchor;
pub use cases::{CaseFilter, CaseRow, ENDS_CASE, EvidenceRow};
pub use history::HistoryMark;
pub use outbox::{OutboxEntry, OutboxStatus};
pub use queue::{Edited, Flagged, Ingest, Ingested, ItemRow, NewReport, QueueFilter, REPORT_KIND, Removed, ReportRow};
pub use retention::ReportBy;
pub use search::{Candidate, Catchup, SearchFilter};
pub use shared::{SharedChain, SharedRecord};

use std::path::Path;

use qunguan_core::{ApiError, ErrorCode, Result, Secret};
use rusqlite::Connection;

/// File name of the cache inside an account directory.
pub const CACHE_FILE: &str = "cache.db";

pub(crate) fn store_err(context: &str, e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::caused_by(ErrorCode::Store, context, e)
}

/// A cached value and when it was fetched (Unix ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    /// The value as the last online read returned it.
    pub value: T,
    /// When it was read (the "offline since" the UI shows).
    pub fetched_at_ms: i64,
}

/// One account's open store: every read and write of local data goes through it.
pub struct Store {
    pub(crate) conn: Connection,
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
        // The statement holds the key: wiped when it is dropped.
        let pragma = zeroize::Zeroizing::new(format!("PRAGMA key = \"x'{hex}'\";"));
        conn.execute_batch(&pragma).map_err(|e| store_err("cannot set the cache key", e))?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(|_| {
            ApiError::new(
                ErrorCode::Store,
                format!("{} cannot be opened with this key (wrong key or not a Qunguan cache)", path.display()),
            )
        })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| store_err("cannot configure the cache", e))?;
        // Speed (engine/BENCH.md): every page read from the file is decrypted and every page
        // written encrypted, so keep up to 32 MiB of pages decrypted in memory (the queue's first
        // page 10 → 2 ms at 100,000 items), and checkpoint the WAL every 10,000 pages instead of
        // 1,000 (a round of 1,000 messages dirties more than 1,000 pages: a checkpoint, with its
        // fsync, after every round otherwise); the WAL file is cut back to 64 MiB after one.
        conn.execute_batch(
            "PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 10000; PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(|e| store_err("cannot configure the cache", e))?;
        conn.set_prepared_statement_cache_capacity(64);
        timeline::register(&conn).map_err(|e| store_err("cannot configure the cache", e))?;
        let mut store = Store { conn };
        migrations::apply(&mut store.conn)?;
        Ok(store)
    }
}

/// The store's tests, each on a fresh encrypted file.
#[cfg(test)]
mod tests;
