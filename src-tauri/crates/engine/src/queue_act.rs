//! Deciding a queue item with an action (the act issue's) on its message or its sender: the
//! item is asked about first when someone else holds it, and leaves the open queue linked to
//! the action's case once the action is done or queued.

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::queue::ItemState;
use qunguan_core::{ApiError, Lang, Result};

use crate::{ActRequest, Engine};

/// Whether `action` is about the item's message (`event_id`) or its sender.
fn about_item(action: &Action, event_id: &str, sender: &str) -> bool {
    match action {
        Action::Remove { event_id: e } | Action::ReportMessage { event_id: e } => e == event_id,
        Action::Warn { user }
        | Action::Mute { user, .. }
        | Action::Kick { user }
        | Action::Ban { user, .. }
        | Action::ReportMember { user } => !sender.is_empty() && user == sender,
        _ => false,
    }
}

impl Engine {
    /// Decides open item `id` with `action` on its message or its sender, for `reason`: refused
    /// when someone else holds the item unless `force` (the admin was asked). Done or queued,
    /// the item is actioned, linked to the action's case, and my claim on it goes.
    pub async fn act_on_item(
        &self,
        id: &str,
        action: Action,
        reason: &str,
        rule: Option<String>,
        lang: Lang,
        force: bool,
    ) -> Result<ActionOutcome> {
        self.platform().await?;
        let row = self.item_row(id).await?;
        if row.state != ItemState::Open {
            return Err(ApiError::invalid_input(format!("queue item {id} is already {}", row.state.as_str())));
        }
        let sender = row.message.as_ref().map(|m| m.sender.as_str()).unwrap_or("");
        if !about_item(&action, &row.event_id, sender) {
            return Err(ApiError::invalid_input(format!(
                "{} is not an action on queue item {id}'s message or its sender",
                action.name()
            )));
        }
        self.not_held_by_other(&row, force).await?;
        let req = ActRequest { group: row.group_id.clone(), action, reason: reason.to_owned(), rule, lang };
        let outcome = self.act_for(req, Some(row.id.clone())).await?;
        self.settle_item(&row, ItemState::Actioned, &outcome).await?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_actions_on_the_items_message_or_sender_decide_it() {
        let (e, s) = ("$m", "@s:hs");
        let yes = [
            Action::Remove { event_id: e.into() },
            Action::ReportMessage { event_id: e.into() },
            Action::Warn { user: s.into() },
            Action::Mute { user: s.into(), seconds: 600 },
            Action::Kick { user: s.into() },
            Action::Ban { user: s.into(), seconds: None },
            Action::ReportMember { user: s.into() },
        ];
        for a in &yes {
            assert!(about_item(a, e, s), "{a:?}");
        }
        let no = [
            Action::Remove { event_id: "$other".into() },
            Action::Mute { user: "@other:hs".into(), seconds: 600 },
            Action::Unmute { user: s.into() },
            Action::Lock,
            Action::Dismiss { event_id: e.into() },
        ];
        for a in &no {
            assert!(!about_item(a, e, s), "{a:?}");
        }
        assert!(!about_item(&Action::Warn { user: String::new() }, e, ""), "an unseen message has no sender to act on");
    }
}
