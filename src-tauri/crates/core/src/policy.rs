//! Who may act on whom: the checks made *before* asking the platform, so a refusal is
//! immediate, explained, and recorded as refused.
//!
//! The rules mirror the Matrix authorisation rules the homeserver will apply anyway (kick,
//! ban and power changes need a level strictly above the target's), plus the console's own:
//! a creator who outranks every level cannot be acted on at all, and nobody acts on their own
//! account. [`check_action`](crate::policy::check_action) is the one entry point: the engine asks it before recording a
//! decision and again before carrying out a queued one (the world may have changed).

use crate::action::Action;
use crate::group::GroupState;
use crate::outcome::Why;
use crate::role::{Capability, PowerSnapshot, Rank, Role};

/// Why an action is refused before it reaches the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// My power does not allow this kind of action in this group.
    NotAllowed {
        /// The capability my role lacks.
        capability: Capability,
    },
    /// The target's rank is at or above mine.
    TargetTooPowerful {
        /// The target's role.
        target_role: Role,
    },
    /// A role change would give the target more power than I have.
    AboveMyOwnLevel,
    /// Acting on myself (mute, kick, ban, demote) is refused.
    SelfTarget,
}

impl Refusal {
    /// The refusal in English, naming both sides, as `qg` prints it and the case log keeps it.
    pub fn message(&self, actor: &str, target: &str) -> String {
        match self {
            Refusal::NotAllowed { capability } => {
                format!("{actor} lacks the power to {} in this group", format!("{capability:?}").to_lowercase())
            }
            Refusal::TargetTooPowerful { target_role } => {
                format!("{target} is {} with power at or above {actor}'s", target_role.as_str())
            }
            Refusal::AboveMyOwnLevel => format!("{actor} cannot give {target} more power than {actor} has"),
            Refusal::SelfTarget => format!("{actor} cannot take this action on their own account"),
        }
    }
}

/// A refusal and whom it is about (the member acted on, or the group's ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// What is refused.
    pub refusal: Refusal,
    /// The member acted on, or the group's ID for a group-wide refusal.
    pub target: String,
}

impl Denied {
    /// The English sentence for the case log and `qg`.
    pub fn message(&self, actor: &str) -> String {
        self.refusal.message(actor, &self.target)
    }

    /// The same refusal as data, for the app to translate.
    pub fn why(&self) -> Why {
        self.refusal.why(&self.target)
    }
}

/// The capability an action on a member needs (`None` for the actions that are not on one).
pub fn member_capability(action: &Action) -> Option<Capability> {
    Some(match action {
        Action::Mute { .. } | Action::Unmute { .. } => Capability::Mute,
        Action::Kick { .. } => Capability::Kick,
        Action::Ban { .. } | Action::Unban { .. } => Capability::Ban,
        Action::Role { .. } => Capability::Role,
        _ => return None,
    })
}

/// The level a role is given in this group; `None` means the group's default (a plain member).
pub fn role_level(power: &PowerSnapshot, role: Role) -> Option<i64> {
    match role {
        Role::Owner | Role::Admin => Some(power.levels.admin_level()),
        Role::Moderator => Some(power.levels.moderator_level()),
        Role::Member => None,
    }
}

/// Whether `actor` may take `action` in the group as it is now. Actions that are not about the
/// group's members or messages (reports, blocklist, platform staff) pass: the platform decides.
pub fn check_action(state: &GroupState, actor: &str, action: &Action) -> Result<(), Denied> {
    let p = &state.power;
    fn on(target: &str) -> impl Fn(Refusal) -> Denied + '_ {
        move |refusal| Denied { refusal, target: target.to_owned() }
    }
    let need = |capability: Capability| {
        if p.capabilities(actor).contains(&capability) {
            Ok(())
        } else {
            Err(Denied { refusal: Refusal::NotAllowed { capability }, target: state.id.clone() })
        }
    };
    match action {
        Action::Role { user, role } => {
            let level = role_level(p, *role).unwrap_or(p.levels.users_default);
            check_role_change(p, actor, user, level).map_err(on(user))
        }
        // The banned member is not in the group: no rank to compare, only the power to ban.
        Action::Unban { user } => {
            need(Capability::Ban).and_then(|()| if actor == user { Err(on(user)(Refusal::SelfTarget)) } else { Ok(()) })
        }
        a => match (member_capability(a), a.target_user()) {
            (Some(capability), Some(user)) => check_on_member(p, actor, user, capability).map_err(on(user)),
            _ => match a {
                Action::Lock | Action::Unlock => need(Capability::Lock),
                // Personal data is for those who could remove the message that shows it.
                // Dismissing what members reported is for those who could have removed it.
                Action::Remove { .. } | Action::Reveal { .. } | Action::Dismiss { .. } => need(Capability::Remove),
                Action::Warn { .. } => need(Capability::Warn),
                _ => Ok(()),
            },
        },
    }
}

/// A level a reversal restores (`previous`, as recorded before my mute or lock), kept below my
/// own level now: a reversal never makes anyone my equal, whatever the record says.
pub fn restored_level(power: &PowerSnapshot, me: &str, previous: Option<&str>) -> Option<i64> {
    let level = previous?.trim().parse::<i64>().ok()?;
    Some(match power.power(me) {
        Some(mine) => level.min(mine - 1),
        None => level, // A creator who outranks every level.
    })
}

/// Checks an action by `actor` on member `target` (mute, unmute, kick, ban, unban, role).
pub fn check_on_member(
    power: &PowerSnapshot,
    actor: &str,
    target: &str,
    capability: Capability,
) -> Result<(), Refusal> {
    if actor == target {
        return Err(Refusal::SelfTarget);
    }
    if !power.capabilities(actor).contains(&capability) {
        return Err(Refusal::NotAllowed { capability });
    }
    let (mine, theirs) = (power.rank(actor), power.rank(target));
    if theirs == Rank::Creator || theirs >= mine {
        return Err(Refusal::TargetTooPowerful { target_role: power.role(target) });
    }
    Ok(())
}

/// Checks a role change: the member check, and the new level may not exceed my own.
pub fn check_role_change(power: &PowerSnapshot, actor: &str, target: &str, new_level: i64) -> Result<(), Refusal> {
    check_on_member(power, actor, target, Capability::Role)?;
    match power.rank(actor) {
        Rank::Level(mine) if new_level > mine => Err(Refusal::AboveMyOwnLevel),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::PowerLevels;

    fn power() -> PowerSnapshot {
        PowerSnapshot {
            creators: vec!["@owner:hs".into()],
            creators_outrank: true,
            levels: PowerLevels {
                users: [("@admin:hs", 100), ("@admin2:hs", 100), ("@mod:hs", 50), ("@member:hs", 0)]
                    .map(|(u, l)| (u.to_string(), l))
                    .into(),
                events: [("m.room.power_levels".to_string(), 100)].into(),
                ..PowerLevels::default()
            },
        }
    }

    #[test]
    fn who_may_act_on_whom() {
        use Capability::{Ban, Kick, Mute};
        let p = power();
        let table: &[(&str, &str, Capability, Result<(), Refusal>)] = &[
            ("@owner:hs", "@admin:hs", Ban, Ok(())),
            ("@admin:hs", "@mod:hs", Mute, Ok(())),
            ("@admin:hs", "@member:hs", Kick, Ok(())),
            ("@mod:hs", "@member:hs", Kick, Ok(())),
            // A moderator muting anyone: muting edits power levels, which needs admin.
            ("@mod:hs", "@member:hs", Mute, Err(Refusal::NotAllowed { capability: Mute })),
            ("@mod:hs", "@admin:hs", Kick, Err(Refusal::TargetTooPowerful { target_role: Role::Admin })),
            ("@admin:hs", "@admin2:hs", Ban, Err(Refusal::TargetTooPowerful { target_role: Role::Admin })),
            ("@admin:hs", "@owner:hs", Kick, Err(Refusal::TargetTooPowerful { target_role: Role::Owner })),
            ("@member:hs", "@mod:hs", Ban, Err(Refusal::NotAllowed { capability: Ban })),
            ("@admin:hs", "@admin:hs", Mute, Err(Refusal::SelfTarget)),
        ];
        for (actor, target, cap, want) in table {
            assert_eq!(&check_on_member(&p, actor, target, *cap), want, "{actor} {cap:?} {target}");
        }
    }

    #[test]
    fn role_changes_stay_at_or_below_my_level() {
        let p = power();
        assert_eq!(
            check_role_change(&p, "@admin:hs", "@member:hs", 50),
            Ok(()),
            "a role below my level should be allowed"
        );
        assert_eq!(
            check_role_change(&p, "@admin:hs", "@member:hs", 100),
            Ok(()),
            "a role at my level should be allowed"
        );
        assert_eq!(
            check_role_change(&p, "@admin:hs", "@member:hs", 101),
            Err(Refusal::AboveMyOwnLevel),
            "a role above my level should be refused"
        );
        assert_eq!(check_role_change(&p, "@owner:hs", "@admin:hs", 0), Ok(()), "the owner demotes an admin");
        let msg = Refusal::TargetTooPowerful { target_role: Role::Admin }.message("@mod:hs", "@admin:hs");
        assert_eq!(msg, "@admin:hs is admin with power at or above @mod:hs's");
    }

    fn group(creators_outrank: bool) -> GroupState {
        GroupState {
            id: "!g:hs".into(),
            name: None,
            alias: None,
            joined_members: 5,
            encrypted: false,
            is_direct: false,
            console_room: false,
            power: PowerSnapshot { creators_outrank, ..power() },
            report_words: None,
            rules: None,
            joined_managers: Vec::new(),
            credit_policy: None,
        }
    }

    /// Every action kind, by each rank, on each rank: the one table of who may do what to whom.
    #[test]
    fn who_may_take_which_action_on_whom() {
        use Capability::{Ban, Lock, Mute, Remove, Role as RoleCap};
        let s = group(true);
        let user = |u: &str| u.to_string();
        let ev = || "$e:hs".to_string();
        let not_allowed = |capability| Err(Refusal::NotAllowed { capability });
        let too_powerful = |target_role| Err(Refusal::TargetTooPowerful { target_role });
        let table: Vec<(&str, Action, Result<(), Refusal>)> = vec![
            // Warnings: anyone who may post may warn; the target's rank does not matter.
            ("@member:hs", Action::Warn { user: user("@admin:hs") }, Ok(())),
            ("@mod:hs", Action::Mute { user: user("@member:hs"), seconds: 60 }, not_allowed(Mute)),
            ("@admin:hs", Action::Mute { user: user("@member:hs"), seconds: 60 }, Ok(())),
            ("@admin:hs", Action::Unmute { user: user("@admin2:hs") }, too_powerful(Role::Admin)),
            ("@mod:hs", Action::Remove { event_id: ev() }, Ok(())),
            ("@member:hs", Action::Remove { event_id: ev() }, not_allowed(Remove)),
            // Revealing personal data needs the power to remove the message that shows it.
            ("@member:hs", Action::Reveal { event_id: ev() }, not_allowed(Remove)),
            ("@mod:hs", Action::Reveal { event_id: ev() }, Ok(())),
            // Dismissing a flagged message: for those who could have removed it.
            ("@member:hs", Action::Dismiss { event_id: ev() }, not_allowed(Remove)),
            ("@mod:hs", Action::Dismiss { event_id: ev() }, Ok(())),
            ("@mod:hs", Action::Kick { user: user("@member:hs") }, Ok(())),
            ("@mod:hs", Action::Ban { user: user("@mod:hs"), seconds: None }, Err(Refusal::SelfTarget)),
            ("@owner:hs", Action::Ban { user: user("@admin:hs"), seconds: None }, Ok(())),
            ("@admin:hs", Action::Kick { user: user("@owner:hs") }, too_powerful(Role::Owner)),
            // An unban has no rank to compare (the member is out), only the power to ban.
            ("@mod:hs", Action::Unban { user: user("@admin:hs") }, Ok(())),
            ("@member:hs", Action::Unban { user: user("@nobody:hs") }, not_allowed(Ban)),
            ("@mod:hs", Action::Unban { user: user("@mod:hs") }, Err(Refusal::SelfTarget)),
            ("@member:hs", Action::Unban { user: user("@member:hs") }, not_allowed(Ban)),
            ("@mod:hs", Action::Lock, not_allowed(Lock)),
            ("@admin:hs", Action::Unlock, Ok(())),
            ("@admin:hs", Action::Role { user: user("@member:hs"), role: Role::Moderator }, Ok(())),
            ("@admin:hs", Action::Role { user: user("@member:hs"), role: Role::Admin }, Ok(())),
            ("@mod:hs", Action::Role { user: user("@member:hs"), role: Role::Moderator }, not_allowed(RoleCap)),
            ("@owner:hs", Action::Role { user: user("@admin:hs"), role: Role::Member }, Ok(())),
            // Reports go to the platform, which decides: any member may report.
            ("@member:hs", Action::ReportMessage { event_id: ev() }, Ok(())),
            ("@member:hs", Action::ReportMember { user: user("@owner:hs") }, Ok(())),
            ("@member:hs", Action::ReportGroup, Ok(())),
        ];
        for (actor, action, want) in table {
            let got = check_action(&s, actor, &action).map_err(|d| d.refusal);
            assert_eq!(got, want, "{actor} taking {action:?}");
        }
    }

    #[test]
    fn a_refusal_names_the_member_or_else_the_group() {
        let s = group(true);
        let d = check_action(&s, "@mod:hs", &Action::Kick { user: "@admin:hs".into() }).unwrap_err();
        assert_eq!(d.target, "@admin:hs");
        assert_eq!(d.message("@mod:hs"), "@admin:hs is admin with power at or above @mod:hs's");
        let d = check_action(&s, "@mod:hs", &Action::Lock).unwrap_err();
        assert_eq!(d.target, "!g:hs", "a group-wide refusal is about the group");
        assert_eq!(d.why(), Why::NotAllowed { capability: Capability::Lock });
    }

    #[test]
    fn a_restored_level_stays_below_my_own() {
        let mut p = power();
        p.levels.users.insert("@me:hs".into(), 50);
        assert_eq!(restored_level(&p, "@me:hs", Some("100")), Some(49), "never up to my own level or past it");
        assert_eq!(restored_level(&p, "@me:hs", Some("20")), Some(20), "a lower level comes back as it was");
        assert_eq!(restored_level(&p, "@owner:hs", Some("100")), Some(100), "an outranking creator has no cap");
        assert_eq!(restored_level(&p, "@me:hs", Some("creator")), None, "not a level: the default");
        assert_eq!(restored_level(&p, "@me:hs", None), None, "no recorded level should restore the default");
    }

    #[test]
    fn roles_map_to_the_groups_own_levels() {
        let p = power();
        assert_eq!(
            role_level(&p, Role::Admin),
            Some(p.levels.admin_level()),
            "an admin should get the group's admin level"
        );
        assert_eq!(role_level(&p, Role::Owner), Some(p.levels.admin_level()), "ownership is not given by level");
        assert_eq!(
            role_level(&p, Role::Moderator),
            Some(p.levels.moderator_level()),
            "a moderator should get the group's moderator level"
        );
        assert_eq!(role_level(&p, Role::Member), None, "a member is the group's default");
    }
}
