//! The credit function: a member's score as of `now`, from the case log and a policy, with
//! every change that made it.
//!
//! The walk goes through the member's cases oldest first:
//! - a sanction (warn, mute, remove, kick, ban, suspend) takes its points, never below the
//!   floor, and starts the clean time again;
//! - a reversal by hand (`unmute`, `unban`, `staff_unsuspend` with no `ends_case`) gives back
//!   what the latest sanction it lifts took, never above the start; a timed measure that ran
//!   out (a reversal naming the case it ends) gives nothing back, since it was served;
//! - clean time gives back `recovery.points` per `recovery.every` since the latest sanction,
//!   never above the start; each run of recovery is its own change, dated at its last step.
//!
//! Only cases that took effect count (status `done`), and only trusted ones (mine, or a
//! manager's); an untrusted record never lowers credit, nor raises it. Cases after `now` are
//! not yet (the injected clock may be in the past).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Status;
use crate::action::ActionKind;
use crate::case::CaseView;
use crate::credit::{Band, CreditPolicy, Level, Sanction};
use crate::duration::format_duration;
use crate::time::{millis_from_rfc3339, rfc3339_from_millis};

/// The decision detail naming the sender of a removed message (a removal's target is the message).
pub const SENDER_KEY: &str = "sender";
/// The decision detail naming the category of a removed message (its queue item's, when it had one).
pub const CATEGORY_KEY: &str = "category";
/// The decision detail of a timed measure: when it ends (RFC 3339).
pub const UNTIL_KEY: &str = "until";
/// The decision detail of a reversal that ends a timed measure: the case it ends.
pub const ENDS_KEY: &str = "ends_case";

/// What kind of change an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A sanction took points.
    Sanction,
    /// A reversal gave back what a sanction took.
    Reversal,
    /// Clean time gave points back.
    Recovery,
}

/// One change of a member's score, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CreditChange {
    /// When (RFC 3339): the case's time, or a recovery's last step.
    pub at: String,
    /// The points it changed, as applied (the floor and the start cap it).
    pub delta: i32,
    /// The score after it.
    pub score: u32,
    /// A sanction, a reversal or recovery.
    pub kind: ChangeKind,
    /// The case behind it (`null` for recovery).
    pub case_id: Option<String>,
    /// The case's action (`warn`, `unmute`, …; `null` for recovery).
    pub action: Option<String>,
    /// The policy rule that set the points: the policy field (`points.warn`,
    /// `points.mute.up_to_1d`, `points.remove.fraud`), `reversal` or `recovery`.
    pub rule: String,
    /// The group rule the case cited, if any.
    pub case_rule: Option<String>,
    /// The group the case is in (`null` for recovery).
    pub group: Option<String>,
    /// For a reversal: the case whose points it gave back.
    pub reverses: Option<String>,
    /// For recovery: how many clean periods it counts.
    pub steps: Option<u32>,
}

/// A member's credit: the score, its level, and every change that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Credit {
    /// The member.
    pub user_id: String,
    /// The group (room ID); `null` across all my groups.
    pub group: Option<String>,
    /// The score now.
    pub score: u32,
    /// Its level.
    pub level: Level,
    /// Where every member starts (the most there is).
    pub start: u32,
    /// Every change, oldest first.
    pub changes: Vec<CreditChange>,
    /// Where the member stands on the group's warning ladder (one group's credit only).
    pub ladder: Option<crate::credit::LadderStanding>,
}

/// The score and level alone, as `qg members --json` and the member list show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CreditSummary {
    /// The score now.
    pub score: u32,
    /// Its level.
    pub level: Level,
}

impl Credit {
    /// The score and level alone.
    pub fn summary(&self) -> CreditSummary {
        CreditSummary { score: self.score, level: self.level }
    }
}

/// The member a case is about: its target for actions on a member, the removed message's
/// sender (its `sender` detail) for a removal.
pub fn subject(case: &CaseView) -> Option<&str> {
    match ActionKind::from(case.action.as_str()) {
        ActionKind::Remove => case.detail.get(SENDER_KEY).map(String::as_str),
        kind if Sanction::of(&kind).is_some() || Sanction::reversed_by(&kind).is_some() => case.target.as_deref(),
        _ => None,
    }
}

/// The time of a case, in Unix ms.
fn time_of(case: &CaseView) -> Option<i64> {
    millis_from_rfc3339(&case.created_at)
}

/// A timed measure's length in seconds (`until` − decided), `None` for an untimed one.
fn length(case: &CaseView) -> Option<u64> {
    let until = case.detail.get(UNTIL_KEY).and_then(|u| millis_from_rfc3339(u))?;
    Some(((until - time_of(case)?).max(0) / 1000) as u64)
}

/// The band covering `seconds` (untimed: the last), and the rule naming it.
fn band(bands: &[Band], seconds: Option<u64>, name: &str) -> (u32, String) {
    let pick =
        bands.iter().find(|b| matches!((b.up_to, seconds), (Some(up_to), Some(s)) if s <= up_to)).or(bands.last());
    match pick {
        Some(Band { up_to: Some(u), points }) => (*points, format!("points.{name}.up_to_{}", format_duration(*u))),
        Some(Band { up_to: None, points }) if bands.len() > 1 => (*points, format!("points.{name}.longer")),
        Some(Band { points, .. }) => (*points, format!("points.{name}")),
        None => (0, format!("points.{name}")),
    }
}

impl CreditPolicy {
    /// What a sanction case takes under this policy, and the rule that says so.
    pub fn cost(&self, sanction: Sanction, case: &CaseView) -> (u32, String) {
        let p = &self.points;
        match sanction {
            Sanction::Warn => (p.warn, "points.warn".into()),
            Sanction::Mute => band(&p.mute, length(case), "mute"),
            Sanction::Remove => {
                match case.detail.get(CATEGORY_KEY).and_then(|c| Some((c, p.remove.categories.get(c)?))) {
                    Some((category, points)) => (*points, format!("points.remove.{category}")),
                    None => (p.remove.default, "points.remove.default".into()),
                }
            }
            Sanction::Kick => (p.kick, "points.kick".into()),
            Sanction::Ban => band(&p.ban, length(case), "ban"),
            Sanction::Suspend => (p.suspend, "points.suspend".into()),
        }
    }
}

/// A sanction that took points, until a reversal or its end.
struct Taken {
    case_id: String,
    group: String,
    sanction: Sanction,
    points: u32,
    open: bool,
}

/// The walk's running state.
struct Walk<'a> {
    policy: &'a CreditPolicy,
    score: u32,
    /// The latest sanction's time: clean time counts from here.
    clean_since: Option<i64>,
    /// Recovery periods since then already counted.
    steps_done: u64,
    changes: Vec<CreditChange>,
}

impl Walk<'_> {
    /// Counts the clean periods completed by `t`.
    fn recover_until(&mut self, t: i64) {
        let r = &self.policy.recovery;
        let Some(since) = self.clean_since else { return };
        let every_ms = (r.every as i64).saturating_mul(1000).max(1);
        let total = ((t - since).max(0) / every_ms) as u64;
        let new = total.saturating_sub(self.steps_done);
        self.steps_done = total;
        if new == 0 || r.points == 0 || self.score >= self.policy.start {
            return;
        }
        let gain = (new.saturating_mul(u64::from(r.points))).min(u64::from(self.policy.start - self.score)) as u32;
        // The step that reached the cap, or the last one counted.
        let used = u64::from(gain.div_ceil(r.points));
        let at = since + (total - new + used) as i64 * every_ms;
        self.score += gain;
        self.changes.push(CreditChange {
            at: rfc3339_from_millis(at),
            delta: gain as i32,
            score: self.score,
            kind: crate::credit::ChangeKind::Recovery,
            case_id: None,
            action: None,
            rule: "recovery".into(),
            case_rule: None,
            group: None,
            reverses: None,
            steps: Some(used as u32),
        });
    }

    fn push(&mut self, case: &CaseView, kind: ChangeKind, delta: i32, rule: String, reverses: Option<String>) {
        self.changes.push(CreditChange {
            at: case.created_at.clone(),
            delta,
            score: self.score,
            kind,
            case_id: Some(case.case_id.clone()),
            action: Some(case.action.clone()),
            rule,
            case_rule: case.rule.clone(),
            group: Some(case.group.clone()),
            reverses,
            steps: None,
        });
    }
}

/// `user`'s credit as of `now_ms` under `policy`, from `cases` (any cases: the member's are
/// picked out, see [`subject`]). `group` is what the result says it covers.
pub fn credit(cases: &[CaseView], user: &str, group: Option<&str>, now_ms: i64, policy: &CreditPolicy) -> Credit {
    let mut mine: Vec<(i64, &CaseView)> = cases
        .iter()
        .filter(|c| c.trusted && c.status == Status::Done && subject(c) == Some(user))
        .filter_map(|c| Some((time_of(c)?, c)))
        .filter(|(t, _)| *t <= now_ms)
        .collect();
    mine.sort_by_key(|(t, _)| *t);

    let mut walk = Walk { policy, score: policy.start, clean_since: None, steps_done: 0, changes: Vec::new() };
    let mut taken: Vec<Taken> = Vec::new();
    for (t, case) in mine {
        walk.recover_until(t);
        let kind = ActionKind::from(case.action.as_str());
        if let Some(sanction) = Sanction::of(&kind) {
            let (points, rule) = policy.cost(sanction, case);
            let applied = points.min(walk.score - policy.floor.min(walk.score));
            walk.score -= applied;
            walk.clean_since = Some(t);
            walk.steps_done = 0;
            taken.push(Taken {
                case_id: case.case_id.clone(),
                group: case.group.clone(),
                sanction,
                points: applied,
                open: true,
            });
            walk.push(case, ChangeKind::Sanction, -(applied as i32), rule, None);
        } else if let Some(lifted) = Sanction::reversed_by(&kind) {
            // A timed end names its case: served, so nothing comes back, and it is closed.
            if let Some(ends) = case.detail.get(ENDS_KEY) {
                if let Some(s) = taken.iter_mut().find(|s| &s.case_id == ends) {
                    s.open = false;
                }
                continue;
            }
            let Some(s) = taken.iter_mut().rev().find(|s| s.open && s.sanction == lifted && s.group == case.group)
            else {
                continue;
            };
            s.open = false;
            let back = s.points.min(policy.start - walk.score.min(policy.start));
            walk.score += back;
            let of = s.case_id.clone();
            walk.push(case, ChangeKind::Reversal, back as i32, "reversal".into(), Some(of));
        }
    }
    walk.recover_until(now_ms);
    Credit {
        user_id: user.to_owned(),
        group: group.map(str::to_owned),
        score: walk.score,
        level: policy.level(walk.score),
        start: policy.start,
        changes: walk.changes,
        ladder: None,
    }
}

/// Every member's summary at once (the member list): one pass over the cases per member
/// who has any.
pub fn summaries(cases: &[CaseView], now_ms: i64, policy: &CreditPolicy) -> BTreeMap<String, CreditSummary> {
    let mut users: Vec<&str> = cases.iter().filter_map(subject).collect();
    users.sort_unstable();
    users.dedup();
    users.into_iter().map(|u| (u.to_owned(), credit(cases, u, None, now_ms, policy).summary())).collect()
}

/// A member with no case: the start, and its level.
pub fn clean(policy: &CreditPolicy) -> CreditSummary {
    CreditSummary { score: policy.start, level: policy.level(policy.start) }
}
