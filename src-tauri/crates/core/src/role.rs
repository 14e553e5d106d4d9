//! Roles and what they allow, read from a platform-neutral snapshot of power levels.
//!
//! The rules are those of `qg`'s contract:
//! - **owner**: a room creator whose rank outranks every level (v12 rooms: the create event's
//!   sender and every `additional_creators` entry); in older rooms, the creator while their
//!   power is at least the admin threshold.
//! - **admin**: power ≥ the level needed to change the power levels.
//! - **moderator**: power ≥ the lowest of kick, ban and redact, below admin.
//! - **member**: everyone else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The state event whose required level defines "admin".
pub const POWER_LEVELS_EVENT: &str = "m.room.power_levels";
/// The message event whose required level decides who may post (and so who is muted).
pub const MESSAGE_EVENT: &str = "m.room.message";

/// A member's role, computed from power levels (see `docs/cli.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// No moderation power.
    Member,
    /// Power at least the lowest of kick, ban and redact, below admin.
    Moderator,
    /// Power at least what changing the power levels needs.
    Admin,
    /// A creator who outranks every level (v12 rooms), or in older rooms the creator while
    /// their power is at least an admin's.
    Owner,
}

impl Role {
    /// The role as `qg` and JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Member => "member",
        }
    }

    /// Roles that make a group "mine" (listed by `qg groups`).
    pub fn manages(self) -> bool {
        self != Role::Member
    }
}

/// An action the console can take in a group, as listed in a group's `can`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Send a warning notice.
    Warn,
    /// Mute and unmute members.
    Mute,
    /// Remove messages.
    Remove,
    /// Kick members.
    Kick,
    /// Ban and unban members.
    Ban,
    /// Suspend and resume posting for the whole group.
    Lock,
    /// Change members' roles.
    Role,
    /// Report to the platform's staff.
    Report,
}

/// The power-level content of a group, with the spec's defaults for absent keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerLevels {
    /// Members with a level of their own.
    pub users: BTreeMap<String, i64>,
    /// Everyone else's level.
    pub users_default: i64,
    /// The level each event type needs, where it differs from the defaults.
    pub events: BTreeMap<String, i64>,
    /// The level posting (message events) needs.
    pub events_default: i64,
    /// The level state events need.
    pub state_default: i64,
    /// The level kicking needs.
    pub kick: i64,
    /// The level banning needs.
    pub ban: i64,
    /// The level removing others' messages needs.
    pub redact: i64,
    /// The level inviting needs.
    pub invite: i64,
}

impl Default for PowerLevels {
    fn default() -> Self {
        Self {
            users: BTreeMap::new(),
            users_default: 0,
            events: BTreeMap::new(),
            events_default: 0,
            state_default: 50,
            kick: 50,
            ban: 50,
            redact: 50,
            invite: 0,
        }
    }
}

impl PowerLevels {
    /// The level needed to send a state event of this type.
    pub fn state_level(&self, event_type: &str) -> i64 {
        self.events.get(event_type).copied().unwrap_or(self.state_default)
    }

    /// The level needed to send a message event of this type.
    pub fn message_level(&self, event_type: &str) -> i64 {
        self.events.get(event_type).copied().unwrap_or(self.events_default)
    }

    /// The threshold at or above which a member is an admin.
    pub fn admin_level(&self) -> i64 {
        self.state_level(POWER_LEVELS_EVENT)
    }

    /// The threshold at or above which a member is (at least) a moderator.
    pub fn moderator_level(&self) -> i64 {
        self.kick.min(self.ban).min(self.redact)
    }
}

/// Everything needed to tell a member's role: who created the group and its power levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSnapshot {
    /// The create event's sender first, then any additional creators.
    pub creators: Vec<String>,
    /// True where creators outrank every level (Matrix room version 12 and later).
    pub creators_outrank: bool,
    /// The group's power levels.
    pub levels: PowerLevels,
}

/// A member's rank: an outranking creator sits above every numeric level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A numeric power level.
    Level(i64),
    /// A creator in a room where creators outrank every level.
    Creator,
}

impl Rank {
    /// Whether this rank reaches `level` (a creator who outranks every level always does).
    pub fn at_least(self, level: i64) -> bool {
        match self {
            Rank::Creator => true,
            Rank::Level(l) => l >= level,
        }
    }
}

impl PowerSnapshot {
    /// The member's rank: creator, else their level (or the default).
    pub fn rank(&self, user: &str) -> Rank {
        if self.creators_outrank && self.creators.iter().any(|c| c == user) {
            return Rank::Creator;
        }
        Rank::Level(self.levels.users.get(user).copied().unwrap_or(self.levels.users_default))
    }

    /// The member's numeric power, `None` for creators who outrank every level.
    pub fn power(&self, user: &str) -> Option<i64> {
        match self.rank(user) {
            Rank::Creator => None,
            Rank::Level(l) => Some(l),
        }
    }

    /// The member's role by `docs/cli.md`'s rules.
    pub fn role(&self, user: &str) -> Role {
        let rank = self.rank(user);
        let levels = &self.levels;
        match rank {
            Rank::Creator => Role::Owner,
            _ if self.creators.first().is_some_and(|c| c == user) && rank.at_least(levels.admin_level()) => Role::Owner,
            _ if rank.at_least(levels.admin_level()) => Role::Admin,
            _ if rank.at_least(levels.moderator_level()) => Role::Moderator,
            _ => Role::Member,
        }
    }

    /// True when the member may not post ordinary messages.
    pub fn is_muted(&self, user: &str) -> bool {
        !self.rank(user).at_least(self.levels.message_level(MESSAGE_EVENT))
    }

    /// The actions this member's power allows, in a stable order.
    pub fn capabilities(&self, user: &str) -> Vec<Capability> {
        let rank = self.rank(user);
        let l = &self.levels;
        let edit_power = rank.at_least(l.admin_level());
        [
            (Capability::Warn, rank.at_least(l.message_level(MESSAGE_EVENT))),
            (Capability::Mute, edit_power),
            (Capability::Remove, rank.at_least(l.redact)),
            (Capability::Kick, rank.at_least(l.kick)),
            (Capability::Ban, rank.at_least(l.ban)),
            (Capability::Lock, edit_power),
            (Capability::Role, edit_power),
            (Capability::Report, true),
        ]
        .into_iter()
        .filter_map(|(cap, allowed)| allowed.then_some(cap))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(creators_outrank: bool, users: &[(&str, i64)]) -> PowerSnapshot {
        PowerSnapshot {
            creators: vec!["@creator:hs".into(), "@cocreator:hs".into()],
            creators_outrank,
            levels: PowerLevels {
                users: users.iter().map(|(u, l)| (u.to_string(), *l)).collect(),
                events: [(POWER_LEVELS_EVENT.to_string(), 100)].into(),
                ..PowerLevels::default()
            },
        }
    }

    #[test]
    fn roles_follow_the_cli_contract() {
        let users = [("@creator:hs", 100), ("@admin:hs", 100), ("@mod:hs", 50), ("@helper:hs", 49), ("@muted:hs", -1)];
        // (room semantics, user, role, power)
        let table: &[(bool, &str, Role, Option<i64>)] = &[
            (true, "@creator:hs", Role::Owner, None),
            (true, "@cocreator:hs", Role::Owner, None),
            (true, "@admin:hs", Role::Admin, Some(100)),
            (true, "@mod:hs", Role::Moderator, Some(50)),
            (true, "@helper:hs", Role::Member, Some(49)),
            (true, "@muted:hs", Role::Member, Some(-1)),
            (true, "@stranger:hs", Role::Member, Some(0)),
            // Older rooms: only the create event's sender, and only while still an admin.
            (false, "@creator:hs", Role::Owner, Some(100)),
            (false, "@cocreator:hs", Role::Member, Some(0)),
            (false, "@admin:hs", Role::Admin, Some(100)),
        ];
        for &(outrank, user, role, power) in table {
            let s = snapshot(outrank, &users);
            assert_eq!(s.role(user), role, "{user} (creators_outrank={outrank})");
            assert_eq!(s.power(user), power, "{user} (creators_outrank={outrank})");
        }
    }

    #[test]
    fn demoted_creator_of_an_old_room_is_not_owner() {
        let s = snapshot(false, &[("@creator:hs", 50)]);
        assert_eq!(
            s.role("@creator:hs"),
            Role::Moderator,
            "a demoted creator of an old room should be what their level says"
        );
    }

    #[test]
    fn moderator_threshold_is_the_lowest_of_kick_ban_redact() {
        let mut s = snapshot(true, &[("@m:hs", 30)]);
        s.levels.redact = 30;
        assert_eq!(s.role("@m:hs"), Role::Moderator, "the lowest of kick, ban and redact should make a moderator");
        assert_eq!(
            s.capabilities("@m:hs"),
            vec![Capability::Warn, Capability::Remove, Capability::Report],
            "a redactor below kick/ban may only warn, remove and report"
        );
    }

    #[test]
    fn capabilities_by_role() {
        let s = snapshot(true, &[("@admin:hs", 100), ("@mod:hs", 50), ("@muted:hs", -1)]);
        assert_eq!(s.capabilities("@creator:hs").len(), 8, "owner can do everything");
        assert_eq!(s.capabilities("@admin:hs").len(), 8, "an admin should have every capability");
        assert_eq!(
            s.capabilities("@mod:hs"),
            vec![Capability::Warn, Capability::Remove, Capability::Kick, Capability::Ban, Capability::Report]
        );
        assert_eq!(s.capabilities("@muted:hs"), vec![Capability::Report]);
        assert!(s.is_muted("@muted:hs"), "a member below events_default should be muted");
        assert!(!s.is_muted("@mod:hs"), "a moderator should not be muted");
    }
}
