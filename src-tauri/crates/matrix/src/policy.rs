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
use ruma::api::client::membership::joined_rooms;
use ruma::api::client::room::{Visibility, create_room};
use ruma::events::StateEventType;
use serde_json::{Value, json};

use crate::actions::{raw, tagged_reason};
use crate::http::Failure;
use crate::platform::MatrixPlatform;
use crate::state::CONSOLE_ROOM_EVENT;

const POLICY_KIND: &str = "policy";
const RULE_EVENT: &str = "m.policy.rule.user";

fn rule_key(entity: &str) -> String {
    format!("rule:{entity}")
}

impl MatrixPlatform {
    /// My policy list room, created when missing and `create` is set.
    pub async fn policy_room(&self, create: bool) -> Result<Option<OwnedRoomId>> {
        let client = self.client().await?;
        let rooms = client.send(joined_rooms::v3::Request::new()).await.map_err(Failure::into_api_error)?.joined_rooms;
        for room in rooms {
            let marker = self.state_content(&room, StateEventType::from(CONSOLE_ROOM_EVENT), "").await;
            let is_policy =
                matches!(&marker, Ok(Some(m)) if m.get("kind").and_then(Value::as_str) == Some(POLICY_KIND));
            if !is_policy {
                continue;
            }
            // Only a list I created myself: a marked room someone else made is not my blocklist.
            let state = self.room_state(room.clone(), &Default::default()).await?;
            if state.power.creators.first() == Some(&self.account.user_id) {
                return Ok(Some(room));
            }
        }
        if !create {
            return Ok(None);
        }
        let mut request = create_room::v3::Request::new();
        request.name = Some("Qunguan blocklist".into());
        request.topic = Some("Shared blocklist (Matrix policy list) kept by Qunguan".into());
        request.visibility = Visibility::Private;
        request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        request.initial_state =
            vec![raw(&json!({"type": CONSOLE_ROOM_EVENT, "state_key": "", "content": {"kind": POLICY_KIND}}))];
        let r = client.send(request).await.map_err(Failure::into_api_error)?;
        Ok(Some(r.room_id))
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
