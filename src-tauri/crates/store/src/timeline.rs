//! Every message of a followed group as it arrived, keyed for lookup by a 64-bit hash of
//! (group, event) ([`qunguan_core::queue::message_key`]) under a plain index.
//!
//! ## Design
//! The key used to be the two strings themselves, unique: at a few hundred thousand messages
//! that index outgrew the page cache, and each new message then paid a page read and its
//! decryption before its insert (engine/BENCH.md). The hash index holds a quarter as many
//! pages. It is not unique by itself, so every statement here compares the group and the
//! event as well: a collision costs one more row read, never a message.

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::queue::message_key;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Edited, Removed, Store, store_err};

/// The SQL function the migration that keyed the timeline computes existing rows' keys with.
pub(crate) const KEY_FUNCTION: &str = "qg_message_key";

/// Registers [`KEY_FUNCTION`] on a connection (before the migrations run).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        KEY_FUNCTION,
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(message_key(&ctx.get::<String>(0)?, &ctx.get::<String>(1)?)),
    )
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageSnapshot> {
    Ok(MessageSnapshot {
        event_id: r.get("event_id")?,
        sender: r.get("sender")?,
        ts: r.get("ts")?,
        kind: "m.room.message".into(),
        body: r.get("body")?,
        redacted: r.get::<_, i64>("redacted")? != 0,
        redacted_by: r.get("redacted_by")?,
        case_id: r.get("case_id")?,
        reply_to: r.get("reply_to")?,
    })
}

/// Stores the messages not stored before; how many were new.
pub(crate) fn insert(conn: &Connection, messages: &[(String, MessageSnapshot)]) -> rusqlite::Result<u32> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO timeline (msg_key, group_id, event_id, sender, ts, body, reply_to, redacted, case_id, redacted_by)
         SELECT ?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10
         WHERE NOT EXISTS (SELECT 1 FROM timeline WHERE msg_key = ?9 AND group_id = ?1 AND event_id = ?2)",
    )?;
    let mut new = 0;
    for (group, m) in messages {
        let body = if m.redacted { None } else { m.body.as_deref() };
        let key = message_key(group, &m.event_id);
        let by = m.redacted_by.as_deref().filter(|_| m.redacted);
        new += insert
            .execute(params![group, m.event_id, m.sender, m.ts, body, m.reply_to, m.redacted, m.case_id, key, by])?
            as u32;
    }
    Ok(new)
}

/// Marks removed messages as such, with who removed them, and forgets their text: a removal
/// counts when its sender sent the message or may remove anyone's ([`Removed::any`]).
pub(crate) fn redact(conn: &Connection, removed: &[Removed]) -> rusqlite::Result<()> {
    let mut redact = conn.prepare_cached(
        "UPDATE timeline SET redacted = 1, body = NULL, redacted_by = ?3
         WHERE msg_key = ?5 AND group_id = ?1 AND event_id = ?2 AND (?4 OR sender = ?3)",
    )?;
    for r in removed {
        redact.execute(params![r.group_id, r.event_id, r.by, r.any, message_key(&r.group_id, &r.event_id)])?;
    }
    Ok(())
}

/// Applies an edit when its sender sent the message and it still stands; true if it did.
pub(crate) fn edit(conn: &Connection, e: &Edited) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE timeline SET body = ?4
         WHERE msg_key = ?5 AND group_id = ?1 AND event_id = ?2 AND sender = ?3 AND redacted = 0",
        )?
        .execute(params![e.group_id, e.target, e.sender, e.body, message_key(&e.group_id, &e.target)])?;
    Ok(n == 1)
}

/// The row number of a stored message (the order messages arrived in).
fn seq_of(conn: &Connection, group_id: &str, event_id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT seq FROM timeline WHERE msg_key = ?3 AND group_id = ?1 AND event_id = ?2")?
        .query_row(params![group_id, event_id, message_key(group_id, event_id)], |r| r.get(0))
        .optional()
}

impl Store {
    /// Whether a message of the group is stored (a back-fill stops at the first it finds).
    pub fn has_message(&self, group_id: &str, event_id: &str) -> Result<bool> {
        seq_of(&self.conn, group_id, event_id).map(|s| s.is_some()).map_err(|e| store_err("timeline read", e))
    }

    /// One stored message.
    pub fn timeline_message(&self, group_id: &str, event_id: &str) -> Result<Option<MessageSnapshot>> {
        self.conn
            .prepare_cached("SELECT * FROM timeline WHERE msg_key = ?3 AND group_id = ?1 AND event_id = ?2")
            .and_then(|mut stmt| {
                stmt.query_row(params![group_id, event_id, message_key(group_id, event_id)], message_row).optional()
            })
            .map_err(|e| store_err("timeline read", e))
    }

    /// Up to `n` stored messages either side of one, oldest first (the item's context).
    pub fn timeline_context(&self, group_id: &str, event_id: &str, n: u32) -> Result<Vec<MessageSnapshot>> {
        let err = |e| store_err("timeline read", e);
        let Some(seq) = seq_of(&self.conn, group_id, event_id).map_err(err)? else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT * FROM (SELECT * FROM timeline WHERE group_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3)
                 UNION ALL SELECT * FROM (SELECT * FROM timeline WHERE group_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3)
                 ORDER BY seq",
            )
            .map_err(err)?;
        let rows = stmt.query_map(params![group_id, seq, n], message_row).map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ingest;

    fn message(event: &str, body: &str) -> MessageSnapshot {
        crate::tests::snapshot(event, "@m:hs", 1, body)
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("cache.db"), &crate::tests::key('c')).unwrap()
    }

    fn round(messages: &[(&str, &str)]) -> Ingest {
        Ingest {
            messages: messages.iter().map(|(e, b)| ("!g:hs".to_owned(), message(e, b))).collect(),
            ..Ingest::default()
        }
    }

    #[test]
    fn a_message_whose_key_collides_with_another_is_still_stored_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = open(&dir);
        // A stored row under the key `$b` will have: as if SHA-256's 64 bits collided.
        s.conn
            .execute(
                "INSERT INTO timeline (msg_key, group_id, event_id, sender, ts, body) VALUES (?1, '!g:hs', '$a', '@m:hs', 1, 'first')",
                [message_key("!g:hs", "$b")],
            )
            .unwrap();
        let written = s.ingest(&round(&[("$b", "second")]), 5).unwrap();
        assert_eq!(written.new_messages, 1, "the colliding message is a new one, not a repeat");
        assert_eq!(s.timeline_message("!g:hs", "$b").unwrap().and_then(|m| m.body).as_deref(), Some("second"));
        assert_eq!(s.timeline_message("!g:hs", "$a").unwrap(), None, "`$a` is only findable under its own key");
        let again = s.ingest(&round(&[("$b", "second")]), 6).unwrap();
        assert_eq!(again.new_messages, 0, "the round read twice stores nothing the second time");
    }

    #[test]
    fn the_same_event_in_two_groups_is_two_messages() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = open(&dir);
        let mut r = round(&[("$e", "one")]);
        r.messages.push(("!h:hs".into(), message("$e", "two")));
        assert_eq!(s.ingest(&r, 1).unwrap().new_messages, 2);
        assert!(s.has_message("!h:hs", "$e").unwrap() && s.has_message("!g:hs", "$e").unwrap());
        assert!(!s.has_message("!other:hs", "$e").unwrap());
    }

    #[test]
    fn messages_stored_before_the_timeline_was_keyed_are_found_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let keyed = crate::migrations::MIGRATIONS.iter().position(|m| m.contains("timeline_keyed")).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            let hex = crate::tests::key('c');
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex.expose())).unwrap();
            for (i, sql) in crate::migrations::MIGRATIONS[..keyed].iter().enumerate() {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", (i + 1) as i64).unwrap();
            }
            for (event, body) in [("$one", "一"), ("$two", "二"), ("$three", "三")] {
                conn.execute(
                    "INSERT INTO timeline (group_id, event_id, sender, ts, body) VALUES ('!g:hs', ?1, '@m:hs', 1, ?2)",
                    [event, body],
                )
                .unwrap();
            }
        }
        let mut s = open(&dir);
        assert_eq!(s.timeline_message("!g:hs", "$two").unwrap().and_then(|m| m.body).as_deref(), Some("二"));
        let around: Vec<String> =
            s.timeline_context("!g:hs", "$two", 5).unwrap().into_iter().map(|m| m.event_id).collect();
        assert_eq!(around, ["$one", "$three"], "the order they arrived in is kept");
        let again = s.ingest(&round(&[("$one", "一"), ("$four", "四")]), 1).unwrap();
        assert_eq!(again.new_messages, 1, "a message stored before the change is not stored twice");
        let next: i64 = s.conn.query_row("SELECT max(seq) FROM timeline", [], |r| r.get(0)).unwrap();
        assert_eq!(next, 4, "new rows continue after the old ones");
    }
}
