//! Why an action was refused or ended in conflict, as data: the app translates it, while `qg`
//! and the case log keep the English sentence that goes with it ([`crate::action::ActionOutcome::detail`]).

use serde::{Deserialize, Serialize};

use crate::policy::Refusal;
use crate::role::{Capability, Role};

/// The reason behind a `refused` or `conflict` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Why {
    /// My power in the group does not allow this kind of action.
    NotAllowed {
        /// The capability my role lacks.
        capability: Capability,
    },
    /// The member's rank is at or above mine.
    TargetTooPowerful {
        /// The member.
        target: String,
        /// Their role.
        role: Role,
    },
    /// A role change would give the member more power than I have.
    AboveOwnLevel {
        /// The member whose role would change.
        target: String,
    },
    /// Acting on my own account.
    SelfTarget,
    /// I am not (or no longer) in the group.
    NotInGroup,
    /// The member is not (or no longer) in the group.
    NotMember {
        /// The member.
        target: String,
    },
    /// The server does not know the message.
    MessageUnknown,
    /// Someone else removed the message already.
    AlreadyRemoved,
    /// There is no such account on this server (platform staff).
    NoAccount {
        /// The account asked for.
        target: String,
    },
    /// The platform said no; the detail has its words.
    PlatformRefused,
}

impl Refusal {
    /// The same refusal as data, for the app to translate.
    pub fn why(&self, target: &str) -> Why {
        match self {
            Refusal::NotAllowed { capability } => Why::NotAllowed { capability: *capability },
            Refusal::TargetTooPowerful { target_role } => {
                Why::TargetTooPowerful { target: target.to_owned(), role: *target_role }
            }
            Refusal::AboveMyOwnLevel => Why::AboveOwnLevel { target: target.to_owned() },
            Refusal::SelfTarget => Why::SelfTarget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_with_a_code_the_ui_switches_on() {
        let w = Why::TargetTooPowerful { target: "@a:hs".into(), role: Role::Admin };
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            serde_json::json!({"code": "target_too_powerful", "target": "@a:hs", "role": "admin"})
        );
        assert_eq!(serde_json::to_value(Why::AlreadyRemoved).unwrap(), serde_json::json!({"code": "already_removed"}));
        assert_eq!(Refusal::SelfTarget.why("@me:hs"), Why::SelfTarget);
    }
}
