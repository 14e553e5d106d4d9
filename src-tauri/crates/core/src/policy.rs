//! Who may act on whom: the checks made *before* asking the platform, so a refusal is
//! immediate, explained, and recorded as refused.
//!
//! The rules mirror the Matrix authorisation rules the homeserver will apply anyway (kick,
//! ban and power changes need a level strictly above the target's), plus the console's own:
//! a creator who outranks every level cannot be acted on at all.

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
        assert_eq!(check_role_change(&p, "@admin:hs", "@member:hs", 50), Ok(()));
        assert_eq!(check_role_change(&p, "@admin:hs", "@member:hs", 100), Ok(()));
        assert_eq!(check_role_change(&p, "@admin:hs", "@member:hs", 101), Err(Refusal::AboveMyOwnLevel));
        assert_eq!(check_role_change(&p, "@owner:hs", "@admin:hs", 0), Ok(()), "the owner demotes an admin");
        let msg = Refusal::TargetTooPowerful { target_role: Role::Admin }.message("@mod:hs", "@admin:hs");
        assert_eq!(msg, "@admin:hs is admin with power at or above @mod:hs's");
    }
}
