//! The outbox: actions decided but not yet confirmed, written before any network call.

use qunguan_core::Result;
use qunguan_core::action::OutboxError;
use rusqlite::{OptionalExtension, Row, params};

use crate::{Store, store_err};

/// An entry's state: the core's one status vocabulary, stored as its word (`queued`, `done`, …).
pub use qunguan_core::Status as OutboxStatus;

/// One decided action waiting to be (or having been) carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The case it carries out.
    pub case_id: String,
    /// The action's name (`mute`, `kick`, …).
    pub action: String,
    /// The engine's serialised action, replayed as is on every attempt.
    pub payload: String,
    /// The group's room ID.
    pub group_id: String,
    /// The member or message acted on, if any.
    pub target: Option<String>,
    /// The transaction ID every attempt of this action reuses.
    pub txn_id: String,
    /// `queued` until it ends.
    pub status: OutboxStatus,
    /// Attempts made so far (the back-off grows with them).
    pub attempts: u32,
    /// When it is due again (Unix ms).
    pub next_attempt_at_ms: i64,
    /// The last error's words while queued or failed; the note it was settled with otherwise.
    pub last_error: Option<String>,
    /// Why it waits or failed, as data (entries written before this was kept have none).
    pub error: Option<OutboxError>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let status: String = r.get("status")?;
    Ok(OutboxEntry {
        case_id: r.get("case_id")?,
        action: r.get("action")?,
        payload: r.get("payload")?,
        group_id: r.get("group_id")?,
        target: r.get("target")?,
        txn_id: r.get("txn_id")?,
        status: status.parse().map_err(|e: qunguan_core::ApiError| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })?,
        attempts: r.get("attempts")?,
        next_attempt_at_ms: r.get("next_attempt_at")?,
        last_error: r.get("last_error")?,
        // A value this build cannot read (a newer console's kind) is shown by its words only.
        error: r.get::<_, Option<String>>("error")?.and_then(|j| serde_json::from_str(&j).ok()),
    })
}

pub(crate) fn insert(tx: &rusqlite::Transaction<'_>, e: &OutboxEntry) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO outbox (case_id, action, payload, group_id, target, txn_id, status, attempts, next_attempt_at, last_error, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            e.case_id,
            e.action,
            e.payload,
            e.group_id,
            e.target,
            e.txn_id,
            e.status.as_str(),
            e.attempts,
            e.next_attempt_at_ms,
            e.last_error,
            e.error.as_ref().map(json)
        ],
    )
    .map(drop)
}

fn json(e: &OutboxError) -> String {
    serde_json::to_string(e).expect("an outbox error always serialises")
}

/// How an entry was settled: its status, the note (kept unless `None`) and, for a failure,
/// why as data.
pub(crate) fn set_status(
    tx: &rusqlite::Transaction<'_>,
    case_id: &str,
    status: OutboxStatus,
    note: Option<&str>,
    error: Option<&OutboxError>,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE outbox SET status = ?2, last_error = coalesce(?3, last_error), error = coalesce(?4, error)
         WHERE case_id = ?1",
        params![case_id, status.as_str(), note, error.map(json)],
    )
    .map(drop)
}

const SELECT: &str = "SELECT case_id, action, payload, group_id, target, txn_id, status, attempts, next_attempt_at, last_error, error FROM outbox";

impl Store {
    /// Every outbox entry, newest decision last.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("{SELECT} ORDER BY rowid")).map_err(|e| store_err("outbox read", e))?;
        let rows = stmt.query_map([], from_row).map_err(|e| store_err("outbox read", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| store_err("outbox read", e))
    }

    /// Queued entries whose next attempt is due at `now_ms`, oldest first.
    pub fn outbox_due(&self, now_ms: i64) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE status = 'queued' AND next_attempt_at <= ?1 ORDER BY rowid"))
            .map_err(|e| store_err("outbox read", e))?;
        let rows = stmt.query_map([now_ms], from_row).map_err(|e| store_err("outbox read", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| store_err("outbox read", e))
    }

    /// The entry of one case, if it has one.
    pub fn outbox_entry(&self, case_id: &str) -> Result<Option<OutboxEntry>> {
        self.conn
            .query_row(&format!("{SELECT} WHERE case_id = ?1"), [case_id], from_row)
            .optional()
            .map_err(|e| store_err("outbox read", e))
    }

    /// When the decision behind an outbox entry was taken (its case record's `created_at`).
    pub fn decided_at(&self, case_id: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT json_extract(record, '$.created_at') FROM case_log WHERE case_id = ?1 AND kind = 'decision'",
                [case_id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| store_err("case log read", e))
    }

    /// Records a failed attempt that stays queued: count it, say why, and when to try again.
    pub fn outbox_retry_later(&mut self, case_id: &str, next_attempt_at_ms: i64, error: &OutboxError) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3, error = ?4
                 WHERE case_id = ?1 AND status = 'queued'",
                params![case_id, next_attempt_at_ms, error.message(), json(error)],
            )
            .map(drop)
            .map_err(|e| store_err("outbox write", e))
    }
}
