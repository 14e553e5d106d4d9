//! Work that comes due: queued actions whose retry time has come, and timed mutes and bans that end.
//!
//! `qg serve` and the running app call [`Engine::run_due`] on a timer; a reversal whose time
//! passed while nothing was running is carried out at the next start, and its case says how
//! late it was. Reversals are ordinary cases (an `unmute` citing the mute it ends), so they are
//! signed, chained and carried out exactly once like any other action.
//!
//! Two runners on one account and data directory (`qg serve` twice, or `qg serve` and the app)
//! see the same mute come due at the same time. The reversal names the mute it ends
//! (`detail.ends_case`), and deciding it is one store transaction that first checks no decision
//! ends that mute yet (`Store::record_reversal`): exactly one runner decides, the other skips.
//! A mute is therefore ended by one reversal case at most; if that one is refused or conflicts
//! (the member left), it is not tried again every round — an admin can still unmute by hand.

use std::collections::BTreeMap;

use qunguan_core::action::{Action, ActionKind, ActionOutcome};
use qunguan_core::time::{millis_from_rfc3339, rfc3339_from_millis};
use qunguan_core::{Result, Status};
use qunguan_store::{CaseFilter, CaseRow};

use crate::Engine;
use crate::act::ActRequest;

/// A reversal this much after its time is reported as late.
const LATE_AFTER_MS: i64 = 60_000;

impl Engine {
    /// Retries due outbox entries, then ends timed mutes and bans whose time has come.
    pub async fn run_due(&self) -> Result<Vec<ActionOutcome>> {
        self.platform().await?;
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(Vec::new()); // No store, so nothing can have been decided here.
        }
        let mut out = self.retry_outbox(false).await?;
        out.extend(self.end_timed_mutes().await?);
        // What was decided here, to the other admins; reading theirs is the sync rounds' (only
        // where there is news: an idle timer sends nothing).
        self.share_mine().await?;
        Ok(out)
    }

    /// My timed measures of one kind in force (`measure`: mute or ban; `lift`: its reversal),
    /// by (group, member): my latest decision of the two is a done measure with an end time.
    /// Value: (the measure's case, its end in Unix ms). From my own chain only: an imported
    /// record (its `created_at` chosen by its writer) never stops my timed reversal.
    async fn timed(
        &self,
        group: Option<String>,
        measure: ActionKind,
        lift: ActionKind,
    ) -> Result<BTreeMap<(String, String), (CaseRow, i64)>> {
        let cases = self.on_store(move |s| s.own_cases(&CaseFilter { group, ..CaseFilter::default() })).await?;
        let mut latest = BTreeMap::new();
        for c in cases {
            let r = &c.decision.record;
            // Only decisions that took effect or may still: a failed, expired or cancelled
            // reversal leaves the measure before it in force, to be ended on time.
            if (r.action == measure || r.action == lift) && matches!(c.status, Status::Done | Status::Queued) {
                latest.insert((r.group.clone(), r.target.clone().unwrap_or_default()), c);
            }
        }
        Ok(latest
            .into_iter()
            .filter_map(|(k, c)| {
                let r = &c.decision.record;
                let until = r.detail.get("until").and_then(|u| millis_from_rfc3339(u))?;
                (r.action == measure && c.status == Status::Done).then_some((k, (c, until)))
            })
            .collect())
    }

    /// My timed mutes in force (see [`Engine::timed`]).
    async fn timed_mutes(&self, group: Option<String>) -> Result<BTreeMap<(String, String), (CaseRow, i64)>> {
        self.timed(group, ActionKind::Mute, ActionKind::Unmute).await
    }

    /// When each member's timed mute by me in this group ends (RFC 3339), from my case log.
    pub(crate) async fn mute_ends(&self, group: &str) -> Result<BTreeMap<String, String>> {
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(BTreeMap::new());
        }
        Ok(self
            .timed_mutes(Some(group.to_owned()))
            .await?
            .into_iter()
            .map(|((_, user), (_, until))| (user, rfc3339_from_millis(until)))
            .collect())
    }

    /// Ends my timed mutes and timed bans whose time has come.
    async fn end_timed_mutes(&self) -> Result<Vec<ActionOutcome>> {
        let mut out = self.end_timed(ActionKind::Mute, ActionKind::Unmute).await?;
        out.extend(self.end_timed(ActionKind::Ban, ActionKind::Unban).await?);
        Ok(out)
    }

    async fn end_timed(&self, measure: ActionKind, lift: ActionKind) -> Result<Vec<ActionOutcome>> {
        let (account, _) = self.platform().await?;
        let now = self.clock_ms()?;
        let mut out = Vec::new();
        for ((group, user), (c, until)) in self.timed(None, measure.clone(), lift.clone()).await? {
            let r = &c.decision.record;
            // Only the admin who decided it ends it: one console acts, never two.
            if r.actor != account.user_id || until > now {
                continue;
            }
            let what = measure.as_str();
            let late = now - until > LATE_AFTER_MS;
            let reason = if late {
                format!(
                    "timed {what} ended (case {}); due at {}, carried out late",
                    r.case_id,
                    rfc3339_from_millis(until)
                )
            } else {
                format!("timed {what} ended (case {})", r.case_id)
            };
            let action = if lift == ActionKind::Unban { Action::Unban { user } } else { Action::Unmute { user } };
            let request = ActRequest { group, action, reason, rule: r.rule.clone(), lang: qunguan_core::Lang::En };
            // `None`: another runner on this store ended it first. One that cannot be ended
            // now (its group gone) is tried again next round; it never holds up the others.
            match self.end_case(request, &r.case_id).await {
                Ok(outcome) => out.extend(outcome),
                Err(e) if e.code == qunguan_core::ErrorCode::Store => return Err(e),
                Err(e) => {
                    tracing::warn!(case = %r.case_id, code = e.code.as_str(), "timed {what} not ended this round")
                }
            }
        }
        Ok(out)
    }
}
