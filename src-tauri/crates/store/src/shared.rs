//! Sharing the case log among a group's admins: which of my records still need posting to the
//! moderation room, and the other admins' records imported from it.

use qunguan_core::Result;
use qunguan_core::case::{CaseRecord, Chained};
use rusqlite::params;

use crate::{Store, store_err};

/// An imported record, where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRecord {
    pub chained: Chained,
    pub event_id: String,
}

/// Whose chain: (group, acting admin).
pub type ChainKey = (String, String);

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
                "SELECT seq, record, prev_hash, hash FROM case_log WHERE published = 0 AND group_id LIKE '!%'
                 ORDER BY seq LIMIT ?1",
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
                "INSERT OR IGNORE INTO shared_cases (group_id, actor, case_id, kind, record, prev_hash, hash, event_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.record.group,
                    c.record.actor,
                    c.record.case_id,
                    c.record.kind,
                    json,
                    c.prev_hash,
                    c.hash,
                    record.event_id
                ],
            )
            .map_err(|e| store_err("shared case write", e))?;
        Ok(n == 1)
    }

    /// Imported records, per (group, actor) chain in import (timeline) order.
    pub fn shared_chains(&self) -> Result<Vec<(ChainKey, Vec<Chained>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT group_id, actor, record, prev_hash, hash FROM shared_cases ORDER BY group_id, actor, seq",
            )
            .map_err(|e| store_err("shared case read", e))?;
        let rows = stmt
            .query_map([], |r| {
                let record = decode(&r.get::<_, String>(2)?)?;
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    Chained { record, prev_hash: r.get(3)?, hash: r.get(4)? },
                ))
            })
            .map_err(|e| store_err("shared case read", e))?;
        let mut out: Vec<(ChainKey, Vec<Chained>)> = Vec::new();
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
