//! `ban --all-groups` / `unban --all-groups`: one case per group I can ban in, plus one for the
//! shared blocklist entry (a Matrix policy list that Draupnir/Meowlnir and other consoles read).

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::{Capability, Result};

use crate::Engine;
use crate::act::ActRequest;

impl Engine {
    /// Bans (or, with `ban == false`, unbans) `user` in every group where my power allows it,
    /// then writes (or clears) the blocklist entry. Each is its own case; all are returned.
    pub async fn ban_all_groups(
        &self,
        user: &str,
        reason: &str,
        rule: Option<String>,
        lang: qunguan_core::Lang,
        ban: bool,
    ) -> Result<Vec<ActionOutcome>> {
        // Before the first of many cases: a bad ID or no reason would fail in every group.
        if reason.trim().is_empty() {
            return Err(qunguan_core::ApiError::invalid_input("a reason is required"));
        }
        self.check_ids("", &Action::BlocklistAdd { user: user.into() })?;
        let groups = self.groups().await?;
        let mut out = Vec::new();
        for g in groups.iter().filter(|g| g.can.contains(&Capability::Ban)) {
            let action = if ban {
                Action::Ban { user: user.into(), seconds: None }
            } else {
                Action::Unban { user: user.into() }
            };
            let request = ActRequest { group: g.id.clone(), action, reason: reason.into(), rule: rule.clone(), lang };
            out.push(self.act(request).await?);
        }
        let action = if ban {
            Action::BlocklistAdd { user: user.into() }
        } else {
            Action::BlocklistRemove { user: user.into() }
        };
        out.push(self.act(ActRequest { group: String::new(), action, reason: reason.into(), rule, lang }).await?);
        Ok(out)
    }
}
