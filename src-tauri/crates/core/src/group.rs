//! Groups: what the platform reports about a room, and the row the console shows for it.

use serde::{Deserialize, Serialize};

use crate::role::{Capability, PowerSnapshot, Role};

/// Size tiers of the graded management of groups. The bounds are joined members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Fewer than 100 members.
    Small,
    /// 100 to 499 members.
    Medium,
    /// 500 to 1,999 members.
    Large,
    /// 2,000 members or more.
    Huge,
}

impl Tier {
    /// The tier of a group with this many joined members.
    pub fn for_members(members: u64) -> Tier {
        match members {
            0..100 => Tier::Small,
            100..500 => Tier::Medium,
            500..2000 => Tier::Large,
            _ => Tier::Huge,
        }
    }
}

/// A room as the platform adapter reports it, before the console decides whether it is a group I manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    /// The room ID.
    pub id: String,
    /// The room name, if set.
    pub name: Option<String>,
    /// The canonical alias, if set.
    pub alias: Option<String>,
    /// Joined members now.
    pub joined_members: u64,
    /// End-to-end encrypted: member actions work, message content cannot be read.
    pub encrypted: bool,
    /// A direct chat (never listed as a group).
    pub is_direct: bool,
    /// One of the console's own rooms (moderation room, policy list).
    pub console_room: bool,
    /// Creators and power levels, from which every role is computed.
    pub power: PowerSnapshot,
    /// The group's own report words and emoji, when a manager set them (`None`: the defaults).
    #[serde(default)]
    pub report_words: Option<crate::report::ReportWords>,
    /// The group's written rules, when a manager set them (checked, see [`crate::group_rules`]).
    #[serde(default)]
    pub rules: Option<String>,
    /// The joined members who manage the group (owner, admins, moderators), by user ID.
    #[serde(default)]
    pub joined_managers: Vec<String>,
    /// The group's own credit policy, when an owner or admin set a valid one (`None`: the console's).
    #[serde(default)]
    pub credit_policy: Option<crate::credit::CreditPolicy>,
}

/// A group I manage, as listed by the app and `qg groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Group {
    /// The room ID.
    pub id: String,
    /// The room name; falls back to the alias, then the ID.
    pub name: String,
    /// The canonical alias, if set.
    pub alias: Option<String>,
    /// Joined members.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub members: u64,
    /// My role in the group.
    pub role: Role,
    /// My power level; `null` where I am a creator who outranks every level.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub power: Option<i64>,
    /// The size tier, from `members`.
    pub tier: Tier,
    /// What my power allows here.
    pub can: Vec<Capability>,
    /// End-to-end encrypted: messages cannot be read or flagged yet.
    pub encrypted: bool,
    /// The group's written rules (shown in the action dialog); `null` when none are set.
    #[serde(default)]
    pub rules: Option<String>,
}

impl Group {
    /// The group as `me` sees it, or `None` when it is not one I manage
    /// (plain member, direct chat, or one of the console's own rooms).
    pub fn managed_by(state: &GroupState, me: &str) -> Option<Group> {
        let role = state.power.role(me);
        if !role.manages() || state.is_direct || state.console_room {
            return None;
        }
        Some(Group {
            id: state.id.clone(),
            name: state
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| state.alias.clone())
                .unwrap_or_else(|| state.id.clone()),
            alias: state.alias.clone(),
            members: state.joined_members,
            role,
            power: state.power.power(me),
            tier: Tier::for_members(state.joined_members),
            can: state.power.capabilities(me),
            encrypted: state.encrypted,
            rules: state.rules.clone(),
        })
    }
}

/// Sorts groups for display: by role (owner first), then by name.
pub fn sort_for_display(groups: &mut [Group]) {
    groups.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.name.cmp(&b.name)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::PowerLevels;

    fn state(users: &[(&str, i64)]) -> GroupState {
        GroupState {
            id: "!room".into(),
            name: Some("技术交流群".into()),
            alias: Some("#tech:hs".into()),
            joined_members: 1001,
            encrypted: false,
            is_direct: false,
            console_room: false,
            power: PowerSnapshot {
                creators: vec!["@owner:hs".into()],
                creators_outrank: true,
                levels: PowerLevels {
                    users: users.iter().map(|(u, l)| (u.to_string(), *l)).collect(),
                    events: [("m.room.power_levels".to_string(), 100)].into(),
                    ..PowerLevels::default()
                },
            },
            report_words: None,
            rules: None,
            joined_managers: Vec::new(),
            credit_policy: None,
        }
    }

    #[test]
    fn tiers_have_the_documented_bounds() {
        let table = [
            (0, Tier::Small),
            (99, Tier::Small),
            (100, Tier::Medium),
            (499, Tier::Medium),
            (500, Tier::Large),
            (1999, Tier::Large),
            (2000, Tier::Huge),
        ];
        for (n, tier) in table {
            assert_eq!(Tier::for_members(n), tier, "{n} members");
        }
    }

    #[test]
    fn only_managed_rooms_become_groups() {
        let s = state(&[("@mod:hs", 50), ("@member:hs", 0)]);
        let owner = Group::managed_by(&s, "@owner:hs").expect("owner manages");
        assert_eq!((owner.role, owner.power, owner.tier), (Role::Owner, None, Tier::Large));
        assert_eq!(
            Group::managed_by(&s, "@mod:hs").map(|g| g.role),
            Some(Role::Moderator),
            "a moderator should manage the group as moderator"
        );
        assert_eq!(Group::managed_by(&s, "@member:hs"), None, "plain members do not manage");

        let mut direct = s.clone();
        direct.is_direct = true;
        assert_eq!(Group::managed_by(&direct, "@owner:hs"), None, "direct chats are not groups");
        let mut console = s;
        console.console_room = true;
        assert_eq!(Group::managed_by(&console, "@owner:hs"), None, "console rooms are hidden");
    }

    #[test]
    fn blank_name_falls_back_to_alias_then_id() {
        let mut s = state(&[]);
        s.name = Some("  ".into());
        assert_eq!(Group::managed_by(&s, "@owner:hs").unwrap().name, "#tech:hs");
        s.alias = None;
        assert_eq!(Group::managed_by(&s, "@owner:hs").unwrap().name, "!room");
    }
}
