//! Sharing the case log among a group's admins: which of my records still need posting to the
//! moderation room (or, for chains about no group, to my account log), and the other admins'
//! records imported from it.
//!
//! Chain heads, both ways: the head of my chain I may announce is the last record of the
//! *posted prefix* of it (never a record still waiting to be posted), and each other admin's
//! announced head is kept next to their imported records, which `audit verify` holds against
//! it. Records whose event was later redacted in the room stay here, flagged `removed`.

use qunguan_core::Result;
use qunguan_core::case::{CaseRecord, Chained};
use rusqlite::{OptionalExtension, params};

use crate::{Store, store_err};

/// An imported record, where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRecord {
    /// The record with its chain link.
    pub chained: Chained,
    /// The moderation-room event that carried it.
    pub event_id: String,
    /// When the server received it (Unix ms).
    pub received_at_ms: i64,
    /// Whether its sender managed the group then (see `SharedEntry::sender_managed`).
    pub trusted: bool,
}

/// Whose chain: (group, acting admin).
pub type ChainKey = (String, String);

/// An imported record with when the server received it (Unix ms, `0` when unknown) and
/// whether it is trusted (its sender managed the group then).
pub type ImportedRecord = (Chained, i64, bool);

/// Another admin's chain of one group as the moderation room holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedChain {
    /// The group's room ID.
    pub group: String,
    /// The admin whose chain it is.
    pub actor: String,
    /// Their records still in the room, in timeline order.
    pub records: Vec<Chained>,
    /// How many records imported earlier were since removed (redacted) from the room.
    pub removed: u32,
    /// The head they announced: (hash, count).
    pub head: Option<(String, u32)>,
}

fn decode(json: &str) -> rusqlite::Result<CaseRecord> {
    serde_json::from_str(json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

impl Store {
    /// My records not yet posted, oldest first: `(seq, record)`.
    pub fn unpublished(&self, limit: u32) -> Result<Vec<(i64, Chained)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, record, prev_hash, hash FROM case_log WHERE published = 0 ORDER BY seq LIMIT ?1",
            )
            .map_err(|e| store_err("case log read", e))?;
        let rows = stmt
            .query_map([limit], |r| {
                let record = decode(&r.get::<_, String>(1)?)?;
                Ok((r.get(0)?, Chained { record, prev_hash: r.get(2)?, hash: r.get(3)? }))
            })
            .map_err(|e| store_err("case log read", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| store_err("case log read", e))
    }

    /// Marks my record `seq` as posted, so it is not posted again.
    pub fn mark_published(&mut self, seq: i64) -> Result<()> {
        self.conn
            .execute("UPDATE case_log SET published = 1 WHERE seq = ?1", [seq])
            .map(drop)
            .map_err(|e| store_err("case log write", e))
    }

    /// Keeps another admin's record; `false` when it was already here (same hash).
    pub fn import_shared(&mut self, record: &SharedRecord) -> Result<bool> {
        let c = &record.chained;
        let json = serde_json::to_string(&c.record).map_err(|e| store_err("shared case encode", e))?;
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO shared_cases
                     (group_id, actor, case_id, kind, record, prev_hash, hash, event_id, received_at, trusted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    c.record.group,
                    c.record.actor,
                    c.record.case_id,
                    c.record.kind.as_str(),
                    json,
                    c.prev_hash,
                    c.hash,
                    record.event_id,
                    record.received_at_ms,
                    record.trusted
                ],
            )
            .map_err(|e| store_err("shared case write", e))?;
        Ok(n == 1)
    }

    /// Imported records, per (group, actor) chain in import (timeline) order.
    pub fn shared_chains(&self) -> Result<Vec<(ChainKey, Vec<ImportedRecord>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT group_id, actor, record, prev_hash, hash, coalesce(received_at, 0), trusted FROM shared_cases
                 ORDER BY group_id, actor, seq",
            )
            .map_err(|e| store_err("shared case read", e))?;
        let rows = stmt
            .query_map([], |r| {
                let record = decode(&r.get::<_, String>(2)?)?;
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    (Chained { record, prev_hash: r.get(3)?, hash: r.get(4)? }, r.get(5)?, r.get(6)?),
                ))
            })
            .map_err(|e| store_err("shared case read", e))?;
        let mut out: Vec<(ChainKey, Vec<ImportedRecord>)> = Vec::new();
        for row in rows {
            let (key, c) = row.map_err(|e| store_err("shared case read", e))?;
            match out.last_mut() {
                Some((k, v)) if *k == key => v.push(c),
                _ => out.push((key, vec![c])),
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Flags imported records whose event was redacted; returns how many were newly flagged.
    pub fn mark_shared_removed(&mut self, event_ids: &[String]) -> Result<usize> {
        let err = |e| store_err("shared case write", e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut n = 0;
        for id in event_ids {
            n += tx
                .execute("UPDATE shared_cases SET removed = 1 WHERE event_id = ?1 AND removed = 0", [id])
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(n)
    }

    /// Keeps the head another admin announced for their chain of a group.
    pub fn set_shared_head(&mut self, group: &str, actor: &str, hash: &str, count: u32) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO shared_heads (group_id, actor, hash, count) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (group_id, actor) DO UPDATE SET hash = excluded.hash, count = excluded.count",
                params![group, actor, hash, count],
            )
            .map(drop)
            .map_err(|e| store_err("shared head write", e))
    }

    /// Every other admin's chain (records or an announced head), by group then admin.
    pub fn shared_audit(&self) -> Result<Vec<SharedChain>> {
        let err = |e| store_err("shared case read", e);
        let mut chains: Vec<SharedChain> = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT group_id, actor, record, prev_hash, hash, removed FROM shared_cases
                 ORDER BY group_id, actor, seq",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                let record = decode(&r.get::<_, String>(2)?)?;
                let c = Chained { record, prev_hash: r.get(3)?, hash: r.get(4)? };
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, c, r.get::<_, bool>(5)?))
            })
            .map_err(err)?;
        for row in rows {
            let (group, actor, c, removed) = row.map_err(err)?;
            if !chains.last().is_some_and(|s| s.group == group && s.actor == actor) {
                chains.push(SharedChain { group, actor, records: Vec::new(), removed: 0, head: None });
            }
            let chain = chains.last_mut().expect("just pushed");
            if removed {
                chain.removed += 1;
            } else {
                chain.records.push(c);
            }
        }
        let mut stmt =
            self.conn.prepare_cached("SELECT group_id, actor, hash, count FROM shared_heads").map_err(err)?;
        let heads = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)))
            .map_err(err)?;
        for head in heads {
            let (group, actor, hash, count) = head.map_err(err)?;
            match chains.iter_mut().find(|s| s.group == group && s.actor == actor) {
                Some(s) => s.head = Some((hash, count)),
                None => chains.push(SharedChain {
                    group,
                    actor,
                    records: Vec::new(),
                    removed: 0,
                    head: Some((hash, count)),
                }),
            }
        }
        chains.sort_by(|a, b| (&a.group, &a.actor).cmp(&(&b.group, &b.actor)));
        Ok(chains)
    }

    /// My chain heads to announce: per group, the last record of the posted prefix of my chain
    /// and its position `(group, hash, count)`, where that is further on than what I last
    /// announced. Never backwards: a head that went back (records lost or tampered with here)
    /// would be no statement about the room; `audit verify` reports the local chain instead.
    pub fn heads_to_announce(&self) -> Result<Vec<(String, String, u32)>> {
        let err = |e| store_err("case log read", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH posted AS (
                     SELECT g.group_id, (
                         SELECT max(p.seq) FROM case_log p
                         WHERE p.group_id = g.group_id AND p.published = 1 AND p.seq < coalesce(
                             (SELECT min(u.seq) FROM case_log u WHERE u.group_id = g.group_id AND u.published = 0),
                             9223372036854775807)
                     ) AS seq
                     FROM chain_heads g
                 ), head AS (
                     SELECT p.group_id, c.hash,
                            (SELECT count(*) FROM case_log x WHERE x.group_id = p.group_id AND x.seq <= p.seq) AS n
                     FROM posted p JOIN case_log c ON c.seq = p.seq
                 )
                 SELECT h.group_id, h.hash, h.n FROM head h LEFT JOIN announced_heads a ON a.group_id = h.group_id
                 WHERE a.count IS NULL OR h.n > a.count
                 ORDER BY h.group_id",
            )
            .map_err(err)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }

    /// Where the next import of a group's shared case log continues.
    pub fn shared_cursor(&self, group: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT cursor FROM shared_cursors WHERE group_id = ?1", [group], |r| r.get(0))
            .optional()
            .map_err(|e| store_err("shared cursor read", e))
    }

    /// Moves a group's import cursor on, once what was read up to it is stored.
    pub fn set_shared_cursor(&mut self, group: &str, cursor: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO shared_cursors (group_id, cursor) VALUES (?1, ?2)
                 ON CONFLICT (group_id) DO UPDATE SET cursor = excluded.cursor",
                params![group, cursor],
            )
            .map(drop)
            .map_err(|e| store_err("shared cursor write", e))
    }

    /// The moderation room I last trusted for a group, and the warning about its pointer.
    pub fn case_log_room(&self, group: &str) -> Result<(Option<String>, Option<String>)> {
        self.conn
            .query_row("SELECT room_id, warning FROM case_log_rooms WHERE group_id = ?1", [group], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| store_err("case log room read", e))
    }

    /// Every group's warning about its case-log pointer: `(group, warning)`.
    pub fn case_log_warnings(&self) -> Result<Vec<(String, String)>> {
        let err = |e| store_err("case log room read", e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT group_id, warning FROM case_log_rooms WHERE warning IS NOT NULL ORDER BY group_id")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }

    /// Keeps the room a group's case log is in (when trusted: `Some`, else the last one stays)
    /// and the warning about its pointer (`None` clears it).
    pub fn set_case_log_room(&mut self, group: &str, room: Option<&str>, warning: Option<&str>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO case_log_rooms (group_id, room_id, warning) VALUES (?1, ?2, ?3)
                 ON CONFLICT (group_id) DO UPDATE SET room_id = coalesce(excluded.room_id, room_id),
                 warning = excluded.warning",
                params![group, room, warning],
            )
            .map(drop)
            .map_err(|e| store_err("case log room write", e))
    }

    /// Remembers the head I announced for a group.
    pub fn mark_announced(&mut self, group: &str, hash: &str, count: u32) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO announced_heads (group_id, hash, count) VALUES (?1, ?2, ?3)
                 ON CONFLICT (group_id) DO UPDATE SET hash = excluded.hash, count = excluded.count",
                params![group, hash, count],
            )
            .map(drop)
            .map_err(|e| store_err("case log write", e))
    }
}

#[cfg(test)]
mod tests {
    use qunguan_core::case::{CASE_FORMAT, CaseRecord, GENESIS, chain};

    use super::*;
    use crate::CACHE_FILE;

    fn record(n: usize, group: &str, actor: &str) -> CaseRecord {
        CaseRecord {
            v: CASE_FORMAT,
            case_id: format!("c{n}"),
            kind: qunguan_core::case::RecordKind::Decision,
            group: group.into(),
            actor: actor.into(),
            target: None,
            action: "lock".into(),
            reason: "刷屏".into(),
            rule: None,
            evidence_hash: None,
            created_at: "2026-11-23T10:00:00Z".into(),
            detail: Default::default(),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join(CACHE_FILE), &crate::tests::key('a')).unwrap();
        (dir, s)
    }

    #[test]
    fn the_head_i_announce_is_the_end_of_my_posted_prefix() {
        let (_dir, mut s) = store();
        let mine: Vec<Chained> =
            (0..3).map(|n| s.record_decision(record(n, "!g", "@me:hs"), None, None).unwrap()).collect();
        let platform = s.record_decision(record(9, "platform", "@me:hs"), None, None).unwrap();
        assert_eq!(s.heads_to_announce().unwrap(), [], "nothing posted, nothing to announce");

        let seqs: Vec<i64> = s.unpublished(10).unwrap().into_iter().map(|(seq, _)| seq).collect();
        s.mark_published(seqs[0]).unwrap();
        s.mark_published(seqs[2]).unwrap();
        assert_eq!(
            s.heads_to_announce().unwrap(),
            [("!g".to_owned(), mine[0].hash.clone(), 1)],
            "record 3 is posted but record 2 is not: the head stops before the gap"
        );
        s.mark_published(seqs[1]).unwrap();
        assert_eq!(
            s.heads_to_announce().unwrap(),
            [("!g".to_owned(), mine[2].hash.clone(), 3)],
            "the head to announce should end at the last published record"
        );
        s.mark_announced("!g", &mine[2].hash, 3).unwrap();
        assert_eq!(s.heads_to_announce().unwrap(), [], "announced already");
        let next = s.record_decision(record(3, "!g", "@me:hs"), None, None).unwrap();
        assert_eq!(s.heads_to_announce().unwrap(), [], "a new record moves the head only once it is posted");
        let waiting: Vec<i64> = s.unpublished(10).unwrap().into_iter().map(|(seq, _)| seq).collect();
        assert_eq!(waiting.len(), 2, "the platform chain is published too (to the account log)");
        waiting.into_iter().for_each(|seq| s.mark_published(seq).unwrap());
        assert_eq!(
            s.heads_to_announce().unwrap(),
            [("!g".to_owned(), next.hash.clone(), 4), ("platform".to_owned(), platform.hash.clone(), 1)],
            "a chain about no group has a head like any other"
        );
        s.mark_announced("!g", &next.hash, 4).unwrap();
        s.mark_announced("platform", &platform.hash, 1).unwrap();
        s.tamper("DELETE FROM case_log WHERE seq = (SELECT max(seq) FROM case_log WHERE group_id = '!g')").unwrap();
        assert_eq!(s.heads_to_announce().unwrap(), [], "a head never goes back");
    }

    #[test]
    fn imported_chains_come_with_their_heads_and_removals() {
        let (_dir, mut s) = store();
        let mut head = GENESIS.to_owned();
        for n in 0..2 {
            let c = chain(&head, record(n, "!g", "@a:hs"));
            head = c.hash.clone();
            let r = SharedRecord { chained: c, event_id: format!("$e{n}"), received_at_ms: n as i64, trusted: true };
            s.import_shared(&r).unwrap();
        }
        s.set_shared_head("!g", "@a:hs", &head, 2).unwrap();
        s.set_shared_head("!g", "@b:hs", "h", 1).unwrap();
        assert_eq!(
            s.mark_shared_removed(&["$e1".into(), "$unknown".into()]).unwrap(),
            1,
            "only the known event should be marked removed"
        );
        assert_eq!(s.mark_shared_removed(&["$e1".into()]).unwrap(), 0, "flagged once");
        let chains = s.shared_audit().unwrap();
        assert_eq!(chains.len(), 2, "{chains:#?}");
        assert_eq!((chains[0].actor.as_str(), chains[0].records.len(), chains[0].removed), ("@a:hs", 1, 1));
        assert_eq!(chains[0].head, Some((head, 2)), "the chain's published head should be kept with it");
        assert_eq!(
            (chains[1].actor.as_str(), chains[1].records.len(), chains[1].head.clone()),
            ("@b:hs", 0, Some(("h".to_owned(), 1))),
            "a head without any record of theirs here is a chain too"
        );
        assert_eq!(s.shared_chains().unwrap()[0].1.len(), 2, "the case list still shows what was imported");
    }

    #[test]
    fn a_case_log_room_once_trusted_stays_until_another_is() {
        let (_dir, mut s) = store();
        assert_eq!(s.case_log_room("!g").unwrap(), (None, None), "a group never seen should have no case-log room");
        s.set_case_log_room("!g", Some("!m"), None).unwrap();
        s.set_case_log_room("!g", None, Some("pointer set by @mod:hs")).unwrap();
        assert_eq!(
            s.case_log_room("!g").unwrap(),
            (Some("!m".to_owned()), Some("pointer set by @mod:hs".to_owned())),
            "an untrusted pointer leaves the trusted room in place"
        );
        assert_eq!(s.case_log_warnings().unwrap(), [("!g".to_owned(), "pointer set by @mod:hs".to_owned())]);
        s.set_case_log_room("!g", Some("!n"), None).unwrap();
        assert_eq!(
            s.case_log_room("!g").unwrap(),
            (Some("!n".to_owned()), None),
            "the new room should replace the old"
        );
        assert!(s.case_log_warnings().unwrap().is_empty(), "a trusted room should clear the warning");
    }

    #[test]
    fn import_cursors_are_kept_per_group() {
        let (_dir, mut s) = store();
        assert_eq!(s.shared_cursor("!g").unwrap(), None, "never read: from the start");
        s.set_shared_cursor("!g", "!m t1").unwrap();
        s.set_shared_cursor("!g", "!m t2").unwrap();
        s.set_shared_cursor("!h", "!n t9").unwrap();
        assert_eq!(s.shared_cursor("!g").unwrap().as_deref(), Some("!m t2"), "each group should keep its own cursor");
        assert_eq!(s.shared_cursor("!h").unwrap().as_deref(), Some("!n t9"), "each group should keep its own cursor");
    }
}
