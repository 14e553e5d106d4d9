//! Groups I manage and their members — live when the server answers, from the cache when not.

use qunguan_core::group::sort_for_display as sort_groups;
use qunguan_core::member::sort_for_display as sort_members;
use qunguan_core::{ApiError, ErrorCode, Group, GroupState, Member, Result};

use qunguan_store::Store;

use crate::Engine;
use crate::cache::{is_offline, now_ms};

pub(crate) fn not_managed(id_or_alias: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, format!("you are not owner, admin or moderator of {id_or_alias}"))
}

/// The room ID of a group given by ID or alias, as far as the cached group list knows.
pub(crate) fn cached_group_id(s: &Store, id_or_alias: &str) -> Result<String> {
    Ok(s.groups()?
        .and_then(|g| g.value.into_iter().find(|g| g.id == id_or_alias || g.alias.as_deref() == Some(id_or_alias)))
        .map_or_else(|| id_or_alias.to_owned(), |g| g.id))
}

impl Engine {
    /// Every group where I am owner, admin or moderator (not direct chats, not console rooms).
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let (account, platform) = self.platform().await?;
        match platform.joined_groups().await {
            Ok(states) => {
                let mut groups: Vec<Group> =
                    states.iter().filter_map(|s| Group::managed_by(s, &account.user_id)).collect();
                sort_groups(&mut groups);
                self.set_online();
                let copy = groups.clone();
                self.cache_write(move |s| {
                    let now = now_ms();
                    s.put_groups(&copy, now)?;
                    s.mark_groups_fetched(now)
                })
                .await;
                Ok(groups)
            }
            Err(e) if is_offline(&e) => match self.with_cache(|s| s.groups()).await?.flatten() {
                Some(cached) => {
                    self.set_offline(cached.fetched_at_ms);
                    Ok(cached.value)
                }
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// One group I manage, by room ID or alias.
    pub async fn group(&self, id_or_alias: &str) -> Result<Group> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(id_or_alias).await?;
        Group::managed_by(&state, &account.user_id).ok_or_else(|| not_managed(id_or_alias))
    }

    /// The members of a group I manage, with their roles; owner first, then by name.
    pub async fn members(&self, id_or_alias: &str) -> Result<Vec<Member>> {
        match self.members_live(id_or_alias).await {
            Ok(members) => Ok(members),
            Err(e) if is_offline(&e) => {
                let key = id_or_alias.to_owned();
                let cached = self
                    .with_cache(move |s| {
                        let id = cached_group_id(s, &key)?;
                        s.members(&id)
                    })
                    .await?
                    .flatten();
                let Some(cached) = cached else { return Err(e) };
                self.set_offline(cached.fetched_at_ms);
                Ok(cached.value)
            }
            Err(e) => Err(e),
        }
    }

    async fn members_live(&self, id_or_alias: &str) -> Result<Vec<Member>> {
        let (account, platform) = self.platform().await?;
        let state: GroupState = platform.group(id_or_alias).await?;
        if Group::managed_by(&state, &account.user_id).is_none() {
            return Err(not_managed(id_or_alias));
        }
        let mut members: Vec<Member> =
            platform.members(&state.id).await?.iter().map(|m| Member::from_state(m, &state.power)).collect();
        // A timed mute's end comes from my case log (the platform only knows the level).
        let ends = self.mute_ends(&state.id).await?;
        for m in members.iter_mut().filter(|m| m.muted) {
            m.muted_until = ends.get(&m.user_id).cloned();
        }
        // Credit from the case log here (imported cases as far as they are), under the group's policy.
        if let Some((by_user, clean)) = self.credit_summaries(&state).await? {
            for m in members.iter_mut() {
                m.credit = Some(by_user.get(&m.user_id).copied().unwrap_or(clean));
            }
        }
        sort_members(&mut members);
        self.set_online();
        let (id, copy) = (state.id.clone(), members.clone());
        self.cache_write(move |s| s.put_members(&id, &copy, now_ms())).await;
        Ok(members)
    }

    /// Updates one group in the cached group list: `Some` as I manage it now (added if new),
    /// `None` when I no longer manage it (removed), so my cached power follows each live read.
    pub(crate) async fn cache_group(&self, id: &str, group: Option<Group>) {
        let id = id.to_owned();
        self.cache_write(move |s| {
            let mut list = s.groups()?.map(|c| c.value).unwrap_or_default();
            let at = list.iter().position(|g| g.id == id);
            match (at, group) {
                (Some(i), Some(g)) => list[i] = g,
                (None, Some(g)) => list.push(g),
                (Some(i), None) => drop(list.remove(i)),
                (None, None) => return Ok(()),
            }
            s.put_groups(&list, now_ms())
        })
        .await;
    }

    /// A cache write that must not fail the read it follows: a failure is logged, not returned.
    pub(crate) async fn cache_write(&self, f: impl FnOnce(&mut qunguan_store::Store) -> Result<()> + Send + 'static) {
        if let Err(e) = self.with_cache(f).await {
            tracing::warn!(code = e.code.as_str(), "cache write failed");
        }
    }
}
