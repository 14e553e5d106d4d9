//! Members' credit as the app and `qg` ask for it, the credit policies it is computed under, and
//! the action dialog's preview (credit and ladder standing).
//!
//! The computation is `qunguan_core::credit` (pure); this module picks its inputs: the cases
//! from the store (mine and the imported ones, each marked trusted or not), the clock
//! ([`Engine::clock_ms`], `QG_TEST_NOW` in tests), and the policy in effect for the group:
//! - the group's own, an `org.qunguan.credit_policy` state event an owner or admin set (so every
//!   admin's console judges alike, like the group's report words);
//! - else this console's default, `credit-policy.json` in the data directory;
//! - else the built-in defaults (`docs/credit.md`).
//!
//! Setting a policy reads and checks it first: an error names the field, and nothing is written.
//! When the homeserver cannot be reached the group's own policy is not known, and the console's
//! is used.

use std::collections::BTreeMap;

use qunguan_core::action::Action;
use qunguan_core::case::CaseView;
use qunguan_core::credit::score::{clean, subject, summaries};
use qunguan_core::credit::{
    ActionPreview, Credit, CreditPolicy, CreditSummary, PolicySource, PolicyView, credit, ladder,
};
use qunguan_core::platform::IdKind;
use qunguan_core::{ApiError, ErrorCode, Group, GroupState, Result, Role};
use qunguan_store::CaseFilter;

use crate::Engine;
use crate::cache::is_offline;
use crate::cases::case_view;
use crate::groups::not_managed;

/// This console's default policy, in the data directory.
pub const POLICY_FILE: &str = "credit-policy.json";

impl Engine {
    fn policy_path(&self) -> std::path::PathBuf {
        self.home.join(POLICY_FILE)
    }

    /// This console's default policy, if there is a file; a damaged one is an error naming it.
    fn console_policy(&self) -> Result<Option<CreditPolicy>> {
        let path = self.policy_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ApiError::caused_by(ErrorCode::Store, format!("cannot read {}", path.display()), e)),
        };
        CreditPolicy::from_json(&text)
            .map(Some)
            .map_err(|e| ApiError::new(e.code, format!("{}: {}", path.display(), e.message)))
    }

    /// The console's policy, or the defaults.
    fn console_view(&self) -> Result<PolicyView> {
        Ok(match self.console_policy()? {
            Some(policy) => PolicyView { source: PolicySource::Console, policy },
            None => PolicyView { source: PolicySource::Default, policy: CreditPolicy::default() },
        })
    }

    /// The policy in effect for a group whose state is `state`.
    fn view_for(&self, state: &GroupState) -> Result<PolicyView> {
        match &state.credit_policy {
            Some(policy) => Ok(PolicyView { source: PolicySource::Group, policy: policy.clone() }),
            None => self.console_view(),
        }
    }

    /// A group I manage (its state), or `forbidden`.
    async fn managed_state(&self, group: &str) -> Result<GroupState> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(group).await?;
        Group::managed_by(&state, &account.user_id).ok_or_else(|| not_managed(group))?;
        Ok(state)
    }

    /// The group's room ID and the policy in effect there; offline, the console's (see the module docs).
    pub(crate) async fn group_policy(&self, group: &str) -> Result<(String, PolicyView)> {
        match self.managed_state(group).await {
            Ok(state) => Ok((state.id.clone(), self.view_for(&state)?)),
            Err(e) if is_offline(&e) => {
                let key = group.to_owned();
                let id = self.with_cache(move |s| crate::groups::cached_group_id(s, &key)).await?;
                self.set_offline(crate::cache::now_ms());
                Ok((id.unwrap_or_else(|| group.to_owned()), self.console_view()?))
            }
            Err(e) => Err(e),
        }
    }

    /// The policy in effect for `group` (room ID or alias), or this console's default with `None`.
    pub async fn credit_policy(&self, group: Option<&str>) -> Result<PolicyView> {
        match group {
            Some(g) => Ok(self.group_policy(g).await?.1),
            None => self.console_view(),
        }
    }

    /// Reads and checks `text` (a policy's JSON), then makes it `group`'s own (in the group's
    /// state, for every admin's console; owners and admins only) or, with `None`, this
    /// console's default. Nothing is written when it does not pass.
    pub async fn set_credit_policy(&self, group: Option<&str>, text: &str) -> Result<PolicyView> {
        let policy = CreditPolicy::from_json(text)?;
        let Some(group) = group else {
            let path = self.policy_path();
            let json =
                serde_json::to_string_pretty(&policy.to_value()).map_err(|e| ApiError::internal(e.to_string()))?;
            let tmp = path.with_extension("json.tmp");
            let write = std::fs::create_dir_all(&self.home)
                .and_then(|()| std::fs::write(&tmp, json))
                .and_then(|()| std::fs::rename(&tmp, &path));
            write.map_err(|e| ApiError::caused_by(ErrorCode::Store, format!("cannot write {}", path.display()), e))?;
            return Ok(PolicyView { source: PolicySource::Console, policy });
        };
        let (account, platform) = self.platform().await?;
        let state = self.managed_state(group).await?;
        if state.power.role(&account.user_id) < Role::Admin {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("only the owners and admins of {group} set its credit policy"),
            ));
        }
        platform.set_credit_policy(&state.id, &policy).await?;
        Ok(PolicyView { source: PolicySource::Group, policy })
    }

    /// Every case in the store (`group`: only that group's), as listed, without importing first.
    pub(crate) async fn stored_cases(&self, group: Option<String>) -> Result<Vec<CaseView>> {
        let filter = CaseFilter { group, ..CaseFilter::default() };
        self.on_store(move |s| Ok(s.cases(&filter)?.into_iter().map(case_view).collect())).await
    }

    /// `user`'s credit in `group` (room ID or alias), with every change: the other admins'
    /// cases are imported first (offline: what is here).
    pub async fn credit(&self, group: &str, user: &str) -> Result<Credit> {
        self.connector.check_id(IdKind::RoomOrAlias, group)?;
        self.connector.check_id(IdKind::User, user)?;
        let (id, view) = self.group_policy(group).await?;
        self.sync_cases().await?;
        let cases = self.stored_cases(Some(id.clone())).await?;
        let now = self.clock_ms()?;
        let standing = ladder(&cases, user, now, &view.policy.ladder, None);
        Ok(Credit { ladder: Some(standing), ..credit(&cases, user, Some(&id), now, &view.policy) })
    }

    /// `user`'s credit across all my groups: first over every case about them (platform
    /// measures too) under this console's policy (`group` null), then per group they have cases
    /// in, each under its own policy.
    pub async fn credit_everywhere(&self, user: &str) -> Result<Vec<Credit>> {
        self.connector.check_id(IdKind::User, user)?;
        self.platform().await?;
        self.sync_cases().await?;
        let now = self.clock_ms()?;
        let cases = self.stored_cases(None).await?;
        let mut out = vec![credit(&cases, user, None, now, &self.console_view()?.policy)];
        let mut groups: Vec<&str> =
            cases.iter().filter(|c| subject(c) == Some(user)).map(|c| c.group.as_str()).collect();
        groups.sort_unstable();
        groups.dedup();
        for group in groups.into_iter().filter(|g| g.starts_with('!')) {
            let here: Vec<CaseView> = cases.iter().filter(|c| c.group == group).cloned().collect();
            let policy = match self.group_policy(group).await {
                Ok((_, view)) => view.policy,
                // A group I no longer manage still has its record here, judged by my policy.
                Err(e) if e.code == ErrorCode::Forbidden || e.code == ErrorCode::NotFound => {
                    self.console_view()?.policy
                }
                Err(e) => return Err(e),
            };
            out.push(credit(&here, user, Some(group), now, &policy));
        }
        Ok(out)
    }

    /// Every member's credit in a group (the member list): `None` without a store.
    pub(crate) async fn credit_summaries(
        &self,
        state: &GroupState,
    ) -> Result<Option<(BTreeMap<String, CreditSummary>, CreditSummary)>> {
        if self.cache.lock().expect("not poisoned").is_none() {
            return Ok(None);
        }
        let policy = self.view_for(state)?.policy;
        let cases = self.stored_cases(Some(state.id.clone())).await?;
        Ok(Some((summaries(&cases, self.clock_ms()?, &policy), clean(&policy))))
    }

    /// What the action dialog shows before the admin confirms `action` in `group`: the
    /// member's credit now and where the action puts them on the group's ladder.
    pub async fn action_preview(&self, group: &str, action: &Action) -> Result<ActionPreview> {
        self.check_ids(group, action)?;
        let user = action
            .target_user()
            .ok_or_else(|| ApiError::invalid_input(format!("{} is not an action on a member", action.name())))?;
        let (id, view) = self.group_policy(group).await?;
        let cases = self.stored_cases(Some(id)).await?;
        let now = self.clock_ms()?;
        let kind = action.kind();
        Ok(ActionPreview {
            credit: credit(&cases, user, None, now, &view.policy).summary(),
            ladder: ladder(&cases, user, now, &view.policy.ladder, Some(&kind)),
        })
    }
}
