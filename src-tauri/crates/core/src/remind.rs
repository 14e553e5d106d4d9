//! Reminders of items that have waited too long: an open item that nobody holds, in the queue
//! for longer than the admin's setting ([`crate::follow::NotifyPrefs::remind_after_minutes`]),
//! is reminded of once.
//!
//! ## Design
//! - The rule is [`crate::remind::Reminders::due`], with the clock passed in, so it is tested
//!   with tables; the app runs it on a timer over what the engine lists as waiting.
//! - "Waiting" counts from when the item entered the queue (its `created_at`), not from when
//!   the message was sent: an item read from an old backlog has not waited for anyone yet.
//! - A held item is someone's: it is not reminded of while the claim lasts, and may be once the
//!   claim runs out or is released. What was reminded of is remembered for the life of the
//!   app (IDs only), so a restart may remind once more of what still waits.

use std::collections::HashSet;

use crate::queue::{ItemState, QueueItem};
use crate::time::millis_from_rfc3339;

/// Whether `item` is waiting at `now_ms`: open, in the queue for at least `after_ms`, and
/// nobody's claim holds it.
pub fn waiting(item: &QueueItem, after_ms: i64, now_ms: i64) -> bool {
    let Some(entered) = millis_from_rfc3339(&item.created_at) else { return false };
    let held = item.claimed_by.is_some()
        && item.claim_until.as_deref().and_then(millis_from_rfc3339).is_none_or(|until| until > now_ms);
    item.state == ItemState::Open && !held && now_ms.saturating_sub(entered) >= after_ms
}

/// The items already reminded of.
#[derive(Debug, Default)]
pub struct Reminders {
    reminded: HashSet<String>,
}

impl Reminders {
    /// The items to remind of now, in the order given: those of `items` that are waiting
    /// ([`waiting`]) and were not reminded of before. They count as reminded from here on.
    pub fn due(&mut self, items: Vec<QueueItem>, after_ms: i64, now_ms: i64) -> Vec<QueueItem> {
        items
            .into_iter()
            .filter(|item| waiting(item, after_ms, now_ms) && self.reminded.insert(item.id.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Severity;
    use crate::time::rfc3339_from_millis;

    const MIN: i64 = 60_000;
    /// Some instant, the tests' "now" at the start.
    const T0: i64 = 1_800_000_000_000;

    fn item(id: &str, entered_ms: i64) -> QueueItem {
        QueueItem { id: id.into(), created_at: rfc3339_from_millis(entered_ms), ..QueueItem::default() }
    }

    fn held(mut i: QueueItem, by: &str, until_ms: i64) -> QueueItem {
        i.claimed_by = Some(by.into());
        i.claim_until = Some(rfc3339_from_millis(until_ms));
        i
    }

    fn ids(items: &[QueueItem]) -> Vec<&str> {
        items.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn open_unheld_items_past_the_line_are_due_whatever_their_severity() {
        let mut high = item("high", T0 - 90 * MIN);
        high.severity = Severity::High;
        let mut dismissed = item("dismissed", T0 - 90 * MIN);
        dismissed.state = ItemState::Dismissed;
        let mut actioned = item("actioned", T0 - 90 * MIN);
        actioned.state = ItemState::Actioned;
        let items = vec![
            item("old", T0 - 90 * MIN),
            high,
            item("exactly", T0 - 60 * MIN),
            item("young", T0 - 59 * MIN),
            held(item("held", T0 - 90 * MIN), "@other:hs", T0 + 10 * MIN),
            held(item("mine", T0 - 90 * MIN), "@me:hs", T0 + MIN),
            held(item("ran-out", T0 - 90 * MIN), "@other:hs", T0 - 1),
            dismissed,
            actioned,
            QueueItem { created_at: "not a time".into(), ..item("unreadable", 0) },
        ];
        let due = Reminders::default().due(items, 60 * MIN, T0);
        assert_eq!(ids(&due), ["old", "high", "exactly", "ran-out"]);
    }

    #[test]
    fn an_item_is_reminded_of_once_and_a_claimed_one_when_its_claim_ends() {
        let mut r = Reminders::default();
        let after = 60 * MIN;
        let queue = || {
            vec![
                item("a", T0 - 61 * MIN),
                item("b", T0 - 30 * MIN),
                held(item("c", T0 - 120 * MIN), "@other:hs", T0 + 20 * MIN),
            ]
        };
        assert_eq!(ids(&r.due(queue(), after, T0)), ["a"], "only a has waited an hour");
        assert!(r.due(queue(), after, T0).is_empty(), "a again: not twice");
        // Ten minutes on: nothing new has crossed the line, c is still held.
        assert!(r.due(queue(), after, T0 + 10 * MIN).is_empty());
        // Half an hour on: b has waited an hour, and c's claim ran out.
        assert_eq!(ids(&r.due(queue(), after, T0 + 30 * MIN)), ["b", "c"], "crossing together: one batch");
        assert!(r.due(queue(), after, T0 + 600 * MIN).is_empty(), "each once, however long they wait");
    }

    #[test]
    fn a_claim_without_an_end_holds() {
        let mut i = item("x", T0 - 90 * MIN);
        i.claimed_by = Some("@other:hs".into());
        assert!(!waiting(&i, 60 * MIN, T0));
    }
}
