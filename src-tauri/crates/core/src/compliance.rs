//! Graded management of groups by size: what a group's [`Tier`](crate::group::Tier) expects of
//! its managers, and where a group falls short of it.
//!
//! ## Design
//! - The tier ([`Tier::for_members`](crate::group::Tier::for_members)) is the one size measure;
//!   [`Tier::expectations`](crate::group::Tier::expectations) turns it (and the member count)
//!   into three expectations: enough *active* managers, no open queue item older than a limit,
//!   and written group rules. `docs/tiers.md` gives the thresholds and why.
//! - "Active" is what the console can know without asking anyone: a manager who decided a case
//!   in the group, or sent a message the console stored, within
//!   [`ACTIVE_DAYS`](crate::compliance::ACTIVE_DAYS). Only managers who are still in the group
//!   count.
//! - [`check`](crate::compliance::check) is a pure function of
//!   [`GroupFacts`](crate::compliance::GroupFacts) and the clock, so every shortfall is a row of
//!   a table test; each [`Shortfall`](crate::compliance::Shortfall) is data (its `kind` a closed
//!   vocabulary) for `qg compliance --json` and for the app to translate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::group::Tier;

/// A manager counts as active for this many days after their last case or stored message.
pub const ACTIVE_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
const HOUR_SECONDS: u64 = 3_600;

/// What a group of a tier is expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Expectations {
    /// Managers (owner, admins, moderators) active in the last [`ACTIVE_DAYS`] days, at least.
    pub active_admins: u32,
    /// The oldest an open queue item may be, in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub max_item_age_seconds: u64,
    /// Written group rules are expected (every tier: members must be able to read what they are held to).
    pub rules: bool,
}

impl Tier {
    /// What a group of this tier with `members` joined members is expected to have: one active
    /// manager per so many members (at least the tier's floor), an item age limit that shrinks
    /// as the group grows (harm spreads faster in a big group), and written rules.
    pub fn expectations(self, members: u64) -> Expectations {
        // (floor of active managers, members per active manager, oldest open item in hours)
        let (floor, per, hours) = match self {
            Tier::Small => (1, 100, 72),
            Tier::Medium => (2, 200, 24),
            Tier::Large => (3, 300, 12),
            Tier::Huge => (4, 500, 4),
        };
        let by_size = u32::try_from(members.div_ceil(per)).unwrap_or(u32::MAX);
        Expectations { active_admins: by_size.max(floor), max_item_age_seconds: hours * HOUR_SECONDS, rules: true }
    }
}

/// Where a group falls short of its tier's expectations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shortfall {
    /// Fewer active managers than the tier expects.
    TooFewAdmins {
        /// Active managers now.
        active: u32,
        /// How many the tier expects.
        needed: u32,
    },
    /// Open queue items older than the tier's limit.
    StaleItems {
        /// How many.
        count: u32,
        /// The oldest of them (its ID).
        oldest: String,
        /// How old the oldest is, in seconds.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        oldest_age_seconds: u64,
        /// The tier's limit, in seconds.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        max_age_seconds: u64,
    },
    /// The group has no written rules.
    NoRules,
    /// No owner (creator) is in the group any more: nobody answers for it.
    OwnerAbsent,
}

impl Shortfall {
    /// The kind as `qg compliance --json` spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Shortfall::TooFewAdmins { .. } => "too_few_admins",
            Shortfall::StaleItems { .. } => "stale_items",
            Shortfall::NoRules => "no_rules",
            Shortfall::OwnerAbsent => "owner_absent",
        }
    }
}

/// One group's standing against its tier, as `qg compliance` prints it and the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Compliance {
    /// The group's room ID.
    pub group: String,
    /// The group's name, as listed.
    pub name: String,
    /// Joined members.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub members: u64,
    /// The size tier.
    pub tier: Tier,
    /// What the tier expects.
    pub expectations: Expectations,
    /// The managers counted as active, by user ID.
    pub active_admins: Vec<String>,
    /// Every shortfall, in the order of [`Shortfall`]'s kinds; empty when the group meets its tier.
    pub shortfalls: Vec<Shortfall>,
}

/// What the console knows of a group, for [`check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFacts {
    /// The room ID.
    pub group: String,
    /// The name as listed.
    pub name: String,
    /// Joined members.
    pub members: u64,
    /// The group's written rules, when a manager set them.
    pub rules: Option<String>,
    /// The managers who are in the group now, with whether each is an owner.
    pub joined_managers: Vec<(String, bool)>,
    /// When each user last decided a case in the group or sent a stored message (Unix ms).
    pub last_active_ms: BTreeMap<String, i64>,
    /// The group's open queue items: (ID, when it first needed a look, Unix ms).
    pub open_items: Vec<(String, i64)>,
}

/// The group's standing at `now_ms` (see the module docs).
pub fn check(facts: &GroupFacts, now_ms: i64) -> Compliance {
    let tier = Tier::for_members(facts.members);
    let expectations = tier.expectations(facts.members);
    let since = now_ms - ACTIVE_DAYS * DAY_MS;
    let active_admins: Vec<String> = facts
        .joined_managers
        .iter()
        .filter(|(user, _)| facts.last_active_ms.get(user).is_some_and(|at| *at >= since))
        .map(|(user, _)| user.clone())
        .collect();
    let mut shortfalls = Vec::new();
    let active = u32::try_from(active_admins.len()).unwrap_or(u32::MAX);
    if active < expectations.active_admins {
        shortfalls.push(Shortfall::TooFewAdmins { active, needed: expectations.active_admins });
    }
    let limit_ms = i64::try_from(expectations.max_item_age_seconds * 1000).unwrap_or(i64::MAX);
    let stale: Vec<&(String, i64)> = facts.open_items.iter().filter(|(_, at)| now_ms - at > limit_ms).collect();
    if let Some((oldest, at)) = stale.iter().min_by_key(|(id, at)| (*at, id.clone())) {
        shortfalls.push(Shortfall::StaleItems {
            count: u32::try_from(stale.len()).unwrap_or(u32::MAX),
            oldest: oldest.clone(),
            oldest_age_seconds: u64::try_from((now_ms - at) / 1000).unwrap_or(0),
            max_age_seconds: expectations.max_item_age_seconds,
        });
    }
    if expectations.rules && facts.rules.as_deref().is_none_or(|r| r.trim().is_empty()) {
        shortfalls.push(Shortfall::NoRules);
    }
    if !facts.joined_managers.iter().any(|(_, owner)| *owner) {
        shortfalls.push(Shortfall::OwnerAbsent);
    }
    Compliance {
        group: facts.group.clone(),
        name: facts.name.clone(),
        members: facts.members,
        tier,
        expectations,
        active_admins,
        shortfalls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn each_tier_expects_more_active_managers_and_faster_answers_as_it_grows() {
        // (members, active managers needed, oldest open item in hours)
        let table = [
            (0, 1, 72),
            (99, 1, 72),
            (100, 2, 24),
            (401, 3, 24),
            (499, 3, 24),
            (500, 3, 12),
            (1999, 7, 12),
            (2000, 4, 4),
            (2001, 5, 4),
            (10_000, 20, 4),
        ];
        for (members, admins, hours) in table {
            let e = Tier::for_members(members).expectations(members);
            assert_eq!(
                (e.active_admins, e.max_item_age_seconds, e.rules),
                (admins, hours * 3600, true),
                "{members} members"
            );
        }
    }

    fn facts() -> GroupFacts {
        GroupFacts {
            group: "!g:hs".into(),
            name: "群".into(),
            members: 50,
            rules: Some("1. 不发广告".into()),
            joined_managers: vec![("@owner:hs".into(), true), ("@admin:hs".into(), false)],
            last_active_ms: [("@admin:hs".to_string(), NOW - 2 * HOUR)].into(),
            open_items: vec![("fresh".into(), NOW - HOUR)],
        }
    }

    fn kinds(f: &GroupFacts) -> Vec<&'static str> {
        check(f, NOW).shortfalls.iter().map(Shortfall::kind).collect()
    }

    #[test]
    fn each_shortfall_is_found_from_the_facts_alone() {
        type Change = fn(&mut GroupFacts);
        let table: &[(&str, Change, &[&str])] = &[
            ("a small group with an active admin, rules and a fresh item", |_| {}, &[]),
            ("blank rules are no rules", |f| f.rules = Some(" \n ".into()), &["no_rules"]),
            ("no rules", |f| f.rules = None, &["no_rules"]),
            ("the owner left", |f| f.joined_managers.retain(|(_, owner)| !owner), &["owner_absent"]),
            (
                "the only active admin acted 31 days ago",
                |f| {
                    f.last_active_ms.insert("@admin:hs".into(), NOW - 31 * 24 * HOUR);
                },
                &["too_few_admins"],
            ),
            (
                "activity of someone who is no manager in the group does not count",
                |f| {
                    f.last_active_ms = [("@left:hs".to_string(), NOW)].into();
                },
                &["too_few_admins"],
            ),
            (
                "an item open four days in a small group",
                |f| f.open_items.push(("old".into(), NOW - 96 * HOUR)),
                &["stale_items"],
            ),
            (
                "a medium group needs two active managers and answers within a day",
                |f| {
                    f.members = 150;
                    f.open_items.push(("day".into(), NOW - 25 * HOUR));
                },
                &["too_few_admins", "stale_items"],
            ),
            (
                "everything at once, in the documented order",
                |f| {
                    f.rules = None;
                    f.joined_managers.clear();
                    f.open_items.push(("old".into(), NOW - 100 * HOUR));
                },
                &["too_few_admins", "stale_items", "no_rules", "owner_absent"],
            ),
        ];
        for (what, change, want) in table {
            let mut f = facts();
            change(&mut f);
            assert_eq!(kinds(&f), *want, "{what}");
        }
    }

    #[test]
    fn a_shortfall_carries_its_numbers() {
        let mut f = facts();
        f.members = 150;
        f.open_items = vec![("b".into(), NOW - 30 * HOUR), ("a".into(), NOW - 50 * HOUR), ("c".into(), NOW)];
        let c = check(&f, NOW);
        assert_eq!((c.tier, c.active_admins.as_slice()), (Tier::Medium, ["@admin:hs".to_string()].as_slice()));
        assert_eq!(c.shortfalls[0], Shortfall::TooFewAdmins { active: 1, needed: 2 });
        assert_eq!(
            c.shortfalls[1],
            Shortfall::StaleItems {
                count: 2,
                oldest: "a".into(),
                oldest_age_seconds: 50 * 3600,
                max_age_seconds: 24 * 3600
            },
            "the oldest item is named"
        );
        let json = serde_json::to_value(&c.shortfalls).unwrap();
        assert_eq!(json[0], serde_json::json!({"kind": "too_few_admins", "active": 1, "needed": 2}));
        assert_eq!(serde_json::to_value(Shortfall::NoRules).unwrap(), serde_json::json!({"kind": "no_rules"}));
        for s in [Shortfall::NoRules, Shortfall::OwnerAbsent, c.shortfalls[0].clone(), c.shortfalls[1].clone()] {
            assert_eq!(serde_json::to_value(&s).unwrap()["kind"], s.kind(), "kind() is the JSON tag");
        }
    }
}
