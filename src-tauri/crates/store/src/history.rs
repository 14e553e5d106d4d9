//! Each group's history, back-filled page by page into the timeline: where the next page
//! starts, written in the same transaction as the page (a crash or a lost network resumes
//! from the last page written), and the edits read before the messages they edit.

use qunguan_core::Result;
use rusqlite::{OptionalExtension, params};

use crate::{Edited, Ingest, Store, store_err};

/// Where a group's back-fill stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryMark {
    /// The group's room ID.
    pub group_id: String,
    /// Where the next page back starts; `None`: from the latest message.
    pub cursor: Option<String>,
    /// The oldest message reached (Unix ms).
    pub oldest_ts: Option<i64>,
    /// Nothing more to read: the depth or the start of the room was reached.
    pub done: bool,
    /// Pages read so far.
    pub pages: u32,
    /// Messages stored from them.
    pub messages: u32,
}

impl Store {
    /// Where a group's back-fill stands (`None`: not begun).
    pub fn history_mark(&self, group_id: &str) -> Result<Option<HistoryMark>> {
        self.conn
            .query_row(
                "SELECT cursor, oldest_ts, done, pages, messages FROM history WHERE group_id = ?1",
                [group_id],
                |r| {
                    Ok(HistoryMark {
                        group_id: group_id.to_owned(),
                        cursor: r.get(0)?,
                        oldest_ts: r.get(1)?,
                        done: r.get::<_, i64>(2)? != 0,
                        pages: r.get(3)?,
                        messages: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| store_err("history read", e))
    }

    /// Writes one page of a group's history (its messages, removals and edits; its flagged
    /// messages and reports are left out: history is for review, the queue for what arrives)
    /// with the group's new mark, in one transaction; messages not seen before.
    pub fn ingest_history(&mut self, page: &Ingest, edits: &[Edited], mark: &HistoryMark) -> Result<u32> {
        let err = |e| store_err("history write", e);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        let new = crate::timeline::insert(&tx, &page.messages).map_err(err)?;
        crate::timeline::redact(&tx, &page.redactions).map_err(err)?;
        for e in edits {
            tx.prepare_cached(
                "INSERT INTO history_edits (group_id, target, sender, body, ts) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(params![e.group_id, e.target, e.sender, e.body, e.ts]))
            .map_err(err)?;
        }
        // Edits whose message is stored now, oldest first (the latest edit wins); each applies
        // only when its sender sent the message.
        let ready: Vec<(i64, Edited)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT e.rowid, e.group_id, e.target, e.sender, e.body, e.ts FROM history_edits e
                     WHERE e.group_id = ?1 AND EXISTS (SELECT 1 FROM timeline t WHERE t.group_id = e.group_id
                     AND t.event_id = e.target) ORDER BY e.ts",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map([&mark.group_id], |r| {
                    Ok((
                        r.get(0)?,
                        Edited {
                            group_id: r.get(1)?,
                            target: r.get(2)?,
                            sender: r.get(3)?,
                            body: r.get(4)?,
                            ts: r.get(5)?,
                            flagged: None,
                        },
                    ))
                })
                .map_err(err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(err)?
        };
        for (rowid, e) in &ready {
            crate::timeline::edit(&tx, e).map_err(err)?;
            tx.execute("DELETE FROM history_edits WHERE rowid = ?1", [rowid]).map_err(err)?;
        }
        tx.execute(
            "INSERT INTO history (group_id, cursor, oldest_ts, done, pages, messages) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (group_id) DO UPDATE SET cursor = excluded.cursor, oldest_ts = excluded.oldest_ts,
             done = excluded.done, pages = excluded.pages, messages = excluded.messages",
            params![mark.group_id, mark.cursor, mark.oldest_ts, mark.done, mark.pages, mark.messages + new],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(new)
    }

    /// Starts a group's back-fill over (from the latest message): after a deeper depth is asked.
    pub fn reset_history(&mut self, group_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM history WHERE group_id = ?1", [group_id])
            .map(drop)
            .map_err(|e| store_err("history write", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Removed;
    use qunguan_core::action::MessageSnapshot;

    fn message(event: &str, sender: &str, ts: i64, body: &str) -> (String, MessageSnapshot) {
        ("!g:hs".into(), crate::tests::snapshot(event, sender, ts, body))
    }

    fn edit(target: &str, sender: &str, ts: i64, body: &str) -> Edited {
        Edited {
            group_id: "!g:hs".into(),
            target: target.into(),
            sender: sender.into(),
            body: body.into(),
            ts,
            flagged: None,
        }
    }

    fn mark(cursor: Option<&str>, pages: u32, done: bool) -> HistoryMark {
        HistoryMark {
            group_id: "!g:hs".into(),
            cursor: cursor.map(str::to_owned),
            pages,
            done,
            ..HistoryMark::default()
        }
    }

    fn body(s: &Store, event: &str) -> Option<String> {
        s.timeline_message("!g:hs", event).unwrap().and_then(|m| m.body)
    }

    #[test]
    fn an_edit_read_before_its_message_applies_when_the_message_comes_the_latest_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.db"), &crate::tests::key('e')).unwrap();
        // The newest page: two edits of $old (one by someone else), and a message of its own.
        let newest = Ingest { messages: vec![message("$new", "@a:hs", 30, "新")], ..Ingest::default() };
        let edits = [
            edit("$old", "@a:hs", 20, "改一次"),
            edit("$old", "@a:hs", 25, "改两次"),
            edit("$old", "@x:hs", 26, "冒充"),
        ];
        assert_eq!(s.ingest_history(&newest, &edits, &mark(Some("t1"), 1, false)).unwrap(), 1);
        assert_eq!(
            s.history_mark("!g:hs").unwrap().unwrap().cursor.as_deref(),
            Some("t1"),
            "where the next page starts"
        );
        // The older page brings $old: the edits apply, the latest by its sender wins.
        let older = Ingest { messages: vec![message("$old", "@a:hs", 10, "原文")], ..Ingest::default() };
        // The mark carries the messages stored before it (the engine keeps the count).
        let second = HistoryMark { messages: 1, ..mark(None, 2, true) };
        assert_eq!(s.ingest_history(&older, &[], &second).unwrap(), 1);
        assert_eq!(body(&s, "$old").as_deref(), Some("改两次"), "the latest edit by the sender; not the impostor's");
        let m = s.history_mark("!g:hs").unwrap().unwrap();
        assert_eq!((m.pages, m.messages, m.done, m.cursor), (2, 2, true, None));
        // Read again (a crash before the mark moved): nothing doubles.
        assert_eq!(s.ingest_history(&older, &[], &second).unwrap(), 0);
    }

    #[test]
    fn a_removal_counts_for_the_senders_own_message_or_from_someone_who_may_remove_any() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.db"), &crate::tests::key('f')).unwrap();
        let page = Ingest {
            messages: vec![
                message("$a", "@a:hs", 1, "一"),
                message("$b", "@b:hs", 2, "二"),
                message("$c", "@c:hs", 3, "三"),
            ],
            ..Ingest::default()
        };
        s.ingest(&page, 1).unwrap();
        let removed = |event: &str, by: &str, any: bool| Removed {
            group_id: "!g:hs".into(),
            event_id: event.into(),
            by: by.into(),
            any,
        };
        let round = Ingest {
            redactions: vec![
                removed("$a", "@b:hs", false),
                removed("$b", "@b:hs", false),
                removed("$c", "@mod:hs", true),
            ],
            ..Ingest::default()
        };
        s.ingest(&round, 2).unwrap();
        let a = s.timeline_message("!g:hs", "$a").unwrap().unwrap();
        assert!(!a.redacted && a.body.as_deref() == Some("一"), "a member cannot remove another's message: {a:?}");
        let b = s.timeline_message("!g:hs", "$b").unwrap().unwrap();
        assert!(b.redacted && b.body.is_none() && b.redacted_by.as_deref() == Some("@b:hs"), "their own: {b:?}");
        let c = s.timeline_message("!g:hs", "$c").unwrap().unwrap();
        assert_eq!((c.redacted, c.redacted_by.as_deref()), (true, Some("@mod:hs")), "a moderator's: {c:?}");
    }
}
