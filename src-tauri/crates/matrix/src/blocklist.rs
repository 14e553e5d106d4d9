//! My shared blocklist: a Matrix moderation policy list (`m.policy.rule.user`), readable by
//! Draupnir / Meowlnir and by the other consoles.
//!
//! The list is a private room I create on first use, marked with `org.qunguan.room`
//! `{"kind": "policy"}` so it is never listed as a group. It is found again by that marker among
//! my joined rooms (created by me), so a crash between creating it and using it cannot lead to a
//! second list. Entries are state events keyed `rule:<entity>`; removing an entry writes empty
//! content, which policy-list readers treat as "no rule".

use qunguan_core::action::{Applied, OpContext};
use qunguan_core::{ApiError, Result};
use ruma::OwnedRoomId;
use ruma::events::StateEventType;
use serde_json::{Value, json};

use crate::actions::tagged_reason;
use crate::own_room::OwnRoom;
use crate::platform::MatrixPlatform;

const POLICY_KIND: &str = "policy";
const RULE_EVENT: &str = "m.policy.rule.user";

fn rule_key(entity: &str) -> String {
    format!("rule:{entity}")
}

impl MatrixPlatform {
    /// My policy list room, created when missing and `create` is set.
    pub async fn policy_room(&self, create: bool) -> Result<Option<OwnedRoomId>> {
        const POLICY: OwnRoom = OwnRoom {
            kind: POLICY_KIND,
            name: "Qunguan blocklist",
            topic: "Shared blocklist (Matrix policy list) kept by Qunguan",
        };
        self.own_room(&POLICY, create).await
    }

    /// Writes (`ban`) or clears the entry for `entity`; idempotent on the state it finds.
    pub async fn set_policy_rule(&self, entity: &str, reason: &str, ban: bool, ctx: &OpContext) -> Result<Applied> {
        if !(entity.starts_with('@') && entity.contains(':')) {
            return Err(ApiError::invalid_input(format!("“{entity}” is not a Matrix user ID")));
        }
        let Some(room) = self.policy_room(ban).await? else {
            return Ok(Applied::AlreadyDone { event_id: None }); // No list, so no entry to clear.
        };
        let key = rule_key(entity);
        let current = self.state_content(&room, StateEventType::from(RULE_EVENT), &key).await?;
        let banned = current.as_ref().is_some_and(|c| {
            c.get("entity").and_then(Value::as_str) == Some(entity)
                && c.get("recommendation").and_then(Value::as_str) == Some("m.ban")
        });
        if banned == ban {
            return Ok(Applied::AlreadyDone { event_id: None });
        }
        let content = if ban {
            json!({"entity": entity, "recommendation": "m.ban", "reason": tagged_reason(reason, &ctx.case_id)})
        } else {
            json!({})
        };
        self.put_state_key(&room, StateEventType::from(RULE_EVENT), &key, &content).await?;
        Ok(Applied::Done { event_id: None })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_keys_name_the_entity() {
        assert_eq!(super::rule_key("@spam:hs"), "rule:@spam:hs");
    }
}
