//! Members' credit: a score per member and group, computed from the case log, the clock and
//! the group's policy, with every point explained; and the warning ladder built on the same
//! cases. Pure: the engine hands in the cases and `now`.
//!
//! ## Design
//! - [`credit`](crate::credit::credit) is a pure function of (cases, member, now, policy):
//!   nothing is stored, so a changed policy, an imported case or a moved clock simply gives
//!   the new score. The walk and what counts are in [`crate::credit::score`].
//! - The policy ([`CreditPolicy`](crate::credit::CreditPolicy)) is read and checked in one place
//!   ([`crate::credit::settings`]): an error names the field, and nothing of a bad policy is used.
//! - Levels ([`Level`](crate::credit::Level)) are named like Weibo's 信用历史分 bands and read
//!   like Discourse's trust levels; `docs/credit.md` has the defaults and why.
//! - The ladder ([`ladder`](crate::credit::ladder::ladder)) counts the same cases in a window
//!   and says which measure is due.

/// The warning ladder: where a member stands and the measure due.
pub mod ladder;
/// The named levels.
pub mod level;
/// The credit function and the changes it explains.
pub mod score;
/// The policy: points, recovery, thresholds, the ladder; read with validation.
pub mod settings;

pub use ladder::{ActionPreview, LADDER_KEY, LadderStanding, ladder};
pub use level::Level;
pub use score::{ChangeKind, Credit, CreditChange, CreditSummary, credit};
pub use settings::{
    Band, CreditPolicy, Ladder, LadderStep, Measure, Points, PolicySource, PolicyView, Recovery, RemovePoints,
    Sanction, Thresholds,
};

/// Table tests of the credit function and the ladder.
#[cfg(test)]
mod tests;
