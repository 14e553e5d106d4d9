//! The reasons I gave lately (the action dialog's quick picks): newest first, each once, a few.
//!
//! One store per account, so each account has its own list.

use rusqlite::params;

use crate::{Store, store_err};

impl Store {
    /// Puts `reason` first (moving it up if it is there already) and keeps the newest `keep`.
    pub fn remember_reason(&mut self, reason: &str, keep: usize) -> qunguan_core::Result<()> {
        let err = |e: rusqlite::Error| store_err("recent reasons", e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM recent_reasons WHERE reason = ?1", [reason]).map_err(err)?;
        tx.execute("INSERT INTO recent_reasons (reason) VALUES (?1)", [reason]).map_err(err)?;
        tx.execute(
            "DELETE FROM recent_reasons WHERE seq NOT IN (SELECT seq FROM recent_reasons ORDER BY seq DESC LIMIT ?1)",
            params![keep as i64],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The remembered reasons, newest first.
    pub fn recent_reasons(&self) -> qunguan_core::Result<Vec<String>> {
        let err = |e: rusqlite::Error| store_err("recent reasons", e);
        let mut stmt = self.conn.prepare_cached("SELECT reason FROM recent_reasons ORDER BY seq DESC").map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}
