//! What a group's managers answer for: its written rules, its standing against its size tier
//! (`qg compliance`) and each manager's record (`qg admins`), computed by the pure functions of
//! `qunguan_core::compliance` and `qunguan_core::admin_record` over the platform's word on the
//! group and what the store holds (the case log, mine and the trusted shared records; the
//! queue; the timeline).

use qunguan_core::admin_record::{AdminRecord, records};
use qunguan_core::compliance::{Compliance, GroupFacts, check};
use qunguan_core::time::millis_from_rfc3339;
use qunguan_core::{Group, GroupState, Result, Role, Tier};
use qunguan_store::CaseFilter;

use crate::Engine;
use crate::cache::now_ms;

/// Everyone who manages the group by its power levels (joined or not), owners first, then by ID.
fn managers(state: &GroupState) -> Vec<(String, Role)> {
    let mut users: Vec<&String> =
        state.power.creators.iter().chain(state.power.levels.users.keys()).chain(&state.joined_managers).collect();
    users.sort();
    users.dedup();
    let mut out: Vec<(String, Role)> =
        users.into_iter().map(|u| (u.clone(), state.power.role(u))).filter(|(_, role)| role.manages()).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

impl Engine {
    /// A group's written rules, when a manager set them.
    pub async fn group_rules(&self, group: &str) -> Result<Option<String>> {
        Ok(self.group_state_managed(group).await?.rules)
    }

    /// Sets a group's written rules (checked; in the group's state, so every admin's console
    /// reads them). Needs the power to change the group's settings: the platform says no otherwise.
    pub async fn set_group_rules(&self, group: &str, text: &str) -> Result<String> {
        let text = qunguan_core::group_rules::checked(text)?;
        let state = self.group_state_managed(group).await?;
        let (_, platform) = self.platform().await?;
        platform.set_rules(&state.id, &text).await?;
        self.forget_group_states().await;
        Ok(text)
    }

    /// Each group's standing against its tier (one group by ID or alias, or every group I
    /// manage): active managers, stale queue items, written rules, the owner's presence.
    pub async fn compliance(&self, group: Option<&str>) -> Result<Vec<Compliance>> {
        let (account, platform) = self.platform().await?;
        let states: Vec<GroupState> = match group {
            Some(g) => vec![self.group_state_managed(g).await?],
            None => platform.joined_groups().await?,
        };
        let mut groups: Vec<(Group, GroupState)> =
            states.into_iter().filter_map(|s| Some((Group::managed_by(&s, &account.user_id)?, s))).collect();
        // As the group list shows them: owner first, then by name.
        groups.sort_by(|(a, _), (b, _)| b.role.cmp(&a.role).then_with(|| a.name.cmp(&b.name)));
        // The other admins' cases first (best effort: offline, what is here).
        self.sync_cases().await?;
        let now = now_ms();
        let mut out = Vec::with_capacity(groups.len());
        for (group, state) in groups {
            let (id, joined) = (state.id.clone(), state.joined_managers.clone());
            let (last_active_ms, open_items) = self
                .on_store(move |s| {
                    let mut last = s.last_messages(&id, &joined)?;
                    let cases = s.cases(&CaseFilter { group: Some(id.clone()), ..CaseFilter::default() })?;
                    for row in cases.iter().filter(|r| r.trusted) {
                        let Some(at) = millis_from_rfc3339(&row.listed_at) else { continue };
                        let seen = last.entry(row.decision.record.actor.clone()).or_insert(at);
                        *seen = (*seen).max(at);
                    }
                    let open = s
                        .item_facts(&id)?
                        .into_iter()
                        .filter(|i| i.state == qunguan_core::queue::ItemState::Open)
                        .map(|i| (i.id, i.since_ms))
                        .collect();
                    Ok((last, open))
                })
                .await?;
            let joined_managers =
                state.joined_managers.iter().map(|u| (u.clone(), state.power.role(u) == Role::Owner)).collect();
            let facts = GroupFacts {
                group: group.id,
                name: group.name,
                members: state.joined_members,
                rules: state.rules,
                joined_managers,
                last_active_ms,
                open_items,
            };
            out.push(check(&facts, now));
        }
        Ok(out)
    }

    /// Each manager's record in a group (by ID or alias): owners, admins and moderators by the
    /// power levels now, then anyone else who decided a trusted case there.
    pub async fn admin_records(&self, group: &str) -> Result<Vec<AdminRecord>> {
        let state = self.group_state_managed(group).await?;
        let cases = self.cases(Some(state.id.clone()), None, None).await?;
        let id = state.id.clone();
        let items = self.on_store(move |s| s.item_facts(&id)).await?;
        let limit = Tier::for_members(state.joined_members).expectations(state.joined_members).max_item_age_seconds;
        let limit_ms = i64::try_from(limit.saturating_mul(1000)).unwrap_or(i64::MAX);
        Ok(records(&managers(&state), &cases, &items, limit_ms, now_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_managers_by_the_power_levels_joined_or_not_owners_first() {
        let users = [("@mod:hs", 50), ("@admin:hs", 100), ("@muted:hs", -1), ("@left:hs", 100)];
        let state = GroupState {
            joined_managers: vec!["@owner:hs".into(), "@admin:hs".into(), "@mod:hs".into()],
            ..crate::tests::room("!g", &users)
        };
        let all = managers(&state);
        let got: Vec<(&str, Role)> = all.iter().map(|(u, r)| (u.as_str(), *r)).collect();
        assert_eq!(
            got,
            [
                ("@owner:hs", Role::Owner),
                ("@admin:hs", Role::Admin),
                ("@left:hs", Role::Admin),
                ("@mod:hs", Role::Moderator)
            ],
            "a muted member is no manager; an admin who left still answers for what they did"
        );
    }
}
