//! Cached groups, members and message pages: the last online answer, served while offline.

use qunguan_core::action::MessageSnapshot;
use qunguan_core::{Group, Member, Result};
use rusqlite::{OptionalExtension, params};
use serde::de::DeserializeOwned;

use crate::{Cached, Store, store_err};

impl Store {
    /// Replaces the cached list of my groups.
    pub fn put_groups(&mut self, groups: &[Group], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| store_err("cache write", e))?;
        tx.execute("DELETE FROM cached_groups", []).map_err(|e| store_err("cache write", e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO cached_groups (group_id, position, json, fetched_at) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| store_err("cache write", e))?;
            for (i, g) in groups.iter().enumerate() {
                let json = serde_json::to_string(g).map_err(|e| store_err("cache encode", e))?;
                stmt.execute(params![g.id, i as i64, json, now_ms]).map_err(|e| store_err("cache write", e))?;
            }
        }
        tx.commit().map_err(|e| store_err("cache write", e))
    }

    /// The cached list of my groups, `None` if never fetched.
    pub fn groups(&self) -> Result<Option<Cached<Vec<Group>>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json, fetched_at FROM cached_groups ORDER BY position")
            .map_err(|e| store_err("cache read", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| store_err("cache read", e))?;
        let mut groups = Vec::new();
        let mut fetched = None;
        for row in rows {
            let (json, at) = row.map_err(|e| store_err("cache read", e))?;
            groups.push(serde_json::from_str(&json).map_err(|e| store_err("damaged cache row", e))?);
            fetched = Some(at);
        }
        let marker: Option<i64> = self
            .conn
            .query_row("SELECT fetched_at FROM cache_marks WHERE what = 'groups'", [], |r| r.get(0))
            .optional()
            .map_err(|e| store_err("cache read", e))?;
        Ok(marker.or(fetched).map(|at| Cached { value: groups, fetched_at_ms: at }))
    }

    /// Marks the groups list as fetched (also when it is empty).
    pub fn mark_groups_fetched(&mut self, now_ms: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO cache_marks (what, fetched_at) VALUES ('groups', ?1)
                 ON CONFLICT (what) DO UPDATE SET fetched_at = excluded.fetched_at",
                [now_ms],
            )
            .map(drop)
            .map_err(|e| store_err("cache write", e))
    }

    /// Replaces the cached members of one group (one transaction: fast for thousands of rows).
    pub fn put_members(&mut self, group_id: &str, members: &[Member], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| store_err("cache write", e))?;
        tx.execute("DELETE FROM cached_members WHERE group_id = ?1", [group_id])
            .map_err(|e| store_err("cache write", e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO cached_members (group_id, user_id, position, json, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| store_err("cache write", e))?;
            for (i, m) in members.iter().enumerate() {
                let json = serde_json::to_string(m).map_err(|e| store_err("cache encode", e))?;
                stmt.execute(params![group_id, m.user_id, i as i64, json, now_ms])
                    .map_err(|e| store_err("cache write", e))?;
            }
        }
        tx.commit().map_err(|e| store_err("cache write", e))
    }

    /// The cached members of a group, `None` if never fetched.
    pub fn members(&self, group_id: &str) -> Result<Option<Cached<Vec<Member>>>> {
        self.group_rows("cached_members", group_id)
    }

    /// Replaces the cached message page of one group (oldest first).
    pub fn put_messages(&mut self, group_id: &str, messages: &[MessageSnapshot], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| store_err("cache write", e))?;
        tx.execute("DELETE FROM cached_messages WHERE group_id = ?1", [group_id])
            .map_err(|e| store_err("cache write", e))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO cached_messages (group_id, position, json, fetched_at) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| store_err("cache write", e))?;
            for (i, m) in messages.iter().enumerate() {
                let json = serde_json::to_string(m).map_err(|e| store_err("cache encode", e))?;
                stmt.execute(params![group_id, i as i64, json, now_ms]).map_err(|e| store_err("cache write", e))?;
            }
        }
        tx.commit().map_err(|e| store_err("cache write", e))
    }

    /// The cached message page of a group, oldest first; `None` if never fetched.
    pub fn messages(&self, group_id: &str) -> Result<Option<Cached<Vec<MessageSnapshot>>>> {
        self.group_rows("cached_messages", group_id)
    }

    /// The rows of one group in a `(group_id, position, json, fetched_at)` cache table, in order.
    fn group_rows<T: DeserializeOwned>(&self, table: &'static str, group_id: &str) -> Result<Option<Cached<Vec<T>>>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT json, fetched_at FROM {table} WHERE group_id = ?1 ORDER BY position"))
            .map_err(|e| store_err("cache read", e))?;
        let rows = stmt
            .query_map([group_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| store_err("cache read", e))?;
        let mut items = Vec::new();
        let mut fetched = None;
        for row in rows {
            let (json, at) = row.map_err(|e| store_err("cache read", e))?;
            items.push(serde_json::from_str(&json).map_err(|e| store_err("damaged cache row", e))?);
            fetched = Some(at);
        }
        Ok(fetched.map(|at| Cached { value: items, fetched_at_ms: at }))
    }
}
