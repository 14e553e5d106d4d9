//! My own chains as the moderation rooms hold them: the outside anchor of `audit verify`.
//!
//! My local chain and its head are both in this store, so someone with the store's key could
//! delete a group's rows *and* its head, and the local check alone would see nothing. Each
//! import round therefore also keeps what the room says about me: the head I announced there
//! (my `org.qunguan.chain_head`, which only I can write) and the hash of every record of mine
//! that the room carries. `audit verify` holds the local chain against both.

use qunguan_core::Result;
use rusqlite::params;

use crate::{Store, store_err};

/// What a group's moderation room holds of my chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomAnchor {
    /// The group's room ID (or the account-log chain's name).
    pub group: String,
    /// The head I announced there: (hash, count).
    pub head: Option<(String, u32)>,
    /// My records the room carries: (case ID, hash), in timeline order.
    pub records: Vec<(String, String)>,
}

impl Store {
    /// This store's console ID (random, chosen when the store was made): my published records
    /// and heads carry it, and only what carries it anchors this store's chains.
    pub fn console_id(&self) -> Result<String> {
        self.conn
            .query_row("SELECT id FROM console_identity", [], |r| r.get(0))
            .map_err(|e| store_err("console identity read", e))
    }

    /// Keeps the head the room shows for my chain of `group`.
    pub fn set_room_head(&mut self, group: &str, hash: &str, count: u32) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO room_own_heads (group_id, hash, count) VALUES (?1, ?2, ?3)
                 ON CONFLICT (group_id) DO UPDATE SET hash = excluded.hash, count = excluded.count",
                params![group, hash, count],
            )
            .map(drop)
            .map_err(|e| store_err("room anchor write", e))
    }

    /// Notes a record of mine seen in `group`'s moderation room (once per hash).
    pub fn note_room_record(&mut self, group: &str, case_id: &str, hash: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO room_own_records (group_id, case_id, hash) VALUES (?1, ?2, ?3)",
                params![group, case_id, hash],
            )
            .map(drop)
            .map_err(|e| store_err("room anchor write", e))
    }

    /// My chains that are not about one group (reports, blocklist, staff), kept here or
    /// anchored in my account log: the ones whose anchor is read from that room.
    pub fn account_chains(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT group_id FROM chain_heads WHERE group_id NOT LIKE '!%'
                 UNION SELECT group_id FROM room_own_heads WHERE group_id NOT LIKE '!%'
                 UNION SELECT group_id FROM room_own_records WHERE group_id NOT LIKE '!%'
                 ORDER BY 1",
            )
            .map_err(|e| store_err("room anchor read", e))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| store_err("room anchor read", e))?;
        rows.collect::<rusqlite::Result<Vec<String>>>().map_err(|e| store_err("room anchor read", e))
    }

    /// Every group whose room holds something of my chain, by group.
    pub fn room_anchors(&self) -> Result<Vec<RoomAnchor>> {
        let err = |e| store_err("room anchor read", e);
        let mut out: Vec<RoomAnchor> = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT group_id, case_id, hash FROM room_own_records ORDER BY group_id, seq")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(err)?;
        for row in rows {
            let (group, case_id, hash) = row.map_err(err)?;
            if out.last().is_none_or(|a| a.group != group) {
                out.push(RoomAnchor { group, ..RoomAnchor::default() });
            }
            out.last_mut().expect("just pushed").records.push((case_id, hash));
        }
        let mut stmt = self.conn.prepare_cached("SELECT group_id, hash, count FROM room_own_heads").map_err(err)?;
        let heads = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?)))
            .map_err(err)?;
        for head in heads {
            let (group, hash, count) = head.map_err(err)?;
            match out.iter_mut().find(|a| a.group == group) {
                Some(a) => a.head = Some((hash, count)),
                None => out.push(RoomAnchor { group, head: Some((hash, count)), records: Vec::new() }),
            }
        }
        out.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CACHE_FILE;

    #[test]
    fn anchors_keep_heads_and_records_per_group() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join(CACHE_FILE), &crate::tests::key('a')).unwrap();
        assert_eq!(s.room_anchors().unwrap(), [], "nothing seen yet");
        let id = s.console_id().unwrap();
        assert_eq!(id.len(), 32, "128 random bits as hex: {id}");
        let other = tempfile::tempdir().unwrap();
        let t = Store::open(&other.path().join(CACHE_FILE), &crate::tests::key('a')).unwrap();
        assert_ne!(t.console_id().unwrap(), id, "every store has its own");
        drop(s);
        let mut s = Store::open(&dir.path().join(CACHE_FILE), &crate::tests::key('a')).unwrap();
        assert_eq!(s.console_id().unwrap(), id, "and keeps it");
        s.note_room_record("!g", "c1", "h1").unwrap();
        s.note_room_record("!g", "c2", "h2").unwrap();
        s.note_room_record("!g", "c1", "h1").unwrap();
        s.set_room_head("!g", "h1", 1).unwrap();
        s.set_room_head("!g", "h2", 2).unwrap();
        s.set_room_head("!h", "x", 4).unwrap();
        let anchors = s.room_anchors().unwrap();
        assert_eq!(
            anchors,
            [
                RoomAnchor {
                    group: "!g".into(),
                    head: Some(("h2".into(), 2)),
                    records: vec![("c1".into(), "h1".into()), ("c2".into(), "h2".into())],
                },
                RoomAnchor { group: "!h".into(), head: Some(("x".into(), 4)), records: vec![] },
            ],
            "the latest head, each record once, in the order seen"
        );
    }
}
