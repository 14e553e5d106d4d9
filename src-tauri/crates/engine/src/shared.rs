//! The case log shared among a group's admins: my records are posted to the group's
//! moderation room, and the other admins' records are imported from it.
//!
//! Each admin's console is the only writer of its own chain per group, so chains never fork
//! when two admins act at once; an imported record is kept only when the homeserver-
//! authenticated sender is the record's actor and its hash matches its content.
//!
//! ## Chain heads: truncation is detected
//! After posting, a console announces where its chain of the group now ends: `{group, hash,
//! count}` as the admin's own state in the moderation room (see `qunguan_matrix`'s moderation
//! module; only that admin can write it). The importer keeps each announced head and `audit
//! verify` holds that admin's imported records against it: records removed (redacted) or never
//! delivered leave the chain short of its head, and that is a break naming the admin.
//!
//! ## My own chains are anchored too
//! My records and my head come back in the same reads; they are not imported (the local chain
//! has them) but kept as the outside anchor `audit verify` holds my local chain against, so a
//! chain deleted here, head and all, is still caught. Chains about no group (reports to the
//! platform, my blocklist, staff actions) are posted to my own account log room for the same
//! reason and read back the same way.
//!
//! Ordering, so a head never runs ahead of the records a reader can see (no false alarm):
//! - the announced head is the last record of the *posted prefix* of my chain (a record decided
//!   but not yet posted is never named), and it is written only after the sends returned;
//! - the reader reads the heads before the timeline, so every record a head names was in the
//!   room when the timeline read began;
//! - a head that lags (records posted, head not yet written, or its write failed) is fine:
//!   records past the head are accepted, and the next round announces the newer head.

use qunguan_core::case::{CaseRecord, Chained, hash_record};
use qunguan_core::platform::SharedLog;
use qunguan_core::{ErrorCode, Result};
use qunguan_store::SharedRecord;
use serde_json::{Value, json};

use crate::Engine;

/// Records posted per round (the rest wait for the next one).
const PUBLISH_BATCH: u32 = 200;

fn parse_shared(sender: &str, event_id: &str, content: &Value) -> Option<SharedRecord> {
    let record: CaseRecord = serde_json::from_value(content.get("record")?.clone()).ok()?;
    let prev_hash = content.get("prev_hash")?.as_str()?.to_owned();
    let hash = content.get("hash")?.as_str()?.to_owned();
    // Signed by the homeserver: only the actor may post their own records, and intact.
    if record.actor != sender || hash_record(&prev_hash, &record) != hash {
        return None;
    }
    Some(SharedRecord { chained: Chained { record, prev_hash, hash }, event_id: event_id.to_owned() })
}

/// An announced chain head of this group: `(admin, hash, count)`.
fn parse_head(admin: &str, group: &str, content: &Value) -> Option<(String, String, u32)> {
    if content.get("group")?.as_str()? != group {
        return None;
    }
    let hash = content.get("hash")?.as_str()?.to_owned();
    let count = u32::try_from(content.get("count")?.as_u64()?).ok()?;
    Some((admin.to_owned(), hash, count))
}

impl Engine {
    /// Posts my unposted records; stops at the first failure (they stay for the next round).
    pub(crate) async fn publish_cases(&self) -> Result<usize> {
        let (_, platform) = self.platform().await?;
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(0);
        }
        let (console, pending) = self.on_store(|s| Ok((s.console_id()?, s.unpublished(PUBLISH_BATCH)?))).await?;
        let mut posted = 0;
        for (seq, c) in pending {
            let content = json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash, "console": console});
            let txn = format!("qg.case.{}", &c.hash[..32]);
            platform.publish_case(&c.record.group, &content, &txn).await?;
            self.on_store(move |s| s.mark_published(seq)).await?;
            posted += 1;
        }
        // Only now, with the records it names in the room, the head (see the module docs).
        for (group, hash, count) in self.on_store(|s| s.heads_to_announce()).await? {
            let head = json!({"group": group, "hash": hash, "count": count, "console": console});
            platform.publish_chain_head(&group, &head).await?;
            self.on_store(move |s| s.mark_announced(&group, &hash, count)).await?;
        }
        Ok(posted)
    }

    /// Imports the other admins' records of every group I manage.
    pub(crate) async fn import_cases(&self) -> Result<usize> {
        let (account, platform) = self.platform().await?;
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(0);
        }
        let mut imported = 0;
        for g in self.groups().await? {
            // Only what came since the last round (see the matrix adapter's moderation module).
            let id = g.id.clone();
            let since = self.on_store(move |s| s.shared_cursor(&id)).await?;
            let log = platform.shared_cases(&g.id, since.as_deref()).await?;
            self.keep_anchor(&g.id, &account.user_id, &log).await?;
            for (sender, event_id, content) in log.records {
                if sender == account.user_id {
                    continue;
                }
                let Some(record) =
                    parse_shared(&sender, &event_id, &content).filter(|r| r.chained.record.group == g.id)
                else {
                    tracing::warn!(%event_id, "ignoring a shared case record that does not check out");
                    continue;
                };
                if self.on_store(move |s| s.import_shared(&record)).await? {
                    imported += 1;
                }
            }
            let removed = log.removed;
            if !removed.is_empty() && self.on_store(move |s| s.mark_shared_removed(&removed)).await? > 0 {
                tracing::warn!(group = %g.id, "shared case records were removed from the moderation room");
            }
            // Stored after the records, so a failed round never leaves a head without them.
            let heads: Vec<(String, String, u32)> = log
                .heads
                .iter()
                .filter(|(admin, _)| *admin != account.user_id)
                .filter_map(|(admin, content)| parse_head(admin, &g.id, content))
                .collect();
            if !heads.is_empty() {
                let group = g.id.clone();
                self.on_store(move |s| {
                    heads.iter().try_for_each(|(admin, hash, count)| s.set_shared_head(&group, admin, hash, *count))
                })
                .await?;
            }
            // Last: a round that failed above reads the same events again next time.
            if let Some(next) = log.next {
                let group = g.id.clone();
                self.on_store(move |s| s.set_shared_cursor(&group, &next)).await?;
            }
        }
        Ok(imported)
    }

    /// Reads my own log room (see [`Engine::keep_anchor`]) for each chain of mine that is not
    /// about one group: reports to the platform, my blocklist, staff actions.
    async fn anchor_account_chains(&self) -> Result<()> {
        let (account, platform) = self.platform().await?;
        for chain in self.on_store(|s| s.account_chains()).await? {
            let id = chain.clone();
            let since = self.on_store(move |s| s.shared_cursor(&id)).await?;
            let log = platform.shared_cases(&chain, since.as_deref()).await?;
            self.keep_anchor(&chain, &account.user_id, &log).await?;
            if let Some(next) = log.next {
                self.on_store(move |s| s.set_shared_cursor(&chain, &next)).await?;
            }
        }
        Ok(())
    }

    /// Keeps what a room holds of *my* chain `group` — my records' hashes and the head I
    /// announced there — as the outside anchor `audit verify` holds the local chain against
    /// (see the store's anchor module). Only what checks out counts: my records, intact, and
    /// written by this console (another data directory of the same account has a chain of
    /// its own; it is no evidence about this one).
    async fn keep_anchor(&self, group: &str, me: &str, log: &SharedLog) -> Result<()> {
        let console = self.on_store(|s| s.console_id()).await?;
        let mine = |c: &Value| c.get("console").and_then(Value::as_str) == Some(console.as_str());
        let records: Vec<(String, String)> = log
            .records
            .iter()
            .filter(|(sender, _, content)| sender == me && mine(content))
            .filter_map(|(sender, event_id, content)| parse_shared(sender, event_id, content))
            .filter(|r| r.chained.record.group == group)
            .map(|r| (r.chained.record.case_id, r.chained.hash))
            .collect();
        let head = log
            .heads
            .iter()
            .filter(|(admin, content)| admin == me && mine(content))
            .find_map(|(a, c)| parse_head(a, group, c));
        if records.is_empty() && head.is_none() {
            return Ok(());
        }
        let group = group.to_owned();
        self.on_store(move |s| {
            records.iter().try_for_each(|(case_id, hash)| s.note_room_record(&group, case_id, hash))?;
            head.map_or(Ok(()), |(_, hash, count)| s.set_room_head(&group, &hash, count))
        })
        .await
    }

    /// Publish then import; a server that is away is not an error here (the next round retries).
    pub async fn sync_cases(&self) -> Result<()> {
        let steps = [
            self.publish_cases().await.map(drop),
            self.import_cases().await.map(drop),
            self.anchor_account_chains().await,
        ];
        for step in steps {
            match step {
                Ok(()) => {}
                Err(e) if crate::cache::is_offline(&e) || e.code == ErrorCode::Forbidden => {
                    tracing::debug!(code = e.code.as_str(), "case sharing deferred");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunguan_core::case::{CASE_FORMAT, GENESIS, chain};

    fn content(actor: &str) -> (Chained, Value) {
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: "c".into(),
            kind: "decision".into(),
            group: "!g".into(),
            actor: actor.into(),
            target: None,
            action: "lock".into(),
            reason: "r".into(),
            rule: None,
            evidence_hash: None,
            created_at: "2026-11-23T10:00:00Z".into(),
            detail: Default::default(),
        };
        let c = chain(GENESIS, record);
        let v = json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash});
        (c, v)
    }

    #[test]
    fn only_intact_records_posted_by_their_actor_are_imported() {
        let (c, v) = content("@a:hs");
        assert_eq!(parse_shared("@a:hs", "$e", &v).map(|r| r.chained), Some(c));
        assert_eq!(parse_shared("@mallory:hs", "$e", &v), None, "someone else's name on it");
        let mut forged = v.clone();
        forged["record"]["reason"] = json!("edited");
        assert_eq!(parse_shared("@a:hs", "$e", &forged), None, "content no longer matches its hash");
        for junk in [json!(null), json!({"record": 5}), json!({"record": v["record"], "hash": "x"})] {
            assert_eq!(parse_shared("@a:hs", "$e", &junk), None, "{junk}");
        }
    }

    #[test]
    fn a_head_counts_only_for_its_own_group() {
        let head = json!({"group": "!g", "hash": "h", "count": 2});
        assert_eq!(parse_head("@a:hs", "!g", &head), Some(("@a:hs".into(), "h".into(), 2)));
        assert_eq!(parse_head("@a:hs", "!other", &head), None, "copied from another group's room");
        for junk in [json!({}), json!({"group": "!g", "hash": "h"}), json!({"group": "!g", "hash": 1, "count": 2})] {
            assert_eq!(parse_head("@a:hs", "!g", &junk), None, "{junk}");
        }
    }
}
