//! Groups I manage and their members.

use qunguan_core::group::sort_for_display as sort_groups;
use qunguan_core::member::sort_for_display as sort_members;
use qunguan_core::{ApiError, ErrorCode, Group, Member, Result};

use crate::Engine;

impl Engine {
    /// Every group where I am owner, admin or moderator (not direct chats, not console rooms).
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let (account, platform) = self.platform().await?;
        let states = platform.joined_groups().await?;
        let mut groups: Vec<Group> = states.iter().filter_map(|s| Group::managed_by(s, &account.user_id)).collect();
        sort_groups(&mut groups);
        Ok(groups)
    }

    /// One group I manage, by room ID or alias.
    pub async fn group(&self, id_or_alias: &str) -> Result<Group> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(id_or_alias).await?;
        Group::managed_by(&state, &account.user_id).ok_or_else(|| {
            ApiError::new(ErrorCode::Forbidden, format!("you are not owner, admin or moderator of {id_or_alias}"))
        })
    }

    /// The members of a group I manage, with their roles; owner first, then by name.
    pub async fn members(&self, id_or_alias: &str) -> Result<Vec<Member>> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(id_or_alias).await?;
        if Group::managed_by(&state, &account.user_id).is_none() {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("you are not owner, admin or moderator of {id_or_alias}"),
            ));
        }
        let mut members: Vec<Member> =
            platform.members(&state.id).await?.iter().map(|m| Member::from_state(m, &state.power)).collect();
        sort_members(&mut members);
        Ok(members)
    }
}
