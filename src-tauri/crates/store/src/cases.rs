//! The case log on disk: per-group hash chains, appended in the same transaction as the
//! outbox entry and the evidence they belong to, so a crash leaves all of them or none.
//!
//! Appends are `BEGIN IMMEDIATE`: they read the chain head and then write, and a deferred
//! transaction that upgrades from read to write while another process (`qg serve`, the app,
//! a second `qg`) has written gets `SQLITE_BUSY` at once, without waiting for the busy timeout.

use qunguan_core::case::{CASE_FORMAT, CaseRecord, Chained, GENESIS, RecordKind, chain};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, ErrorCode, Result};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::outbox::{self, OutboxEntry, OutboxStatus};
use crate::{Store, store_err};
use qunguan_core::action::OutboxError;

pub use qunguan_core::case::ENDS_CASE;

/// Which cases to list; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this group's cases (room ID).
    pub group: Option<String>,
    /// Only cases about this member or message.
    pub target: Option<String>,
    /// Only this admin's decisions.
    pub actor: Option<String>,
}

/// A decision with its latest outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    /// The decision record, with its place in the chain.
    pub decision: Chained,
    /// `queued` until an outcome is recorded, then that outcome's status.
    pub status: OutboxStatus,
    /// The latest outcome's detail, in English.
    pub status_detail: Option<String>,
    /// The outcome's reason as data (JSON of `qunguan_core::outcome::Why`), when it has one.
    pub status_why: Option<String>,
    /// Mine, or another admin's whose sender managed the group when the server received it.
    pub trusted: bool,
    /// Where it is listed (RFC 3339): my own records' `created_at`; an imported record's time
    /// of receipt by the server, never the `created_at` its writer chose.
    pub listed_at: String,
}

/// Evidence to keep with a decision: canonical JSON and its SHA-256.
#[derive(Debug, Clone)]
pub struct EvidenceRow<'a> {
    /// The evidence's canonical JSON.
    pub json: &'a str,
    /// Its SHA-256 (hex), the decision's `evidence_hash`.
    pub sha256: &'a str,
    /// When it was captured (Unix ms).
    pub captured_at_ms: i64,
}

fn append(tx: &Transaction<'_>, record: CaseRecord) -> rusqlite::Result<Chained> {
    let head: Option<(String, i64)> = tx
        .query_row("SELECT hash, length FROM chain_heads WHERE group_id = ?1", [&record.group], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (prev, length) = head.unwrap_or_else(|| (GENESIS.to_owned(), 0));
    let chained = chain(&prev, record);
    let json = serde_json::to_string(&chained.record).expect("a record always serialises");
    tx.execute(
        "INSERT INTO case_log (group_id, case_id, kind, record, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            chained.record.group,
            chained.record.case_id,
            chained.record.kind.as_str(),
            json,
            chained.prev_hash,
            chained.hash
        ],
    )?;
    tx.execute(
        "INSERT INTO chain_heads (group_id, hash, length) VALUES (?1, ?2, ?3)
         ON CONFLICT (group_id) DO UPDATE SET hash = excluded.hash, length = excluded.length",
        params![chained.record.group, chained.hash, length + 1],
    )?;
    Ok(chained)
}

/// The decisions of one chain that match `filter`, each with the chain's latest outcome for it;
/// `meta(i)` is record `i`'s `(listed_at, trusted)`.
fn push_decisions(
    chain: &[Chained],
    filter: &CaseFilter,
    rows: &mut Vec<CaseRow>,
    meta: impl Fn(usize) -> (String, bool),
) {
    for (i, c) in chain.iter().enumerate().filter(|(_, c)| c.record.kind == RecordKind::Decision) {
        let r = &c.record;
        if filter.target.as_ref().is_some_and(|t| r.target.as_ref() != Some(t))
            || filter.actor.as_ref().is_some_and(|a| &r.actor != a)
        {
            continue;
        }
        let outcome =
            chain.iter().rev().find(|o| o.record.kind == RecordKind::Outcome && o.record.case_id == r.case_id);
        let (listed_at, trusted) = meta(i);
        let (status, status_detail) = outcome_status(outcome);
        rows.push(CaseRow {
            trusted,
            listed_at,
            decision: c.clone(),
            status,
            status_detail,
            status_why: outcome.and_then(|o| o.record.detail.get("why").cloned()),
        });
    }
}

/// The latest outcome's status and detail; `queued` without one. An outcome whose status is not
/// one of ours (another admin's record, hostile or from a newer version) is shown as `failed`,
/// its detail naming the word, rather than hiding the case or passing the word on.
fn outcome_status(outcome: Option<&Chained>) -> (OutboxStatus, Option<String>) {
    let Some(o) = outcome else { return (OutboxStatus::Queued, None) };
    let detail = o.record.detail.get("detail").cloned();
    match o.record.detail.get("status").map(|s| s.parse::<OutboxStatus>()) {
        Some(Ok(status)) => (status, detail),
        Some(Err(_)) | None => {
            let word = o.record.detail.get("status").map_or("(none)", String::as_str);
            let note = format!("unknown outcome status {word:?}");
            (OutboxStatus::Failed, Some(detail.map_or(note.clone(), |d| format!("{note}: {d}"))))
        }
    }
}

impl Store {
    /// Appends a decision, with its outbox entry and evidence, in one transaction.
    pub fn record_decision(
        &mut self,
        record: CaseRecord,
        outbox: Option<&OutboxEntry>,
        evidence: Option<EvidenceRow<'_>>,
    ) -> Result<Chained> {
        let err = |e| store_err("case log write", e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let chained = append(&tx, record).map_err(err)?;
        if let Some(o) = outbox {
            outbox::insert(&tx, o).map_err(err)?;
        }
        if let Some(ev) = evidence {
            tx.execute(
                "INSERT INTO evidence (case_id, json, sha256, captured_at) VALUES (?1, ?2, ?3, ?4)",
                params![chained.record.case_id, ev.json, ev.sha256, ev.captured_at_ms],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(chained)
    }

    /// Appends a decision that ends an earlier case (the reversal of a timed mute names it in
    /// `detail.ends_case`), with its outbox entry, unless a decision ending that case is in the
    /// log already: `None` then, and nothing is written. The check and the append are one
    /// `BEGIN IMMEDIATE` transaction, so when two runners on one store (`qg serve` twice, or
    /// with the app) end the same case at once, exactly one of them decides it.
    pub fn record_reversal(&mut self, record: CaseRecord, outbox: &OutboxEntry) -> Result<Option<Chained>> {
        let err = |e| store_err("case log write", e);
        let ends = record
            .detail
            .get(ENDS_CASE)
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::Store, "case log write: a reversal names the case it ends"))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let decided: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM case_log WHERE group_id = ?1 AND kind = 'decision'
                 AND json_extract(record, '$.detail.ends_case') = ?2)",
                params![record.group, ends],
                |r| r.get(0),
            )
            .map_err(err)?;
        if decided {
            return Ok(None);
        }
        let chained = append(&tx, record).map_err(err)?;
        outbox::insert(&tx, outbox).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(chained))
    }

    /// Appends an outcome record and settles the outbox entry, in one transaction.
    pub fn record_outcome(
        &mut self,
        record: CaseRecord,
        status: OutboxStatus,
        note: Option<&str>,
        error: Option<&OutboxError>,
    ) -> Result<Chained> {
        let err = |e| store_err("case log write", e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let case_id = record.case_id.clone();
        let chained = append(&tx, record).map_err(err)?;
        outbox::set_status(&tx, &case_id, status, note, error).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(chained)
    }

    /// The groups that have a chain, with their recorded heads.
    pub fn chain_heads(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT group_id, hash FROM chain_heads ORDER BY group_id")
            .map_err(|e| store_err("case log read", e))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| store_err("case log read", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| store_err("case log read", e))
    }

    /// One group's recorded head: the last hash and how many records the chain had then.
    pub fn chain_head(&self, group: &str) -> Result<Option<(String, u64)>> {
        self.conn
            .query_row("SELECT hash, length FROM chain_heads WHERE group_id = ?1", [group], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })
            .optional()
            .map_err(|e| store_err("case log read", e))
    }

    /// One group's chain in stored order. Undecodable records come back as records whose hash
    /// check will fail, so verification reports them instead of this read failing.
    pub fn chain(&self, group: &str) -> Result<Vec<Chained>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT case_id, record, prev_hash, hash FROM case_log WHERE group_id = ?1 ORDER BY seq")
            .map_err(|e| store_err("case log read", e))?;
        let rows = stmt
            .query_map([group], |r| {
                let case_id: String = r.get(0)?;
                let json: String = r.get(1)?;
                let record = serde_json::from_str(&json).unwrap_or_else(|_| CaseRecord {
                    v: CASE_FORMAT,
                    case_id,
                    kind: RecordKind::Other("undecodable".into()),
                    group: group.to_owned(),
                    actor: String::new(),
                    target: None,
                    action: "".into(),
                    reason: json,
                    rule: None,
                    evidence_hash: None,
                    created_at: String::new(),
                    detail: Default::default(),
                });
                Ok(Chained { record, prev_hash: r.get(2)?, hash: r.get(3)? })
            })
            .map_err(|e| store_err("case log read", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| store_err("case log read", e))
    }

    /// Decisions matching `filter`, oldest first, each with its latest outcome: mine, and other
    /// admins' imported from the moderation rooms (listed by when the server received them).
    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut rows = self.own_cases(filter)?;
        for ((group, _), chain) in self.shared_chains()? {
            if filter.group.as_ref().is_none_or(|g| g == &group) {
                let (records, meta): (Vec<Chained>, Vec<(i64, bool)>) =
                    chain.into_iter().map(|(c, at, trusted)| (c, (at, trusted))).unzip();
                push_decisions(&records, filter, &mut rows, |i| (rfc3339_from_millis(meta[i].0), meta[i].1));
            }
        }
        rows.sort_by(|a, b| a.listed_at.cmp(&b.listed_at));
        Ok(rows)
    }

    /// My own decisions matching `filter`, oldest first: the only ones that decide what my
    /// actions do (what an unmute restores, which timed mutes I end).
    pub fn own_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut rows = Vec::new();
        for (group, _) in self.chain_heads()? {
            if filter.group.as_ref().is_none_or(|g| g == &group) {
                let chain = self.chain(&group)?;
                push_decisions(&chain, filter, &mut rows, |i| (chain[i].record.created_at.clone(), true));
            }
        }
        rows.sort_by(|a, b| a.listed_at.cmp(&b.listed_at));
        Ok(rows)
    }

    /// The evidence kept for a case: canonical JSON and its SHA-256.
    pub fn evidence(&self, case_id: &str) -> Result<Option<(String, String)>> {
        self.conn
            .query_row("SELECT json, sha256 FROM evidence WHERE case_id = ?1", [case_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| store_err("evidence read", e))
    }

    /// For tamper tests only: runs raw SQL against the store, as an attacker with the key could.
    #[cfg(any(test, feature = "test-support"))]
    #[doc(hidden)]
    pub fn tamper(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(|e| store_err("tamper", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CACHE_FILE;

    fn unmute(case_id: &str, ends: &str) -> (CaseRecord, OutboxEntry) {
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: case_id.into(),
            kind: RecordKind::Decision,
            group: "!g".into(),
            actor: "@me:hs".into(),
            target: Some("@u:hs".into()),
            action: "unmute".into(),
            reason: format!("timed mute ended (case {ends})"),
            rule: None,
            evidence_hash: None,
            created_at: "2026-11-23T10:00:00Z".into(),
            detail: [(ENDS_CASE.to_string(), ends.to_string())].into(),
        };
        let outbox = OutboxEntry {
            case_id: case_id.into(),
            action: "unmute".into(),
            payload: "{}".into(),
            group_id: "!g".into(),
            target: Some("@u:hs".into()),
            txn_id: format!("qg.{case_id}"),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at_ms: 0,
            last_error: None,
            error: None,
        };
        (record, outbox)
    }

    // Regression (d086b31): two runners on one store (two `qg serve`, or serve and the app) each
    // decided an unmute for the same due timed mute, so it was ended twice.
    #[test]
    fn regression_two_connections_each_ended_the_same_timed_mute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CACHE_FILE);
        let (mut one, mut two) = (
            Store::open(&path, &crate::tests::key('a')).unwrap(),
            Store::open(&path, &crate::tests::key('a')).unwrap(),
        );
        let (r, o) = unmute("u1", "mute-1");
        assert!(one.record_reversal(r, &o).unwrap().is_some(), "the first runner decides");
        let (r, o) = unmute("u2", "mute-1");
        assert_eq!(two.record_reversal(r, &o).unwrap(), None, "the second finds it decided");
        assert_eq!(two.outbox_entry("u2").unwrap(), None, "and writes nothing");
        let (r, o) = unmute("u3", "mute-2");
        assert!(two.record_reversal(r, &o).unwrap().is_some(), "another mute is another claim");

        // Two threads racing on their own connections: one decision, whatever the timing.
        let winners: usize = std::thread::scope(|scope| {
            let runners: Vec<_> = (0..2)
                .map(|i| {
                    let path = path.clone();
                    scope.spawn(move || {
                        let mut s = Store::open(&path, &crate::tests::key('a')).unwrap();
                        let (r, o) = unmute(&format!("race{i}"), "mute-3");
                        usize::from(s.record_reversal(r, &o).unwrap().is_some())
                    })
                })
                .collect();
            runners.into_iter().map(|r| r.join().unwrap()).sum()
        });
        assert_eq!(winners, 1, "racing runners should make exactly one decision");
        let (mut r, o) = unmute("bad", "x");
        r.detail.clear();
        assert!(one.record_reversal(r, &o).is_err(), "a reversal must name what it ends");
    }

    // Regression (21ebbc3): a case-log append read the chain head in a deferred transaction and
    // failed at once with "database is locked" when another connection wrote first (two `qg` on one
    // account hit it every time); appends are BEGIN IMMEDIATE now and wait their turn.
    #[test]
    fn regression_a_second_connection_appending_failed_with_database_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CACHE_FILE);
        drop(Store::open(&path, &crate::tests::key('a')).unwrap());
        std::thread::scope(|scope| {
            for t in 0..2 {
                let path = path.clone();
                scope.spawn(move || {
                    let mut s = Store::open(&path, &crate::tests::key('a')).unwrap();
                    for n in 0..25 {
                        let (mut r, _) = unmute(&format!("t{t}-{n}"), "x");
                        (r.action, r.detail) = ("warn".into(), Default::default());
                        if let Err(e) = s.record_decision(r, None, None) {
                            panic!(
                                "append {n} of connection {t} should wait for the other connection, not fail: {e:?}"
                            );
                        }
                    }
                });
            }
        });
        let s = Store::open(&path, &crate::tests::key('a')).unwrap();
        assert_eq!(s.chain("!g").unwrap().len(), 50, "every append of both connections should be in the one chain");
    }
}
