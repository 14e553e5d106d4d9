//! Members of a group: what the platform reports, and the row the console shows.

use serde::{Deserialize, Serialize};

use crate::role::{PowerSnapshot, Role};
use crate::time::rfc3339_from_millis;

/// A member's membership state, as Matrix names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// In the group.
    Join,
    /// Invited, not joined yet.
    Invite,
    /// Asked to join.
    Knock,
    /// Left or was kicked.
    Leave,
    /// Banned.
    Ban,
}

/// A member as the platform adapter reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberState {
    /// The member's user ID.
    pub user_id: String,
    /// Their display name in this group, if set.
    pub display_name: Option<String>,
    /// Their current membership.
    pub membership: Membership,
    /// When the current membership took effect (the member event's timestamp), in Unix ms.
    pub since_ms: Option<i64>,
}

/// A member as listed by the app and `qg members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Member {
    /// The member's user ID.
    pub user_id: String,
    /// Their display name in this group, if set.
    pub display_name: Option<String>,
    /// Their role, computed from the power snapshot.
    pub role: Role,
    /// Power level; `null` for creators who outrank every level.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub power: Option<i64>,
    /// Their current membership.
    pub membership: Membership,
    /// RFC 3339 time the member joined (for joined members).
    pub joined_at: Option<String>,
    /// RFC 3339 end of a timed mute, once timed mutes exist; `null` otherwise.
    pub muted_until: Option<String>,
    /// True when the member's power is below what posting needs.
    pub muted: bool,
    /// Their credit in this group (score and level); `null` where there is no case log to
    /// read it from (no encrypted store).
    #[serde(default)]
    pub credit: Option<crate::credit::CreditSummary>,
}

impl Member {
    /// The row for `state`, its role and power read from the group's `power`.
    pub fn from_state(state: &MemberState, power: &PowerSnapshot) -> Member {
        Member {
            user_id: state.user_id.clone(),
            display_name: state.display_name.clone(),
            role: power.role(&state.user_id),
            power: power.power(&state.user_id),
            membership: state.membership,
            joined_at: (state.membership == Membership::Join)
                .then_some(state.since_ms)
                .flatten()
                .map(rfc3339_from_millis),
            muted_until: None,
            muted: power.is_muted(&state.user_id),
            credit: None,
        }
    }
}

/// Sorts members for display: by role (owner first), then by display name or ID.
pub fn sort_for_display(members: &mut [Member]) {
    fn key(m: &Member) -> String {
        m.display_name.as_deref().unwrap_or(&m.user_id).to_lowercase()
    }
    members.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| key(a).cmp(&key(b))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::PowerLevels;

    #[test]
    fn joined_at_only_for_joined_members() {
        let power =
            PowerSnapshot { creators: vec!["@o:hs".into()], creators_outrank: true, levels: PowerLevels::default() };
        let mut s = MemberState {
            user_id: "@a:hs".into(),
            display_name: Some("阿明".into()),
            membership: Membership::Join,
            since_ms: Some(0),
        };
        let m = Member::from_state(&s, &power);
        assert_eq!(
            m.joined_at.as_deref(),
            Some("1970-01-01T00:00:00Z"),
            "the joined time should come from the membership's time"
        );
        assert_eq!(
            (m.role, m.power),
            (Role::Member, Some(0)),
            "a member at the default level should be a member with power 0"
        );
        s.membership = Membership::Leave;
        assert_eq!(Member::from_state(&s, &power).joined_at, None, "left members have no join time");
    }

    #[test]
    fn sorted_by_role_then_name() {
        let mk = |id: &str, name: &str, role| Member {
            user_id: id.into(),
            display_name: Some(name.into()),
            role,
            power: Some(0),
            membership: Membership::Join,
            joined_at: None,
            muted_until: None,
            muted: false,
            credit: None,
        };
        let mut ms =
            vec![mk("@b:hs", "bob", Role::Member), mk("@a:hs", "Alice", Role::Member), mk("@o:hs", "zed", Role::Owner)];
        sort_for_display(&mut ms);
        let ids: Vec<_> = ms.iter().map(|m| m.user_id.as_str()).collect();
        assert_eq!(ids, ["@o:hs", "@a:hs", "@b:hs"]);
    }
}
