//! Full-text search over the timeline: the index, caught up outside ingest, and the candidates
//! a query finds in it.
//!
//! ## Design
//! - `search_index` is a contentless FTS5 table (`contentless_delete`, `detail=none`): one
//!   column holding each message's search terms ([`qunguan_detect::search::terms`]: CJK
//!   unigrams and bigrams, words) and a token for its group and one for its sender (a letter
//!   and a hash; a word that looked like one only adds a candidate the exact check drops), so
//!   those filters are index lookups too. No text is
//!   stored twice: the terms are in the same encrypted file, the messages are read from the
//!   timeline.
//! - **Rowid = hour and seq** ([`crate::search::key`]: the hour of the message's timestamp
//!   above bit 32, the timeline's `seq` below). FTS5 walks rowids in order, so newest first,
//!   paging and the date range are rowid order and rowid bounds, with no sort: messages of one
//!   hour come in the order they arrived (a back-filled message takes its place by its hour).
//!   `seq` stays below 2^32 (four billion messages); a row past that is never indexed.
//! - **Caught up outside ingest.** The ingest transaction writes no terms (engine/BENCH.md's
//!   throughput): [`crate::Store::index_pending`] indexes, in one bounded transaction, the edited
//!   messages waiting in `search_pending` and the rows past `search_mark`. The engine calls it
//!   after each sync round and before each search.
//! - **Removal is immediate.** Triggers on the timeline (see the migration) delete a
//!   message's terms in the transaction that redacts, edits, purges or erases it; an edit also
//!   queues the message to be indexed again.
//! - Candidates are only candidates: the engine confirms each against the text
//!   ([`qunguan_detect::search::Query::find`]) before it shows it.

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::queue::message_key;
use rusqlite::{Transaction, params};

use crate::{Store, store_err};

/// Timeline rows with a `seq` above this are never indexed (their rowid would not hold it).
const MAX_SEQ: i64 = u32::MAX as i64;
const HOUR_MS: i64 = 3_600_000;
/// A prefix that starts more words than this is left to FTS5's own prefix query.
const MAX_EXPANSION: usize = 64;

/// The index rowid of a message: its hour (Unix, clamped to 0..2^31) above bit 32, its `seq`
/// below. The triggers in the migration compute the same in SQL.
pub(crate) fn key(ts_ms: i64, seq: i64) -> i64 {
    ((ts_ms / HOUR_MS).clamp(0, i32::MAX as i64) << 32) | seq
}

/// The index token for a group or a sender: a letter and 16 hex digits of a hash.
fn meta_token(kind: &str, value: &str) -> String {
    format!("{kind}{:016x}", message_key(kind, value) as u64)
}

/// What a catch-up pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Catchup {
    /// Messages indexed (new or edited).
    pub indexed: u32,
    /// At most this many messages still wait to be indexed.
    pub behind: u64,
}

/// What to look for: an FTS5 expression over the terms, a last word's prefix, and the filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// The FTS5 expression of the query but a last word ([`qunguan_detect::search::Query::exact`]).
    pub exact: String,
    /// The query's last word, which the text's word only has to start with
    /// ([`qunguan_detect::search::Query::prefix`]).
    pub prefix: Option<String>,
    /// Only this group (room ID).
    pub group: Option<String>,
    /// Only this sender (user ID).
    pub sender: Option<String>,
    /// Only messages at or after this time (Unix ms).
    pub since_ms: Option<i64>,
    /// Only messages at or before this time (Unix ms).
    pub until_ms: Option<i64>,
    /// Only messages with a queue item (flagged by the detector or reported).
    pub flagged_only: bool,
}

/// A message the index offers for a query, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its index key: the cursor to continue after it.
    pub key: i64,
    /// The group's room ID.
    pub group_id: String,
    /// The message as stored.
    pub message: MessageSnapshot,
    /// It has a queue item.
    pub flagged: bool,
}

fn index_one(tx: &Transaction<'_>, seq: i64, ts: i64, group: &str, sender: &str, body: &str) -> rusqlite::Result<()> {
    let terms = qunguan_detect::search::terms(body);
    let all = format!(
        "{} {} {} {} {}",
        terms.uni,
        terms.gram,
        terms.words.join(" "),
        meta_token("g", group),
        meta_token("s", sender)
    );
    let mut word = tx.prepare_cached("INSERT OR IGNORE INTO search_words (word) VALUES (?1)")?;
    for w in &terms.words {
        word.execute([w])?;
    }
    tx.prepare_cached("INSERT INTO search_index (rowid, terms) VALUES (?1, ?2)")?
        .execute(params![key(ts, seq), all])?;
    Ok(())
}

/// One row to index: seq, ts, group, sender, body.
type Row = (i64, i64, String, String, Option<String>);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn catch_up(tx: &Transaction<'_>, max: u32) -> rusqlite::Result<Catchup> {
    let mut out = Catchup::default();
    // Edited messages first: their old terms are already gone (one redacted since has none).
    let edited: Vec<Row> = tx
        .prepare_cached(
            "SELECT p.seq, t.ts, t.group_id, t.sender, CASE WHEN t.redacted = 0 THEN t.body END
             FROM search_pending p JOIN timeline t ON t.seq = p.seq ORDER BY p.seq LIMIT ?1",
        )?
        .query_map([max], read_row)?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, ts, group, sender, body) in &edited {
        tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?.execute([key(*ts, *seq)])?;
        if let Some(body) = body {
            index_one(tx, *seq, *ts, group, sender, body)?;
            out.indexed += 1;
        }
        tx.prepare_cached("DELETE FROM search_pending WHERE seq = ?1")?.execute([seq])?;
    }
    let mark: i64 = tx.query_row("SELECT indexed_to FROM search_mark", [], |r| r.get(0))?;
    let fresh: Vec<Row> = tx
        .prepare_cached(
            "SELECT seq, ts, group_id, sender, body FROM timeline WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
        )?
        .query_map(params![mark, MAX_SEQ, max.saturating_sub(edited.len() as u32)], read_row)?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, ts, group, sender, body) in &fresh {
        if let Some(body) = body {
            index_one(tx, *seq, *ts, group, sender, body)?;
            out.indexed += 1;
        }
    }
    let mark = fresh.last().map_or(mark, |r| r.0);
    tx.execute("UPDATE search_mark SET indexed_to = ?1", [mark])?;
    let last: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM timeline", [], |r| r.get(0))?;
    let pending: i64 = tx.query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))?;
    out.behind = (last.min(MAX_SEQ) - mark).max(0) as u64 + pending as u64;
    Ok(out)
}

impl Store {
    /// The filter's FTS5 expression, its last word as the words indexed that start with it;
    /// `None` when no indexed word does (nothing can match).
    fn expression(&self, filter: &SearchFilter) -> Result<Option<String>> {
        let last = match &filter.prefix {
            None => None,
            Some(p) => {
                let words: Vec<String> = self
                    .conn
                    .prepare_cached(
                        "SELECT word FROM search_words WHERE word >= ?1 AND word < ?1 || char(1114111) LIMIT ?2",
                    )
                    .and_then(|mut stmt| {
                        stmt.query_map(params![p, MAX_EXPANSION as i64 + 1], |r| r.get(0))?
                            .collect::<rusqlite::Result<_>>()
                    })
                    .map_err(|e| store_err("search read", e))?;
                if words.is_empty() {
                    return Ok(None);
                }
                Some(if words.len() > MAX_EXPANSION {
                    format!("\"{p}\"*")
                } else {
                    format!("({})", words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
                })
            }
        };
        let parts: Vec<String> =
            [Some(filter.exact.clone()).filter(|e| !e.is_empty()), last].into_iter().flatten().collect();
        Ok((!parts.is_empty()).then(|| format!("({})", parts.join(" AND "))))
    }

    /// Indexes up to `max` messages not indexed yet (edited ones first), in one transaction;
    /// what it did and how far behind the index still is.
    pub fn index_pending(&mut self, max: u32) -> Result<Catchup> {
        let err = |e| store_err("search index write", e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let out = catch_up(&tx, max).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// Up to `n` candidates of the index for `filter`, newest first, from before the key
    /// `before` (`None`: the newest); and the key to continue before, `None` when the index has
    /// no more. Candidates the filters drop still count towards `n` (each call's work is bounded).
    pub fn search_candidates(
        &self,
        filter: &SearchFilter,
        before: Option<i64>,
        n: u32,
    ) -> Result<(Vec<Candidate>, Option<i64>)> {
        let err = |e| store_err("search read", e);
        let Some(mut expr) = self.expression(filter)? else { return Ok((Vec::new(), None)) };
        if let Some(g) = &filter.group {
            expr.push_str(&format!(" AND \"{}\"", meta_token("g", g)));
        }
        if let Some(s) = &filter.sender {
            expr.push_str(&format!(" AND \"{}\"", meta_token("s", s)));
        }
        let lo = filter.since_ms.map_or(0, |t| key(t, 0));
        let hi = filter.until_ms.map_or(i64::MAX, |t| key(t, MAX_SEQ)).min(before.map_or(i64::MAX, |b| b - 1));
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.rowid, t.group_id, t.event_id, t.sender, t.ts, t.body, t.reply_to, t.redacted, t.case_id,
                        EXISTS (SELECT 1 FROM queue_items i WHERE i.group_id = t.group_id AND i.event_id = t.event_id)
                 FROM (SELECT rowid FROM search_index WHERE search_index MATCH ?1 AND rowid BETWEEN ?2 AND ?3
                       ORDER BY rowid DESC LIMIT ?4) s
                 LEFT JOIN timeline t ON t.seq = (s.rowid & 4294967295)
                 ORDER BY s.rowid DESC",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![expr, lo, hi, n], |r| {
                let key: i64 = r.get(0)?;
                let Some(group_id) = r.get::<_, Option<String>>(1)? else { return Ok((key, None)) };
                let message = MessageSnapshot {
                    event_id: r.get(2)?,
                    sender: r.get(3)?,
                    ts: r.get(4)?,
                    kind: "m.room.message".into(),
                    body: r.get(5)?,
                    reply_to: r.get(6)?,
                    redacted: r.get::<_, i64>(7)? != 0,
                    // Search shows no removed message: who removed one is not read here.
                    redacted_by: None,
                    case_id: r.get(8)?,
                };
                Ok((key, Some(Candidate { key, group_id, message, flagged: r.get(9)? })))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        let (mut last, mut seen) = (None, 0u32);
        for row in rows {
            let (key, candidate) = row.map_err(err)?;
            (last, seen) = (Some(key), seen + 1);
            let Some(c) = candidate else { continue };
            let keep = !c.message.redacted
                && c.message.body.is_some()
                && filter.group.as_ref().is_none_or(|g| *g == c.group_id)
                && filter.sender.as_ref().is_none_or(|s| *s == c.message.sender)
                && filter.since_ms.is_none_or(|t| c.message.ts >= t)
                && filter.until_ms.is_none_or(|t| c.message.ts <= t)
                && (!filter.flagged_only || c.flagged);
            if keep {
                out.push(c);
            }
        }
        Ok((out, last.filter(|_| seen == n)))
    }
}

#[cfg(test)]
mod tests;
