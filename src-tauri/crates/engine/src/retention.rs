//! Retention and privacy over the encrypted store: the console's retention policy
//! (`retention.json` in the data directory), purges (`qg purge`, and daily from the due-work
//! timer), one person's cached data exported (`qg person export`) or erased (`qg person erase`).
//!
//! Every purge and erasure is recorded in the store (`qg purge --log`), dry runs included. An
//! erasure takes a reason, like every decision here; the case log keeps its entries (the chain
//! and its hashes are the record of what was decided), and a case's evidence keeps its own copy
//! of the message it is about.

use qunguan_core::platform::IdKind;
use qunguan_core::retention::{
    Housekeeping, HousekeepingKind, PersonExport, PersonGroup, PersonReport, RetentionPolicy,
};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, ErrorCode, Result};
use qunguan_store::CaseFilter;

use crate::Engine;
use crate::cases::case_view;
use crate::messages::{detector, masked, masked_views};

/// The console's retention policy, in the data directory.
pub const RETENTION_FILE: &str = "retention.json";
/// A purge runs from the due-work timer when the last one is this old.
const PURGE_EVERY_MS: i64 = qunguan_core::retention::DAY_MS;

impl Engine {
    /// The retention policy in force: `retention.json`, else the defaults; a damaged file is an
    /// error naming it (nothing is purged under a policy nobody wrote).
    pub fn retention(&self) -> Result<RetentionPolicy> {
        let path = self.home.join(RETENTION_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => RetentionPolicy::from_json(&text)
                .map_err(|e| ApiError::new(e.code, format!("{}: {}", path.display(), e.message))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RetentionPolicy::default()),
            Err(e) => Err(ApiError::caused_by(ErrorCode::Store, format!("cannot read {}", path.display()), e)),
        }
    }

    /// Sets the retention policy from its JSON text, checked whole first (nothing written on error).
    pub fn set_retention(&self, text: &str) -> Result<RetentionPolicy> {
        let policy = RetentionPolicy::from_json(text)?;
        let json = serde_json::to_string_pretty(&policy).expect("a policy serialises");
        let path = self.home.join(RETENTION_FILE);
        let tmp = self.home.join(format!("{RETENTION_FILE}.tmp"));
        std::fs::create_dir_all(&self.home)
            .and_then(|()| std::fs::write(&tmp, json))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| ApiError::caused_by(ErrorCode::Store, format!("cannot write {}", path.display()), e))?;
        Ok(policy)
    }

    /// Drops cached messages past the policy's period (the message of an open queue item stays),
    /// or with `dry_run` only counts them; recorded either way.
    pub async fn purge(&self, dry_run: bool) -> Result<Housekeeping> {
        let policy = self.retention()?;
        let (account, _) = self.platform().await?;
        let now = self.clock_ms()?;
        let cutoff = policy.message_cutoff_ms(now);
        let groups = self.on_store(move |s| s.purge_messages(cutoff, dry_run)).await?;
        let record = Housekeeping {
            kind: HousekeepingKind::Purge,
            at: rfc3339_from_millis(now),
            by: account.user_id,
            subject: None,
            reason: format!("cached messages older than {} days", policy.messages_days),
            cutoff: Some(rfc3339_from_millis(cutoff)),
            dry_run,
            groups,
        };
        let kept = record.clone();
        self.on_store(move |s| s.record_housekeeping(now, &kept)).await?;
        tracing::info!(dropped = record.total(), dry_run, "purge");
        Ok(record)
    }

    /// The due-work timer's purge: once a day.
    pub(crate) async fn purge_if_due(&self) -> Result<Option<Housekeeping>> {
        let now = self.clock_ms()?;
        let last = self.on_store(|s| s.last_purge_ms()).await?;
        if last.is_some_and(|t| now - t < PURGE_EVERY_MS) {
            return Ok(None);
        }
        self.purge(false).await.map(Some)
    }

    /// The latest purges and erasures, newest first.
    pub async fn housekeeping(&self, limit: u32) -> Result<Vec<Housekeeping>> {
        self.platform().await?; // The session opens the store.
        self.on_store(move |s| s.housekeeping(limit)).await
    }

    /// Everything cached about one person, per group, personal data masked.
    pub async fn person_export(&self, user: &str) -> Result<PersonExport> {
        self.connector.check_id(IdKind::User, user)?;
        let (account, _) = self.platform().await?;
        let now = self.clock_ms()?;
        let who = user.to_owned();
        let (messages, reports, cases) = self
            .on_store(move |s| {
                let filter = CaseFilter { target: Some(who.clone()), ..CaseFilter::default() };
                Ok((s.messages_of(&who)?, s.reports_by(&who)?, s.cases(&filter)?))
            })
            .await?;
        let d = detector().await?;
        let mut groups: Vec<String> = messages.iter().map(|(g, _)| g.clone()).collect();
        groups.extend(reports.iter().map(|r| r.group_id.clone()));
        groups.extend(cases.iter().map(|c| c.decision.record.group.clone()));
        let mut out = Vec::new();
        groups.sort();
        groups.dedup();
        for group in groups {
            let g = group.clone();
            let cached = self.with_cache(move |s| Ok(s.members(&g)?.map(|m| m.value))).await?.flatten();
            let member = cached.and_then(|ms| ms.into_iter().find(|m| m.user_id == user));
            let page: Vec<_> = messages.iter().filter(|(g, _)| *g == group).map(|(_, m)| m.clone()).collect();
            out.push(PersonGroup {
                messages: masked_views(&d, &page, &account.user_id),
                cases: cases.iter().filter(|c| c.decision.record.group == group).cloned().map(case_view).collect(),
                reports: reports
                    .iter()
                    .filter(|r| r.group_id == group)
                    .map(|r| PersonReport {
                        item: r.item_id.clone(),
                        event_id: r.event_id.clone(),
                        via: r.via,
                        reason: r.reason.as_deref().map(|t| masked(&d, t)),
                        at: rfc3339_from_millis(r.at_ms),
                    })
                    .collect(),
                member,
                group,
            });
        }
        Ok(PersonExport { user: user.to_owned(), exported_at: rfc3339_from_millis(now), groups: out })
    }

    /// Erases one person's cached messages in every group, recorded with its reason. Cases about
    /// them stay (with their evidence), as does their place in cached member lists.
    pub async fn person_erase(&self, user: &str, reason: &str) -> Result<Housekeeping> {
        self.connector.check_id(IdKind::User, user)?;
        if reason.trim().is_empty() {
            return Err(ApiError::invalid_input("a reason is required"));
        }
        let (account, _) = self.platform().await?;
        let now = self.clock_ms()?;
        let who = user.to_owned();
        let groups = self.on_store(move |s| s.erase_messages_of(&who, false)).await?;
        let record = Housekeeping {
            kind: HousekeepingKind::Erase,
            at: rfc3339_from_millis(now),
            by: account.user_id,
            subject: Some(user.to_owned()),
            reason: reason.trim().to_owned(),
            cutoff: None,
            dry_run: false,
            groups,
        };
        let kept = record.clone();
        self.on_store(move |s| s.record_housekeeping(now, &kept)).await?;
        tracing::info!(dropped = record.total(), "erasure");
        Ok(record)
    }
}
