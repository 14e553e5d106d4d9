//! The warning ladder: where a member stands (how many counted cases in the window) and the
//! measure that calls for, so the action dialog can say "2nd warning in 30 days: next is a
//! 1-day mute" and the engine can take the step where the group made it automatic.
//!
//! Counted are the member's trusted, done (or still queued) cases of the kinds the ladder
//! counts, decided in the window ending `now`; the steps the ladder took itself (their
//! decision carries [`LADDER_KEY`]) are not counted, so a step never feeds the next one. A step
//! is *due* when the count is exactly its `after`, or at or above the top step's (the top
//! repeats); between steps nothing is due and `next` says what comes.

use serde::Serialize;

use crate::Status;
use crate::action::ActionKind;
use crate::case::CaseView;
use crate::credit::score::subject;
use crate::credit::{Ladder, LadderStep, Sanction};
use crate::time::millis_from_rfc3339;

/// The decision detail of a case the ladder took: the `after` of its step.
pub const LADDER_KEY: &str = "ladder_step";

/// Where a member stands on the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LadderStanding {
    /// Counted cases in the window, the one being decided included (when it counts).
    pub count: u32,
    /// The window, in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub window: u64,
    /// The kinds counted.
    pub counts: Vec<Sanction>,
    /// The step this count calls for, if one.
    pub due: Option<LadderStep>,
    /// The first step above the count, if one.
    pub next: Option<LadderStep>,
    /// Whether the console takes a due step by itself.
    pub automatic: bool,
    /// The counted cases, oldest first.
    pub cases: Vec<String>,
}

/// What the action dialog shows before the admin confirms an action on a member: their
/// credit now, and where the action puts them on the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ActionPreview {
    /// The member's credit now (before the action).
    pub credit: crate::credit::CreditSummary,
    /// Where they stand on the ladder with the action counted (when it counts).
    pub ladder: LadderStanding,
}

/// `user`'s standing on `ladder` as of `now_ms`, from `cases` (any cases: the member's are
/// picked out). `pending`: the action about to be decided (the dialog's), counted when it counts.
pub fn ladder(
    cases: &[CaseView],
    user: &str,
    now_ms: i64,
    ladder: &Ladder,
    pending: Option<&ActionKind>,
) -> LadderStanding {
    let from = now_ms - (ladder.window as i64).saturating_mul(1000);
    let counts = |kind: &ActionKind| Sanction::of(kind).is_some_and(|s| ladder.counts.contains(&s));
    let mut counted: Vec<(i64, &CaseView)> = cases
        .iter()
        .filter(|c| c.trusted && matches!(c.status, Status::Done | Status::Queued) && subject(c) == Some(user))
        .filter(|c| !c.detail.contains_key(LADDER_KEY) && counts(&ActionKind::from(c.action.as_str())))
        .filter_map(|c| Some((millis_from_rfc3339(&c.created_at)?, c)))
        .filter(|(t, _)| *t > from && *t <= now_ms)
        .collect();
    counted.sort_by_key(|(t, _)| *t);
    let count = counted.len() as u32 + u32::from(pending.is_some_and(counts));
    LadderStanding {
        count,
        window: ladder.window,
        counts: ladder.counts.clone(),
        due: due(ladder, count),
        next: ladder.steps.iter().find(|s| s.after > count).copied(),
        automatic: ladder.automatic,
        cases: counted.into_iter().map(|(_, c)| c.case_id.clone()).collect(),
    }
}

/// The step `count` calls for: the one at exactly `count`, or the top one at or above it.
fn due(ladder: &Ladder, count: u32) -> Option<LadderStep> {
    let top = ladder.steps.last()?;
    if count >= top.after {
        return Some(*top);
    }
    ladder.steps.iter().find(|s| s.after == count).copied()
}
