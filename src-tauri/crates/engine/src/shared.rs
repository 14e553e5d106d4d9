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
//!
//! ## Trust: only what I may rely on
//! - The room: the platform follows the group's pointer only when someone with the standing
//!   to choose the room chose it (see `qunguan_matrix`'s moderation module); otherwise it
//!   keeps the room I last trusted (kept per group in the store) and says why, and the warning
//!   is kept for the app and printed by `qg` ([`Engine::case_log_warnings`]).
//! - The records: an imported record is listed by when the server received it, not by the
//!   `created_at` its writer chose, and one whose sender did not manage the group then is kept
//!   but marked untrusted. Imported records never decide what my own actions do: what an
//!   unmute restores and which timed mutes end come from my own chain only (`act`, `due`).

use std::collections::BTreeMap;
use std::sync::Arc;

use qunguan_core::case::{CaseRecord, Chained, hash_record};
use qunguan_core::platform::{Platform, SharedEntry, SharedLog};
use qunguan_core::{ApiError, ErrorCode, Result};
use qunguan_store::SharedRecord;
use serde_json::{Value, json};

use crate::Engine;

/// Records posted per round (the rest wait for the next one).
const PUBLISH_BATCH: u32 = 200;

fn parse_shared(e: &SharedEntry) -> Option<SharedRecord> {
    let content = &e.content;
    let record: CaseRecord = serde_json::from_value(content.get("record")?.clone()).ok()?;
    let prev_hash = content.get("prev_hash")?.as_str()?.to_owned();
    let hash = content.get("hash")?.as_str()?.to_owned();
    // Signed by the homeserver: only the actor may post their own records, and intact.
    if record.actor != e.sender || hash_record(&prev_hash, &record) != hash {
        return None;
    }
    Some(SharedRecord {
        chained: Chained { record, prev_hash, hash },
        event_id: e.event_id.clone(),
        received_at_ms: e.received_at_ms,
        trusted: e.sender_managed,
    })
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
    /// The room of a group's case log I may use (see the module docs): the platform's answer
    /// given the room I last trusted, which is kept, with its warning, for the next run.
    pub(crate) async fn case_log_room(
        &self,
        platform: &Arc<dyn Platform>,
        group: &str,
        create: bool,
    ) -> Result<Option<String>> {
        let g = group.to_owned();
        let (trusted, _) = self.on_store(move |s| s.case_log_room(&g)).await?;
        let found = platform.case_log_room(group, trusted.as_deref(), create).await?;
        {
            let mut warnings = self.case_log_warnings.lock().expect("not poisoned");
            match &found.warning {
                Some(w) => {
                    tracing::warn!(%group, "case-log pointer not followed: {w}");
                    warnings.insert(group.to_owned(), w.clone());
                }
                None => drop(warnings.remove(group)),
            }
        }
        let (g, room, warning) = (group.to_owned(), found.room.clone(), found.warning);
        // A warning means the room is the last trusted one (or none): nothing new to keep.
        let keep = room.clone().filter(|_| warning.is_none());
        self.on_store(move |s| s.set_case_log_room(&g, keep.as_deref(), warning.as_deref())).await?;
        Ok(room)
    }

    /// The group's shared case-log room, if it has one (none is made).
    pub(crate) async fn case_log_room_id(&self, group: &str) -> Result<Option<String>> {
        let (_, platform) = self.platform().await?;
        self.case_log_room(&platform, group, false).await
    }

    /// The group's shared case-log room, made if it has none yet.
    pub(crate) async fn create_case_log_room(&self, group: &str) -> Result<String> {
        let (_, platform) = self.platform().await?;
        self.case_log_room(&platform, group, true).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::Forbidden, format!("{group} has no moderation room, and I cannot make one"))
        })
    }

    /// Groups whose case-log pointer was not followed in this run, with why (English).
    pub fn case_log_warnings(&self) -> Vec<(String, String)> {
        self.case_log_warnings.lock().expect("not poisoned").iter().map(|(g, w)| (g.clone(), w.clone())).collect()
    }

    /// Why this group's case-log pointer is not followed, as last found (by any run).
    pub async fn case_log_warning(&self, group: &str) -> Result<Option<String>> {
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(None);
        }
        let g = group.to_owned();
        Ok(self.on_store(move |s| s.case_log_room(&g)).await?.1)
    }

    /// Posts my unposted records; stops at the first failure (they stay for the next round).
    /// With everything posted and announced this sends nothing (two store reads).
    pub(crate) async fn publish_cases(&self) -> Result<usize> {
        let (_, platform) = self.platform().await?;
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(0);
        }
        let (console, pending) = self.on_store(|s| Ok((s.console_id()?, s.unpublished(PUBLISH_BATCH)?))).await?;
        let mut rooms: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut posted = 0;
        for (seq, c) in pending {
            let group = c.record.group.clone();
            if !rooms.contains_key(&group) {
                let room = self.case_log_room(&platform, &group, true).await?;
                rooms.insert(group.clone(), room);
            }
            let Some(room) = rooms[&group].clone() else {
                return Err(qunguan_core::ApiError::new(ErrorCode::Forbidden, "no moderation room I can use"));
            };
            let content = json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash, "console": console});
            let txn = format!("qg.case.{}", &c.hash[..32]);
            platform.publish_case(&group, &room, &content, &txn).await?;
            self.on_store(move |s| s.mark_published(seq)).await?;
            posted += 1;
        }
        // Only now, with the records it names in the room, the head (see the module docs).
        for (group, hash, count) in self.on_store(|s| s.heads_to_announce()).await? {
            let room = match rooms.get(&group) {
                Some(room) => room.clone(),
                None => self.case_log_room(&platform, &group, false).await?,
            };
            let Some(room) = room else { continue };
            let head = json!({"group": group, "hash": hash, "count": count, "console": console});
            platform.publish_chain_head(&group, &room, &head).await?;
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
            let Some(room) = self.case_log_room(&platform, &g.id, false).await? else { continue };
            imported += self.import_log(platform.as_ref(), &account.user_id, &g.id, &room).await?;
        }
        Ok(imported)
    }

    /// Imports the other admins' records of `group` from its moderation room `room` (as the
    /// platform found it), only what came since the last read; keeps my anchor from the same read.
    pub(crate) async fn import_log(&self, platform: &dyn Platform, me: &str, group: &str, room: &str) -> Result<usize> {
        let mut imported = 0;
        // Only what came since the last read (see the matrix adapter's moderation module).
        let id = group.to_owned();
        let since = self.on_store(move |s| s.shared_cursor(&id)).await?;
        let log = platform.shared_cases(group, room, since.as_deref()).await?;
        self.keep_anchor(group, me, &log).await?;
        for entry in log.records {
            if entry.sender == me {
                continue;
            }
            let Some(record) = parse_shared(&entry).filter(|r| r.chained.record.group == group) else {
                tracing::warn!(event_id = %entry.event_id, "ignoring a shared case record that does not check out");
                continue;
            };
            if !record.trusted {
                tracing::warn!(event_id = %entry.event_id, "a shared case record from someone who did not manage the group then: kept, untrusted");
            }
            // Another admin's dismissal or removal decides the item here too.
            let closes = record.trusted.then(|| crate::queue::closed_by(&record.chained.record)).flatten();
            let case_id = record.chained.record.case_id.clone();
            if self.on_store(move |s| s.import_shared(&record)).await? {
                imported += 1;
            }
            if let Some((item, state)) = closes {
                self.on_store(move |s| s.close_item(&item, state, &case_id)).await?;
            }
        }
        let removed = log.removed;
        if !removed.is_empty() && self.on_store(move |s| s.mark_shared_removed(&removed)).await? > 0 {
            tracing::warn!(%group, "shared case records were removed from the moderation room");
        }
        // Stored after the records, so a failed round never leaves a head without them.
        let heads: Vec<(String, String, u32)> = log
            .heads
            .iter()
            .filter(|(admin, _)| admin != me)
            .filter_map(|(admin, content)| parse_head(admin, group, content))
            .collect();
        if !heads.is_empty() {
            let group = group.to_owned();
            self.on_store(move |s| {
                heads.iter().try_for_each(|(admin, hash, count)| s.set_shared_head(&group, admin, hash, *count))
            })
            .await?;
        }
        // Last: a round that failed above reads the same events again next time.
        if let Some(next) = log.next {
            let group = group.to_owned();
            self.on_store(move |s| s.set_shared_cursor(&group, &next)).await?;
        }
        Ok(imported)
    }

    /// Reads my own log room (see [`Engine::keep_anchor`]) for each chain of mine that is not
    /// about one group: reports to the platform, my blocklist, staff actions.
    async fn anchor_account_chains(&self) -> Result<()> {
        let (account, platform) = self.platform().await?;
        for chain in self.on_store(|s| s.account_chains()).await? {
            let Some(room) = self.case_log_room(&platform, &chain, false).await? else { continue };
            self.anchor_log(platform.as_ref(), &account.user_id, &chain, &room).await?;
        }
        Ok(())
    }

    /// Reads what came to my log room `room` since the last read, for my account chain `chain`,
    /// into its anchor.
    pub(crate) async fn anchor_log(&self, platform: &dyn Platform, me: &str, chain: &str, room: &str) -> Result<()> {
        let id = chain.to_owned();
        let since = self.on_store(move |s| s.shared_cursor(&id)).await?;
        let log = platform.shared_cases(chain, room, since.as_deref()).await?;
        self.keep_anchor(chain, me, &log).await?;
        if let Some(next) = log.next {
            let chain = chain.to_owned();
            self.on_store(move |s| s.set_shared_cursor(&chain, &next)).await?;
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
            .filter(|e| e.sender == me && mine(&e.content))
            .filter_map(parse_shared)
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

    /// Publish then import every group's and anchor every chain (a read of every case-log
    /// room: `qg cases`, `audit verify`; a sync round reads only those with news, see the
    /// engine's `logs` module); a server that is away is not an error here (the next round retries).
    pub async fn sync_cases(&self) -> Result<()> {
        let steps = [
            self.publish_cases().await.map(drop),
            self.import_cases().await.map(drop),
            self.anchor_account_chains().await,
        ];
        steps.into_iter().try_for_each(deferred)
    }

    /// Posts my unposted records (nothing is sent when there are none); a server that is away
    /// is not an error here (the next round retries).
    pub(crate) async fn share_mine(&self) -> Result<()> {
        deferred(self.publish_cases().await.map(drop))
    }
}

/// A step of sharing that failed because the server is away or refuses for now: put off to
/// the next round (not an error).
pub(crate) fn deferred(step: Result<()>) -> Result<()> {
    match step {
        Err(e) if is_deferred(&e) => {
            tracing::debug!(code = e.code.as_str(), "case sharing deferred");
            Ok(())
        }
        other => other,
    }
}

/// Whether a failed sharing step waits for the next round: the server is away, or refuses.
pub(crate) fn is_deferred(e: &ApiError) -> bool {
    crate::cache::is_offline(e) || e.code == ErrorCode::Forbidden
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunguan_core::case::{CASE_FORMAT, GENESIS, chain};

    fn content(actor: &str) -> (Chained, Value) {
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: "c".into(),
            kind: qunguan_core::case::RecordKind::Decision,
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

    fn entry(sender: &str, content: &Value) -> SharedEntry {
        SharedEntry {
            sender: sender.into(),
            event_id: "$e".into(),
            content: content.clone(),
            received_at_ms: 7,
            sender_managed: true,
        }
    }

    #[test]
    fn only_intact_records_posted_by_their_actor_are_imported() {
        let (c, v) = content("@a:hs");
        assert_eq!(
            parse_shared(&entry("@a:hs", &v)).map(|r| r.chained),
            Some(c),
            "an intact record posted by its actor should be imported"
        );
        assert_eq!(parse_shared(&entry("@mallory:hs", &v)), None, "someone else's name on it");
        let mut forged = v.clone();
        forged["record"]["reason"] = json!("edited");
        assert_eq!(parse_shared(&entry("@a:hs", &forged)), None, "content no longer matches its hash");
        for junk in [json!(null), json!({"record": 5}), json!({"record": v["record"], "hash": "x"})] {
            assert_eq!(parse_shared(&entry("@a:hs", &junk)), None, "{junk}");
        }
        let unmanaged = SharedEntry { sender_managed: false, ..entry("@a:hs", &v) };
        let kept = parse_shared(&unmanaged).expect("kept");
        assert!(!kept.trusted && kept.received_at_ms == 7, "kept, untrusted, with the server's time: {kept:?}");
    }

    #[test]
    fn a_head_counts_only_for_its_own_group() {
        let head = json!({"group": "!g", "hash": "h", "count": 2});
        assert_eq!(
            parse_head("@a:hs", "!g", &head),
            Some(("@a:hs".into(), "h".into(), 2)),
            "a head for its own group should count"
        );
        assert_eq!(parse_head("@a:hs", "!other", &head), None, "copied from another group's room");
        for junk in [json!({}), json!({"group": "!g", "hash": "h"}), json!({"group": "!g", "hash": 1, "count": 2})] {
            assert_eq!(parse_head("@a:hs", "!g", &junk), None, "{junk}");
        }
    }
}
