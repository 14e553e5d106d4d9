//! What each manager of a group did there (谁管理谁负责): their record, as the owner reads it.
//!
//! ## Design
//! - A pure function ([`records`](crate::admin_record::records)) of the group's case log (mine
//!   and the trusted shared records: an untrusted record never counts against or for anyone),
//!   its queue items and the clock, so every number is a row of a table test.
//! - **actions**: decisions by kind that were not refused, dismissals apart.
//! - **reversed**: their mutes, bans and locks that a later decision undid (an unmute, unban or
//!   unlock of the same member, by anyone); a timed mute that simply ran out is no reversal.
//! - **dismissals**: queue items closed without acting.
//! - **median decision time**: from an item entering the queue to their case deciding it.
//! - **left waiting**: items they claimed whose claim ran out without their deciding them, and
//!   items they hold that are open past the tier's limit.
//! - **refused**: decisions whose outcome was refused (beyond their power or reach).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::action::ActionKind;
use crate::case::{CaseView, ENDS_CASE, ITEM_KEY};
use crate::queue::ItemState;
use crate::role::Role;
use crate::status::Status;
use crate::time::millis_from_rfc3339;

/// One manager's record in one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AdminRecord {
    /// The manager.
    pub user_id: String,
    /// Their role in the group now (`member` for someone who managed it once and no longer does).
    pub role: Role,
    /// Decisions that were not refused, by action kind (`warn`, `mute`, …), dismissals apart.
    pub actions: BTreeMap<String, u32>,
    /// Their mutes, bans and locks that a later decision undid.
    pub reversed: u32,
    /// Queue items they closed without acting.
    pub dismissals: u32,
    /// Queue items they decided (acted on or dismissed).
    pub decided_items: u32,
    /// The median time from an item entering the queue to their decision, in seconds.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub median_decision_seconds: Option<u64>,
    /// Items they claimed and let run out, or hold open past the tier's limit.
    pub left_waiting: u32,
    /// Decisions whose outcome was refused.
    pub refused: u32,
    /// Their latest decision (RFC 3339), if any.
    pub last_decision_at: Option<String>,
}

/// A queue item as the record needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFact {
    /// The item's ID.
    pub id: String,
    /// When it first needed a look (Unix ms): the flagged message's time, or its first report.
    pub since_ms: i64,
    /// Open, dismissed or actioned.
    pub state: ItemState,
    /// The case that closed it.
    pub case_id: Option<String>,
    /// The latest claim on it: (holder, until, Unix ms), run out or not.
    pub claim: Option<(String, i64)>,
}

/// Mutes, bans and locks, and the decisions that undo them.
fn undoes(kind: &ActionKind) -> Option<ActionKind> {
    match kind {
        ActionKind::Unmute => Some(ActionKind::Mute),
        ActionKind::Unban => Some(ActionKind::Ban),
        ActionKind::Unlock => Some(ActionKind::Lock),
        _ => None,
    }
}

fn median(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// Every manager's record in one group: `managers` (user, role now) first in their order, then
/// anyone else who decided a trusted case there. `cases` are the group's, oldest first;
/// `max_item_age_ms` is the tier's limit for an open item.
pub fn records(
    managers: &[(String, Role)],
    cases: &[CaseView],
    items: &[ItemFact],
    max_item_age_ms: i64,
    now_ms: i64,
) -> Vec<AdminRecord> {
    let cases: Vec<&CaseView> = cases.iter().filter(|c| c.trusted).collect();
    let mut order: Vec<(String, Role)> = managers.to_vec();
    for c in &cases {
        if !order.iter().any(|(u, _)| *u == c.actor) {
            order.push((c.actor.clone(), Role::Member));
        }
    }
    let mut out: Vec<AdminRecord> = order
        .into_iter()
        .map(|(user_id, role)| AdminRecord {
            user_id,
            role,
            actions: BTreeMap::new(),
            reversed: 0,
            dismissals: 0,
            decided_items: 0,
            median_decision_seconds: None,
            left_waiting: 0,
            refused: 0,
            last_decision_at: None,
        })
        .collect();
    let at: HashMap<String, usize> = out.iter().enumerate().map(|(i, r)| (r.user_id.clone(), i)).collect();
    let by_id: HashMap<&str, &CaseView> = cases.iter().map(|c| (c.case_id.as_str(), *c)).collect();

    // Counts, and which mutes/bans/locks were undone (each once, by the first decision after it).
    let mut undone: BTreeSet<&str> = BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        let r = &mut out[at[&c.actor]];
        r.last_decision_at = Some(c.created_at.clone());
        let kind = ActionKind::from(c.action.as_str());
        if c.status == Status::Refused {
            r.refused += 1;
            continue;
        }
        if kind == ActionKind::Dismiss {
            r.dismissals += 1;
        } else {
            *r.actions.entry(kind.as_str().to_owned()).or_default() += 1;
        }
        let Some(original) = undoes(&kind).filter(|_| !c.detail.contains_key(ENDS_CASE)) else { continue };
        let undid = cases[..i].iter().rev().find(|o| {
            original == o.action.as_str()
                && o.target == c.target
                && o.status == Status::Done
                && !undone.contains(o.case_id.as_str())
        });
        if let Some(o) = undid {
            undone.insert(o.case_id.as_str());
            out[at[&o.actor]].reversed += 1;
        }
    }

    // Items: who decided each and how fast; who let one wait.
    let mut times: Vec<Vec<u64>> = vec![Vec::new(); out.len()];
    for item in items {
        let decided = item
            .case_id
            .as_deref()
            .and_then(|id| by_id.get(id).copied())
            .or_else(|| cases.iter().copied().find(|c| c.detail.get(ITEM_KEY) == Some(&item.id)))
            .filter(|c| c.status != Status::Refused);
        if let Some(c) = decided {
            let i = at[&c.actor];
            out[i].decided_items += 1;
            if let Some(t) = millis_from_rfc3339(&c.created_at) {
                times[i].push(u64::try_from((t - item.since_ms) / 1000).unwrap_or(0));
            }
        }
        let Some((holder, until)) = &item.claim else { continue };
        let Some(&i) = at.get(holder) else { continue };
        let ran_out = *until <= now_ms && decided.is_none_or(|c| &c.actor != holder);
        let held_too_long =
            *until > now_ms && item.state == ItemState::Open && now_ms - item.since_ms > max_item_age_ms;
        if ran_out || held_too_long {
            out[i].left_waiting += 1;
        }
    }
    for (r, t) in out.iter_mut().zip(times) {
        r.median_decision_seconds = median(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::rfc3339_from_millis as at;

    const NOW: i64 = 1_800_000_000_000;
    const MIN: i64 = 60_000;

    fn case(id: &str, actor: &str, action: &str, target: &str, at_ms: i64, status: Status) -> CaseView {
        CaseView { status, ..CaseView::decided(id, actor, action, target, at_ms) }
    }

    fn item(id: &str, created: i64, state: ItemState, case: Option<&str>, claim: Option<(&str, i64)>) -> ItemFact {
        ItemFact {
            id: id.into(),
            since_ms: created,
            state,
            case_id: case.map(str::to_owned),
            claim: claim.map(|(h, u)| (h.to_owned(), u)),
        }
    }

    const A: &str = "@a:hs";
    const B: &str = "@b:hs";

    fn managers() -> Vec<(String, Role)> {
        vec![("@owner:hs".into(), Role::Owner), (A.into(), Role::Admin), (B.into(), Role::Moderator)]
    }

    fn one(records: &[AdminRecord], user: &str) -> AdminRecord {
        records.iter().find(|r| r.user_id == user).cloned().unwrap_or_else(|| panic!("no record of {user}"))
    }

    #[test]
    fn actions_dismissals_and_refusals_are_counted_per_manager() {
        let cases = [
            case("1", A, "warn", "@u:hs", NOW - 50 * MIN, Status::Done),
            case("2", A, "warn", "@v:hs", NOW - 40 * MIN, Status::Queued),
            case("3", A, "dismiss", "$e", NOW - 30 * MIN, Status::Done),
            case("4", B, "ban", "@owner:hs", NOW - 20 * MIN, Status::Refused),
            case("5", B, "mute", "@u:hs", NOW - 10 * MIN, Status::Done),
            CaseView { trusted: false, ..case("6", B, "kick", "@u:hs", NOW, Status::Done) },
        ];
        let r = records(&managers(), &cases, &[], 72 * 60 * MIN, NOW);
        assert_eq!(r.iter().map(|r| r.user_id.as_str()).collect::<Vec<_>>(), ["@owner:hs", A, B], "managers in order");
        let a = one(&r, A);
        assert_eq!((a.actions.get("warn"), a.actions.len()), (Some(&2), 1), "two warnings, the dismissal apart");
        assert_eq!((a.dismissals, a.refused), (1, 0));
        assert_eq!(a.last_decision_at, Some(at(NOW - 30 * MIN)));
        let b = one(&r, B);
        assert_eq!(
            (b.refused, b.actions.get("mute"), b.actions.get("ban")),
            (1, Some(&1), None),
            "a refusal is no ban"
        );
        assert_eq!(b.actions.get("kick"), None, "an untrusted record never counts");
        let owner = one(&r, "@owner:hs");
        assert_eq!((owner.actions.len(), owner.last_decision_at.as_deref()), (0, None), "a manager who did nothing");
    }

    #[test]
    fn an_undone_mute_or_ban_is_a_reversal_of_its_author_and_a_timed_end_is_not() {
        let mut timed_end = case("4", A, "unmute", "@w:hs", NOW - 5 * MIN, Status::Done);
        timed_end.detail.insert(ENDS_CASE.into(), "3".into());
        let cases = [
            case("1", B, "mute", "@u:hs", NOW - 50 * MIN, Status::Done),
            case("2", A, "ban", "@v:hs", NOW - 40 * MIN, Status::Done),
            case("3", A, "mute", "@w:hs", NOW - 30 * MIN, Status::Done),
            timed_end,
            // The owner undoes B's mute; A undoes their own ban; a second unban finds nothing left to undo.
            case("5", "@owner:hs", "unmute", "@u:hs", NOW - 4 * MIN, Status::Done),
            case("6", A, "unban", "@v:hs", NOW - 3 * MIN, Status::Done),
            case("7", B, "unban", "@v:hs", NOW - 2 * MIN, Status::Done),
            // A refused mute cannot be undone.
            case("8", B, "mute", "@x:hs", NOW - 2 * MIN, Status::Refused),
            case("9", A, "unmute", "@x:hs", NOW - MIN, Status::Done),
        ];
        let r = records(&managers(), &cases, &[], 72 * 60 * MIN, NOW);
        assert_eq!(one(&r, B).reversed, 1, "B's mute was undone by the owner");
        assert_eq!(one(&r, A).reversed, 1, "A's ban, undone by A; A's timed mute just ran out");
        assert_eq!(one(&r, "@owner:hs").reversed, 0);
    }

    #[test]
    fn items_give_the_median_decision_time_and_who_left_them_waiting() {
        let mut on_item = case("2", A, "mute", "@u:hs", NOW - 60 * MIN, Status::Done);
        on_item.detail.insert(ITEM_KEY.into(), "i2".into());
        let cases = [
            case("1", A, "dismiss", "$e1", NOW - 90 * MIN, Status::Done),
            on_item,
            case("3", A, "remove", "$e3", NOW - 10 * MIN, Status::Done),
            case("4", B, "remove", "$e4", NOW - 5 * MIN, Status::Done),
        ];
        let limit = 12 * 60 * MIN;
        let items = [
            // A decided three: after 10, 30 and 50 minutes (one named by the case, two by the item).
            item("i1", NOW - 100 * MIN, ItemState::Dismissed, Some("1"), None),
            item("i2", NOW - 90 * MIN, ItemState::Actioned, None, None),
            item("i3", NOW - 60 * MIN, ItemState::Actioned, Some("3"), None),
            // B claimed i4, let the claim run out, and A... no: B removed it after all (not left waiting).
            item("i4", NOW - 30 * MIN, ItemState::Actioned, Some("4"), Some((B, NOW - 20 * MIN))),
            // B's claim on i5 ran out and the item is still open: left waiting.
            item("i5", NOW - 30 * MIN, ItemState::Open, None, Some((B, NOW - MIN))),
            // A holds i6, open for 13 hours (past a 12-hour limit); A's claim on i7 still holds, and it is young.
            item("i6", NOW - 13 * 60 * MIN, ItemState::Open, None, Some((A, NOW + 10 * MIN))),
            item("i7", NOW - 60 * MIN, ItemState::Open, None, Some((A, NOW + 10 * MIN))),
        ];
        let r = records(&managers(), &cases, &items, limit, NOW);
        let a = one(&r, A);
        assert_eq!((a.decided_items, a.median_decision_seconds), (3, Some(30 * 60)), "10, 30, 50 minutes");
        assert_eq!(a.left_waiting, 1, "i6 is held past the limit");
        let b = one(&r, B);
        assert_eq!((b.decided_items, b.median_decision_seconds), (1, Some(25 * 60)));
        assert_eq!(b.left_waiting, 1, "i5's claim ran out; i4 B decided in the end");
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2), "an even count: the mean of the middle two, rounded down");
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn someone_who_decided_cases_but_manages_no_more_is_listed_as_a_member() {
        let cases = [case("1", "@former:hs", "kick", "@u:hs", NOW - MIN, Status::Done)];
        let r = records(&managers(), &cases, &[], 72 * 60 * MIN, NOW);
        let former = one(&r, "@former:hs");
        assert_eq!((former.role, former.actions.get("kick")), (Role::Member, Some(&1)));
        assert_eq!(r.last().map(|r| r.user_id.as_str()), Some("@former:hs"), "after today's managers");
    }
}
