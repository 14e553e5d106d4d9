//! Following the groups, on disk: the sync token, every message as it arrived, and the
//! flagged queue with its reports — written together, one transaction a round, so a crash
//! mid-round re-reads the round (from the old token) and the unique keys make that a no-op.

use std::collections::HashMap;

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::message::Flag;
use qunguan_core::queue::{ItemState, ReportVia, ReporterRecord, Source, item_id, reported_severity, severity_rank};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::{Store, store_err};

/// The token scope of the groups' feed.
const SYNC_SCOPE: &str = "sync";
/// The queue's listing for each shape of [`QueueFilter`] (group given, state given): every one
/// binds `?1` (group), `?2` (state) and `?3` (limit).
/// An item that only members' reports brought has this kind.
pub const REPORT_KIND: &str = "report";

/// A message the detector flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    /// The group's room ID.
    pub group_id: String,
    /// The message.
    pub event_id: String,
    /// The most severe finding's detector.
    pub kind: String,
    /// The most severe finding's category.
    pub category: Option<String>,
    /// Every finding.
    pub flags: Vec<Flag>,
}

/// One member's (or the platform's) report of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The group's room ID.
    pub group_id: String,
    /// The message reported.
    pub event_id: String,
    /// Who reported it.
    pub reporter: String,
    /// How.
    pub via: ReportVia,
    /// Their reason, as given (masked when shown).
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// A removal (`m.room.redaction`) of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The group's room ID.
    pub group_id: String,
    /// The message removed.
    pub event_id: String,
    /// Who removed it.
    pub by: String,
    /// Whether `by` had the power to remove anyone's message (the group's redact level); else
    /// the removal counts only for their own message (the platform accepts a removal event
    /// from anyone and applies it only when the sender may: so does the store).
    pub any: bool,
}

/// A message edited (`m.replace`): the new text, and what the detector found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The group's room ID.
    pub group_id: String,
    /// The message edited.
    pub target: String,
    /// Who edited it: the edit counts only when they sent the message.
    pub sender: String,
    /// The new text.
    pub body: String,
    /// When it was edited (Unix ms): of several edits, the latest wins.
    pub ts: i64,
    /// What the detector found in the new text, if anything.
    pub flagged: Option<Flagged>,
}

/// Everything one round brings, written in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingest {
    /// Where the next round continues; `None` leaves the stored token.
    pub token: Option<String>,
    /// Whose token it is: `None` for the feed of every managed group, else the scope of a
    /// feed over some of them (`qg sync GROUP…`), which keeps its own.
    pub scope: Option<String>,
    /// New messages: (group, message).
    pub messages: Vec<(String, MessageSnapshot)>,
    /// Removed messages.
    pub redactions: Vec<Removed>,
    /// Messages the detector flagged (each also among `messages`, or stored before).
    pub flagged: Vec<Flagged>,
    /// Messages edited by their senders (written after `messages`, so an edit of a message of
    /// the same round finds it).
    pub edits: Vec<Edited>,
    /// Reports.
    pub reports: Vec<NewReport>,
}

/// What a round changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Messages not seen before.
    pub new_messages: u32,
    /// Items that entered the queue this round.
    pub new_items: Vec<String>,
    /// Open items whose severity rose this round.
    pub raised_items: Vec<String>,
}

impl Ingested {
    /// Adds what a later round changed: an item raised after it was new in an earlier round is
    /// only new.
    pub fn absorb(&mut self, later: Ingested) {
        self.new_messages += later.new_messages;
        for id in later.raised_items {
            if !self.new_items.contains(&id) && !self.raised_items.contains(&id) {
                self.raised_items.push(id);
            }
        }
        for id in later.new_items {
            if !self.new_items.contains(&id) {
                self.new_items.push(id);
            }
        }
    }
}

/// One report as stored, with the reporter's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// Who reported it.
    pub reporter: String,
    /// How.
    pub via: ReportVia,
    /// Member or platform report.
    pub source: Source,
    /// As given.
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at_ms: i64,
    /// The reporter's record of reports on other items.
    pub record: ReporterRecord,
}

/// One queue item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    /// The item's ID.
    pub id: String,
    /// The group's room ID.
    pub group_id: String,
    /// The message.
    pub event_id: String,
    /// When it entered the queue (Unix ms).
    pub created_at_ms: i64,
    /// The top finding's detector, or [`REPORT_KIND`].
    pub kind: String,
    /// The top finding's category.
    pub category: Option<String>,
    /// The detector's findings.
    pub flags: Vec<Flag>,
    /// Whether the detector flagged it.
    pub auto: bool,
    /// Severity rank (see [`qunguan_core::queue::severity_rank`]).
    pub rank: i64,
    /// Open, dismissed or actioned.
    pub state: ItemState,
    /// The case that closed it.
    pub case_id: Option<String>,
    /// Who holds it, until when (Unix ms): a claim that ran out by the filter's `now_ms` is none.
    pub claim: Option<(String, i64)>,
    /// Its reports, oldest first.
    pub reports: Vec<ReportRow>,
    /// The message as stored, if it was ever received.
    pub message: Option<MessageSnapshot>,
}

/// Which items to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Only this group.
    pub group: Option<String>,
    /// Only items in this state (`None`: every state).
    pub state: Option<ItemState>,
    /// At most this many, in queue order.
    pub limit: Option<u32>,
    /// Now (Unix ms), for which claims still hold.
    pub now_ms: i64,
    /// Only items whose top finding has this category.
    pub category: Option<String>,
    /// Only items this source brought (among others).
    pub source: Option<Source>,
}

fn bad_word(what: &str, word: &str) -> rusqlite::Error {
    let e = qunguan_core::ApiError::internal(format!("unknown {what} {word:?} in the queue"));
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
}

/// One `queue_items` row, without its claim, reports and message (see `Store::filled`).
fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    let state: String = r.get("state")?;
    let flags: String = r.get("flags")?;
    Ok(ItemRow {
        id: r.get("id")?,
        group_id: r.get("group_id")?,
        event_id: r.get("event_id")?,
        created_at_ms: r.get("created_at")?,
        kind: r.get("kind")?,
        category: r.get("category")?,
        flags: serde_json::from_str(&flags).unwrap_or_default(),
        auto: r.get::<_, Option<i64>>("auto_rank")?.is_some(),
        rank: r.get("rank")?,
        state: ItemState::from_word(&state).ok_or_else(|| bad_word("state", &state))?,
        case_id: r.get("case_id")?,
        claim: None,
        reports: Vec::new(),
        message: None,
    })
}

/// Each reporter's record: reports on items since actioned (upheld) or dismissed.
fn records(tx: &rusqlite::Connection, reporters: &[&str]) -> rusqlite::Result<HashMap<String, ReporterRecord>> {
    let mut stmt = tx.prepare_cached(
        "SELECT r.reporter, i.state, count(DISTINCT i.id) FROM queue_reports r JOIN queue_items i ON i.id = r.item_id
         WHERE r.reporter = ?1 AND i.state != 'open' GROUP BY i.state",
    )?;
    let mut out = HashMap::new();
    for reporter in reporters {
        let record: &mut ReporterRecord = out.entry(reporter.to_string()).or_default();
        let rows = stmt.query_map([reporter], |r| Ok((r.get::<_, String>(1)?, r.get::<_, u32>(2)?)))?;
        for row in rows {
            match row? {
                (s, n) if s == ItemState::Actioned.as_str() => record.upheld = n,
                (s, n) if s == ItemState::Dismissed.as_str() => record.dismissed = n,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Recomputes an item's rank from its detector rank and its reporters' records; true if it rose.
fn rerank(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<bool> {
    let (auto_rank, rank): (Option<i64>, i64) = tx
        .prepare_cached("SELECT auto_rank, rank FROM queue_items WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let reporters: Vec<String> = tx
        .prepare_cached("SELECT DISTINCT reporter FROM queue_reports WHERE item_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let by = records(tx, &reporters.iter().map(String::as_str).collect::<Vec<_>>())?;
    let reported = reported_severity(&by.values().copied().collect::<Vec<_>>()).map(severity_rank);
    let new = auto_rank.max(reported).unwrap_or(0);
    if new != rank {
        tx.prepare_cached("UPDATE queue_items SET rank = ?2 WHERE id = ?1")?.execute(params![id, new])?;
    }
    Ok(new > rank)
}

/// Creates the item for a message if there is none; true if it was created.
fn ensure_item(tx: &Transaction<'_>, group: &str, event: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO queue_items (id, group_id, event_id, created_at, kind, rank) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        )?
        .execute(params![item_id(group, event), group, event, now_ms, REPORT_KIND])?;
    Ok(n > 0)
}

/// One round of [`Store::ingest_all`], inside its transaction.
fn write_round(tx: &Transaction<'_>, round: &Ingest, now_ms: i64) -> Result<Ingested> {
    let err = |e| store_err("queue write", e);
    let mut out =
        Ingested { new_messages: crate::timeline::insert(tx, &round.messages).map_err(err)?, ..Ingested::default() };
    crate::timeline::redact(tx, &round.redactions).map_err(err)?;
    // An edit counts only by the message's own sender, of a message this store holds.
    let mut flagged: Vec<&Flagged> = round.flagged.iter().collect();
    for e in &round.edits {
        if crate::timeline::edit(tx, e).map_err(err)? {
            flagged.extend(e.flagged.as_ref());
        }
    }
    let mut touched = Vec::new();
    for f in flagged {
        let id = item_id(&f.group_id, &f.event_id);
        if ensure_item(tx, &f.group_id, &f.event_id, now_ms).map_err(err)? {
            out.new_items.push(id.clone());
        }
        let flags = serde_json::to_string(&f.flags).map_err(|e| store_err("queue encode", e))?;
        let rank = f.flags.iter().map(|f| severity_rank(f.severity)).max().unwrap_or(0);
        tx.prepare_cached("UPDATE queue_items SET kind = ?2, category = ?3, flags = ?4, auto_rank = ?5 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute(params![id, f.kind, f.category, flags, rank]))
            .map_err(err)?;
        touched.push(id);
    }
    for r in &round.reports {
        let id = item_id(&r.group_id, &r.event_id);
        if ensure_item(tx, &r.group_id, &r.event_id, now_ms).map_err(err)? {
            out.new_items.push(id.clone());
        }
        tx.prepare_cached(
            "INSERT OR IGNORE INTO queue_reports (item_id, reporter, via, source, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![id, r.reporter, r.via.as_str(), r.via.source().as_str(), r.reason, r.at_ms])
        })
        .map_err(err)?;
        touched.push(id);
    }
    touched.sort();
    touched.dedup();
    for id in touched {
        if rerank(tx, &id).map_err(err)? && !out.new_items.contains(&id) {
            out.raised_items.push(id);
        }
    }
    if let Some(token) = &round.token {
        tx.execute(
            "INSERT INTO sync_tokens (scope, token) VALUES (?1, ?2) ON CONFLICT (scope) DO UPDATE SET token = excluded.token",
            [round.scope.as_deref().unwrap_or(SYNC_SCOPE), token],
        )
        .map_err(err)?;
    }
    Ok(out)
}

impl Store {
    /// Where the next round of the groups' feed continues, `None` before the first.
    pub fn sync_token(&self) -> Result<Option<String>> {
        self.sync_token_in(None)
    }

    /// [`Store::sync_token`] of a feed over some groups (`None`: all of them).
    pub fn sync_token_in(&self, scope: Option<&str>) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT token FROM sync_tokens WHERE scope = ?1", [scope.unwrap_or(SYNC_SCOPE)], |r| r.get(0))
            .optional()
            .map_err(|e| store_err("sync token read", e))
    }

    /// Forgets the feed's token (the server no longer accepts it): the next round starts afresh,
    /// and everything stored stays.
    pub fn reset_sync_token(&mut self) -> Result<()> {
        self.reset_sync_token_in(None)
    }

    /// [`Store::reset_sync_token`] of a feed over some groups (`None`: all of them).
    pub fn reset_sync_token_in(&mut self, scope: Option<&str>) -> Result<()> {
        self.conn
            .execute("DELETE FROM sync_tokens WHERE scope = ?1", [scope.unwrap_or(SYNC_SCOPE)])
            .map(drop)
            .map_err(|e| store_err("sync token write", e))
    }

    /// Writes one round: messages, removals, flagged items, reports and the next token, in one
    /// transaction. Writing the same round twice changes nothing the second time.
    pub fn ingest(&mut self, round: &Ingest, now_ms: i64) -> Result<Ingested> {
        let mut written = self.ingest_all(std::slice::from_ref(round), now_ms)?;
        Ok(written.pop().unwrap_or_default())
    }

    /// Writes several rounds, in order, in one transaction (a commit costs every page the
    /// rounds dirtied, once: a writer that fell behind catches up with fewer of them); what
    /// each round changed. All or nothing.
    pub fn ingest_all(&mut self, rounds: &[Ingest], now_ms: i64) -> Result<Vec<Ingested>> {
        let err = |e| store_err("queue write", e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let written = rounds.iter().map(|round| write_round(&tx, round, now_ms)).collect::<Result<Vec<_>>>()?;
        tx.commit().map_err(err)?;
        Ok(written)
    }

    /// Queue items in queue order: most severe first, then oldest.
    pub fn queue(&self, filter: &QueueFilter) -> Result<Vec<ItemRow>> {
        let err = |e| store_err("queue read", e);
        // Only the clauses the filter has (one cached statement per shape): an `(?2 IS NULL OR
        // state = ?2)` would keep SQLite from the `queue_open` index (a scan and sort of every
        // item for each page).
        let mut clauses: Vec<&str> = Vec::new();
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
        let state = filter.state.map(ItemState::as_str);
        if let Some(state) = &state {
            clauses.push("state = ?");
            args.push(state);
        }
        if let Some(group) = &filter.group {
            clauses.push("group_id = ?");
            args.push(group);
        }
        if let Some(category) = &filter.category {
            clauses.push("category = ?");
            args.push(category);
        }
        clauses.extend(filter.source.map(|s| match s {
            Source::Auto => "auto_rank IS NOT NULL",
            Source::MemberReport => {
                "EXISTS (SELECT 1 FROM queue_reports r WHERE r.item_id = queue_items.id AND r.source = 'member_report')"
            }
            Source::PlatformReport => {
                "EXISTS (SELECT 1 FROM queue_reports r WHERE r.item_id = queue_items.id AND r.source = 'platform_report')"
            }
        }));
        let limit = filter.limit.map_or(-1, i64::from);
        args.push(&limit);
        let filter_sql = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
        let sql = format!("SELECT * FROM queue_items{filter_sql} ORDER BY rank DESC, created_at, id LIMIT ?");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let rows = stmt.query_map(args.as_slice(), item_row).map_err(err)?;
        let items = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?;
        items.into_iter().map(|item| self.filled(item, filter.now_ms)).collect()
    }

    /// Open items that entered the queue at or before `before_ms` and that no claim holds at
    /// `now_ms`: the latest to enter first (those that just crossed the line), at most `limit`.
    pub fn waiting(&self, before_ms: i64, now_ms: i64, limit: u32) -> Result<Vec<ItemRow>> {
        let err = |e| store_err("queue read", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT * FROM queue_items WHERE state = 'open' AND created_at <= ?1
                 AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.item_id = queue_items.id AND c.until_ms > ?2)
                 ORDER BY created_at DESC, id LIMIT ?3",
            )
            .map_err(err)?;
        let rows = stmt.query_map(params![before_ms, now_ms, limit], item_row).map_err(err)?;
        let items = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?;
        items.into_iter().map(|item| self.filled(item, now_ms)).collect()
    }

    /// An item with its claim, reports and message.
    fn filled(&self, mut item: ItemRow, now_ms: i64) -> Result<ItemRow> {
        item.claim = self.claim_of(&item.id, now_ms)?;
        item.reports = self.reports_of(&item.id)?;
        item.message = self.timeline_message(&item.group_id, &item.event_id)?;
        Ok(item)
    }

    /// One item by ID (one row by its key, whatever the size of its group).
    pub fn queue_item(&self, id: &str, now_ms: i64) -> Result<Option<ItemRow>> {
        let err = |e| store_err("queue read", e);
        let mut stmt = self.conn.prepare_cached("SELECT * FROM queue_items WHERE id = ?1").map_err(err)?;
        let row = stmt.query_row([id], item_row).optional().map_err(err)?;
        row.map(|item| self.filled(item, now_ms)).transpose()
    }

    /// Who holds an item now, until when.
    pub fn claim_of(&self, id: &str, now_ms: i64) -> Result<Option<(String, i64)>> {
        self.conn
            .prepare_cached("SELECT holder, until_ms FROM claims WHERE item_id = ?1 AND until_ms > ?2")
            .and_then(|mut stmt| stmt.query_row(params![id, now_ms], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| store_err("queue read", e))
    }

    /// Replaces what is known of a group's claims with `claims` (item, holder, until): the
    /// moderation room's valid claims as just read.
    pub fn set_claims(&mut self, group_id: &str, claims: &[(String, String, i64)]) -> Result<()> {
        let err = |e| store_err("queue write", e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM claims WHERE group_id = ?1", [group_id]).map_err(err)?;
        for (item, holder, until) in claims {
            tx.execute(
                "INSERT OR REPLACE INTO claims (item_id, group_id, holder, until_ms) VALUES (?1, ?2, ?3, ?4)",
                params![item, group_id, holder, until],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Records my claim on an item (`Some(until)`) or its release (`None`).
    pub fn put_claim(&mut self, id: &str, group_id: &str, holder: &str, until_ms: Option<i64>) -> Result<()> {
        let result = match until_ms {
            Some(until) => self.conn.execute(
                "INSERT OR REPLACE INTO claims (item_id, group_id, holder, until_ms) VALUES (?1, ?2, ?3, ?4)",
                params![id, group_id, holder, until],
            ),
            None => self.conn.execute("DELETE FROM claims WHERE item_id = ?1", [id]),
        };
        result.map(drop).map_err(|e| store_err("queue write", e))
    }

    fn reports_of(&self, id: &str) -> Result<Vec<ReportRow>> {
        let err = |e| store_err("queue read", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT reporter, via, reason, at FROM queue_reports WHERE item_id = ?1 ORDER BY at, reporter",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([id], |r| {
                let via: String = r.get(1)?;
                let via = ReportVia::from_word(&via).ok_or_else(|| bad_word("report way", &via))?;
                Ok((r.get::<_, String>(0)?, via, r.get(2)?, r.get(3)?))
            })
            .map_err(err)?;
        let rows: Vec<(String, ReportVia, Option<String>, i64)> = rows.collect::<rusqlite::Result<_>>().map_err(err)?;
        let reporters: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let by = records(&self.conn, &reporters).map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|(reporter, via, reason, at_ms)| ReportRow {
                record: by.get(&reporter).copied().unwrap_or_default(),
                reporter,
                via,
                source: via.source(),
                reason,
                at_ms,
            })
            .collect())
    }

    /// Closes the open item about a message (removed or reported by a case), if there is one.
    pub fn close_item_for(&mut self, event_id: &str, state: ItemState, case_id: &str) -> Result<bool> {
        self.conn
            .execute(
                "UPDATE queue_items SET state = ?2, case_id = ?3 WHERE event_id = ?1 AND state = 'open'",
                params![event_id, state.as_str(), case_id],
            )
            .map(|n| n > 0)
            .map_err(|e| store_err("queue write", e))
    }

    /// Closes an open item as dismissed or actioned, naming the case; false if it was not open.
    pub fn close_item(&mut self, id: &str, state: ItemState, case_id: &str) -> Result<bool> {
        self.conn
            .execute(
                "UPDATE queue_items SET state = ?2, case_id = ?3 WHERE id = ?1 AND state = 'open'",
                params![id, state.as_str(), case_id],
            )
            .map(|n| n > 0)
            .map_err(|e| store_err("queue write", e))
    }
}
