//! Retention on disk: dropping cached messages past their period or of one person, and the
//! record of each purge and erasure (`qunguan_core::retention`).
//!
//! Cached messages live in two tables: the followed `timeline` and the offline message pages
//! (`cached_messages`, one JSON message a row). Cases, their evidence and the queue's items
//! are never touched here: evidence holds its own copy of the message it is about. A purge
//! keeps the message of an item still open in the queue (nobody has decided it yet).

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::queue::ReportVia;
use qunguan_core::retention::{Dropped, Housekeeping};
use rusqlite::{Connection, params};

use crate::{Store, store_err};

/// A report one person made, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportBy {
    /// The group's room ID.
    pub group_id: String,
    /// The queue item.
    pub item_id: String,
    /// The message reported.
    pub event_id: String,
    /// How.
    pub via: ReportVia,
    /// As given.
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// The timeline rows past `cutoff` whose item, if any, is decided.
const PURGEABLE: &str = "ts < ?1 AND NOT EXISTS (SELECT 1 FROM queue_items i
     WHERE i.group_id = timeline.group_id AND i.event_id = timeline.event_id AND i.state = 'open')";
/// The timeline rows past `cutoff` kept for their open item.
const KEPT_OPEN: &str = "ts < ?1 AND EXISTS (SELECT 1 FROM queue_items i
     WHERE i.group_id = timeline.group_id AND i.event_id = timeline.event_id AND i.state = 'open')";

/// Counts per group of the rows of `table` matching `filter` (bound to `arg`), into `out`.
fn count_into(
    conn: &Connection,
    table: &str,
    filter: &str,
    arg: &dyn rusqlite::ToSql,
    out: &mut Vec<Dropped>,
    field: fn(&mut Dropped) -> &mut u32,
) -> rusqlite::Result<()> {
    let sql = format!("SELECT group_id, count(*) FROM {table} WHERE {filter} GROUP BY group_id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([arg], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for row in rows {
        let (group, n) = row?;
        let i = match out.iter().position(|d| d.group == group) {
            Some(i) => i,
            None => {
                out.push(Dropped { group, ..Dropped::default() });
                out.len() - 1
            }
        };
        *field(&mut out[i]) += n;
    }
    Ok(())
}

impl Store {
    /// Drops cached messages older than `cutoff_ms` (or only counts them: `dry_run`), per group.
    pub fn purge_messages(&mut self, cutoff_ms: i64, dry_run: bool) -> Result<Vec<Dropped>> {
        let err = |e| store_err("purge", e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut out = Vec::new();
        let pages = "json_extract(json, '$.ts') < ?1";
        count_into(&tx, "timeline", PURGEABLE, &cutoff_ms, &mut out, |d| &mut d.messages).map_err(err)?;
        count_into(&tx, "timeline", KEPT_OPEN, &cutoff_ms, &mut out, |d| &mut d.kept_open).map_err(err)?;
        count_into(&tx, "cached_messages", pages, &cutoff_ms, &mut out, |d| &mut d.cached).map_err(err)?;
        if !dry_run {
            tx.execute(&format!("DELETE FROM timeline WHERE {PURGEABLE}"), [cutoff_ms]).map_err(err)?;
            tx.execute(&format!("DELETE FROM cached_messages WHERE {pages}"), [cutoff_ms]).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        out.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(out)
    }

    /// Erases one person's cached messages (or only counts them: `dry_run`), per group.
    pub fn erase_messages_of(&mut self, user: &str, dry_run: bool) -> Result<Vec<Dropped>> {
        let err = |e| store_err("erase", e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut out = Vec::new();
        let pages = "json_extract(json, '$.sender') = ?1";
        count_into(&tx, "timeline", "sender = ?1", &user, &mut out, |d| &mut d.messages).map_err(err)?;
        count_into(&tx, "cached_messages", pages, &user, &mut out, |d| &mut d.cached).map_err(err)?;
        if !dry_run {
            tx.execute("DELETE FROM timeline WHERE sender = ?1", [user]).map_err(err)?;
            tx.execute(&format!("DELETE FROM cached_messages WHERE {pages}"), [user]).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        out.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(out)
    }

    /// One person's cached messages, per group, oldest first: the followed timeline, then the
    /// offline pages' messages the timeline does not hold.
    pub fn messages_of(&self, user: &str) -> Result<Vec<(String, MessageSnapshot)>> {
        let err = |e| store_err("person read", e);
        let mut out: Vec<(String, MessageSnapshot)> = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT group_id, event_id, sender, ts, body, reply_to, redacted, case_id, redacted_by FROM timeline WHERE sender = ?1 ORDER BY group_id, seq")
            .map_err(err)?;
        let rows = stmt
            .query_map([user], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    MessageSnapshot {
                        event_id: r.get(1)?,
                        sender: r.get(2)?,
                        ts: r.get(3)?,
                        kind: "m.room.message".into(),
                        body: r.get(4)?,
                        reply_to: r.get(5)?,
                        redacted: r.get::<_, i64>(6)? != 0,
                        redacted_by: r.get(8)?,
                        case_id: r.get(7)?,
                    },
                ))
            })
            .map_err(err)?;
        for row in rows {
            out.push(row.map_err(err)?);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT group_id, json FROM cached_messages WHERE json_extract(json, '$.sender') = ?1 ORDER BY group_id, position")
            .map_err(err)?;
        let rows = stmt.query_map([user], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(err)?;
        for row in rows {
            let (group, json) = row.map_err(err)?;
            // A row this build cannot read is left out, never the whole export.
            let Ok(m) = serde_json::from_str::<MessageSnapshot>(&json) else { continue };
            if !out.iter().any(|(g, known)| *g == group && known.event_id == m.event_id) {
                out.push((group, m));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.ts.cmp(&b.1.ts)));
        Ok(out)
    }

    /// The reports one person made: (group, item, event, way, reason, when in Unix ms), oldest first.
    pub fn reports_by(&self, user: &str) -> Result<Vec<ReportBy>> {
        let err = |e| store_err("person read", e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT i.group_id, r.item_id, i.event_id, r.via, r.reason, r.at FROM queue_reports r
                 JOIN queue_items i ON i.id = r.item_id WHERE r.reporter = ?1 ORDER BY r.at",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([user], |r| {
                let via: String = r.get(3)?;
                // A way of reporting a newer build wrote: left out of the list.
                let Some(via) = ReportVia::from_word(&via) else { return Ok(None) };
                Ok(Some(ReportBy {
                    group_id: r.get(0)?,
                    item_id: r.get(1)?,
                    event_id: r.get(2)?,
                    via,
                    reason: r.get(4)?,
                    at_ms: r.get(5)?,
                }))
            })
            .map_err(err)?;
        let rows = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Records a purge or an erasure.
    pub fn record_housekeeping(&mut self, at_ms: i64, record: &Housekeeping) -> Result<()> {
        let json = serde_json::to_string(record).map_err(|e| store_err("housekeeping encode", e))?;
        self.conn
            .execute("INSERT INTO housekeeping (at, record) VALUES (?1, ?2)", params![at_ms, json])
            .map(drop)
            .map_err(|e| store_err("housekeeping write", e))
    }

    /// The latest `limit` purges and erasures, newest first.
    pub fn housekeeping(&self, limit: u32) -> Result<Vec<Housekeeping>> {
        let err = |e| store_err("housekeeping read", e);
        let mut stmt = self.conn.prepare("SELECT record FROM housekeeping ORDER BY id DESC LIMIT ?1").map_err(err)?;
        let rows = stmt.query_map([limit], |r| r.get::<_, String>(0)).map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            // A record of a newer build is left out, not an error for the list.
            if let Ok(h) = serde_json::from_str(&row.map_err(err)?) {
                out.push(h);
            }
        }
        Ok(out)
    }

    /// When the last purge that dropped anything (not a dry run) ran, Unix ms.
    pub fn last_purge_ms(&self) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT max(at) FROM housekeeping WHERE json_extract(record, '$.kind') = 'purge'
                 AND json_extract(record, '$.dry_run') = 0",
                [],
                |r| r.get(0),
            )
            .map_err(|e| store_err("housekeeping read", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Flagged, Ingest};
    use qunguan_core::retention::HousekeepingKind;

    fn message(event: &str, sender: &str, ts: i64) -> MessageSnapshot {
        crate::tests::snapshot(event, sender, ts, &format!("text of {event}"))
    }

    /// Old and new messages of two senders in two groups; `$old-open` has an open item.
    fn filled() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.db"), &crate::tests::key('d')).unwrap();
        let mut round = Ingest::default();
        for (g, e, who, ts) in [
            ("!a:hs", "$old", "@m:hs", 10),
            ("!a:hs", "$old-open", "@m:hs", 11),
            ("!a:hs", "$new", "@m:hs", 1_000),
            ("!b:hs", "$old-b", "@n:hs", 12),
            ("!b:hs", "$new-b", "@m:hs", 1_001),
        ] {
            round.messages.push((g.into(), message(e, who, ts)));
        }
        round.flagged.push(Flagged {
            group_id: "!a:hs".into(),
            event_id: "$old-open".into(),
            kind: "keyword".into(),
            category: None,
            flags: vec![],
        });
        s.ingest(&round, 5).unwrap();
        s.put_messages("!a:hs", &[message("$page-old", "@m:hs", 9), message("$page-new", "@n:hs", 2_000)], 5).unwrap();
        (dir, s)
    }

    #[test]
    fn a_purge_drops_what_is_past_the_cutoff_but_the_message_of_an_open_item() {
        let (_dir, mut s) = filled();
        let dry = s.purge_messages(500, true).unwrap();
        let want = vec![
            Dropped { group: "!a:hs".into(), messages: 1, cached: 1, kept_open: 1 },
            Dropped { group: "!b:hs".into(), messages: 1, cached: 0, kept_open: 0 },
        ];
        assert_eq!(dry, want, "a dry run counts");
        assert!(s.has_message("!a:hs", "$old").unwrap(), "and drops nothing");
        assert_eq!(s.purge_messages(500, false).unwrap(), want, "the purge drops what the dry run counted");
        assert!(!s.has_message("!a:hs", "$old").unwrap() && !s.has_message("!b:hs", "$old-b").unwrap());
        assert!(s.has_message("!a:hs", "$old-open").unwrap(), "an open item's message stays");
        assert!(s.has_message("!a:hs", "$new").unwrap() && s.has_message("!b:hs", "$new-b").unwrap());
        let page: Vec<String> = s.messages("!a:hs").unwrap().unwrap().value.into_iter().map(|m| m.event_id).collect();
        assert_eq!(page, ["$page-new"], "the offline page loses its old messages too");
        assert_eq!(s.purge_messages(500, false).unwrap()[0].messages, 0, "a second purge finds nothing");
    }

    #[test]
    fn an_erasure_drops_one_persons_messages_everywhere_and_nobody_elses() {
        let (_dir, mut s) = filled();
        let before: Vec<String> = s.messages_of("@m:hs").unwrap().into_iter().map(|(_, m)| m.event_id).collect();
        assert_eq!(
            before,
            ["$page-old", "$old", "$old-open", "$new", "$new-b"],
            "timeline and page, by group and time"
        );
        let erased = s.erase_messages_of("@m:hs", false).unwrap();
        assert_eq!(erased.iter().map(|d| d.messages + d.cached).sum::<u32>(), 5);
        assert!(s.messages_of("@m:hs").unwrap().is_empty(), "nothing of theirs is left");
        assert!(s.has_message("!b:hs", "$old-b").unwrap(), "another member's message stays");
        let page: Vec<String> = s.messages("!a:hs").unwrap().unwrap().value.into_iter().map(|m| m.event_id).collect();
        assert_eq!(page, ["$page-new"]);
    }

    #[test]
    fn housekeeping_is_recorded_newest_first_and_dry_runs_are_not_the_last_purge() {
        let (_dir, mut s) = filled();
        let record = |kind, dry_run| Housekeeping {
            kind,
            at: "2026-12-04T00:00:00Z".into(),
            by: "@me:hs".into(),
            subject: None,
            reason: "r".into(),
            cutoff: None,
            dry_run,
            groups: vec![],
        };
        assert_eq!(s.last_purge_ms().unwrap(), None);
        s.record_housekeeping(100, &record(HousekeepingKind::Purge, false)).unwrap();
        s.record_housekeeping(200, &record(HousekeepingKind::Purge, true)).unwrap();
        s.record_housekeeping(300, &record(HousekeepingKind::Erase, false)).unwrap();
        assert_eq!(s.last_purge_ms().unwrap(), Some(100), "neither the dry run nor the erasure");
        let kinds: Vec<_> = s.housekeeping(10).unwrap().into_iter().map(|h| (h.kind, h.dry_run)).collect();
        assert_eq!(
            kinds,
            [(HousekeepingKind::Erase, false), (HousekeepingKind::Purge, true), (HousekeepingKind::Purge, false)]
        );
    }
}
