//! My account log: a private room of my own that carries the chains not about one group —
//! reports to the platform, my blocklist's entries, staff actions — as `org.qunguan.case`
//! events, with their heads as `org.qunguan.chain_head` state keyed by the chain's name.
//!
//! Why a room: these chains live only in my store otherwise, so deleting them there (rows and
//! head) would leave nothing to compare with. Posting them where the homeserver keeps them
//! gives `audit verify` the same outside anchor the group chains have in their moderation
//! rooms. Nobody else is in the room, so the chain name can be the state key (in a group's
//! moderation room the key must be the admin's ID, so that only they can move their head).
//!
//! The room is one of my own rooms (see the `own_room` module), marked `{"kind": "log"}`; its
//! ID is then kept for the life of the connection, and by the engine's store between runs.

use qunguan_core::platform::{SharedEntry, SharedLog};
use qunguan_core::{ApiError, ErrorCode, Result};
use ruma::api::client::message::send_message_event;
use ruma::api::client::state::get_state_events;
use ruma::events::{MessageLikeEventType, StateEventType};
use ruma::{OwnedRoomId, OwnedTransactionId};
use serde_json::Value;

use crate::actions::raw;
use crate::http::Failure;
use crate::own_room::OwnRoom;
use crate::platform::MatrixPlatform;
use crate::shared::{CASE_EVENT, HEAD_EVENT};

const LOG_KIND: &str = "log";

/// Is this chain one of mine that is not about a group (not a room ID)?
pub fn is_account_chain(chain: &str) -> bool {
    !chain.starts_with('!')
}

/// My heads among the log room's state: `(me, content)` for each `org.qunguan.chain_head` I set
/// whose key is the chain's name and whose content names that chain.
fn my_heads<'a>(me: &str, state: impl Iterator<Item = &'a str>) -> Vec<(String, Value)> {
    state
        .filter_map(|raw| {
            let v: Value = serde_json::from_str(raw).ok()?;
            let key = v.get("state_key")?.as_str()?;
            let content = v.get("content")?;
            (v.get("type")?.as_str()? == HEAD_EVENT
                && v.get("sender")?.as_str()? == me
                && content.get("group").and_then(Value::as_str) == Some(key))
            .then(|| (me.to_owned(), content.clone()))
        })
        .collect()
}

/// My case records among timeline events, and the events removed from it.
fn my_records(me: &str, events: &[Value], log: &mut SharedLog) {
    for v in events {
        let (Some(kind), Some(id)) = (v.get("type").and_then(Value::as_str), v.get("event_id").and_then(Value::as_str))
        else {
            continue;
        };
        if kind != CASE_EVENT || v.get("sender").and_then(Value::as_str) != Some(me) {
            continue;
        }
        match v.get("content") {
            _ if v.pointer("/unsigned/redacted_because").is_some() => log.removed.push(id.to_owned()),
            Some(content) => log.records.push(SharedEntry {
                sender: me.to_owned(),
                event_id: id.to_owned(),
                content: content.clone(),
                received_at_ms: v.get("origin_server_ts").and_then(Value::as_i64).unwrap_or(0),
                // My own room, my own records: nobody else's standing to judge.
                sender_managed: true,
            }),
            None => {}
        }
    }
}

fn log_room_id(room: &str) -> Result<OwnedRoomId> {
    OwnedRoomId::try_from(room)
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, format!("bad account log room ID {room:?}"), e))
}

impl MatrixPlatform {
    /// My log room; created when missing and `create` is set. `trusted` is the room the
    /// store kept from an earlier run (the engine's own record, so no search is needed).
    pub(crate) async fn log_room(&self, trusted: Option<&str>, create: bool) -> Result<Option<OwnedRoomId>> {
        let mut known = self.log_room.lock().await;
        if let Some(room) = known.as_ref() {
            return Ok(Some(room.clone()));
        }
        if let Some(room) = trusted.and_then(|t| OwnedRoomId::try_from(t).ok()) {
            *known = Some(room.clone());
            return Ok(Some(room));
        }
        const LOG: OwnRoom = OwnRoom {
            kind: LOG_KIND,
            name: "Qunguan account log",
            topic: "Case log of actions not about one group (kept by Qunguan)",
        };
        let room = self.own_room(&LOG, create).await?;
        known.clone_from(&room);
        Ok(room)
    }

    /// Posts one record of an account chain to my log `room`; `txn_id` makes a retry a no-op.
    pub async fn publish_account_case(&self, room: &str, content: &Value, txn_id: &str) -> Result<()> {
        let room = log_room_id(room)?;
        let txn: OwnedTransactionId = txn_id.into();
        let request =
            send_message_event::v3::Request::new_raw(room, txn, MessageLikeEventType::from(CASE_EVENT), raw(content));
        self.client().await?.send(request).await.map(drop).map_err(Failure::into_api_error)
    }

    /// Writes the head of an account chain (after the records it names were posted).
    pub async fn publish_account_head(&self, room: &str, chain: &str, head: &Value) -> Result<()> {
        let room = log_room_id(room)?;
        self.put_state_key(&room, StateEventType::from(HEAD_EVENT), chain, head).await
    }

    /// My heads and records of the log room (all of it first, then what came after `since`),
    /// for the chain `chain`; the cursor is `<room> <token>` like a moderation room's.
    pub async fn account_case_events(&self, chain: &str, room: &str, since: Option<&str>) -> Result<SharedLog> {
        let mut log = SharedLog::default();
        let room = log_room_id(room)?;
        let me = self.account.user_id.clone();
        let state = self
            .client()
            .await?
            .send(get_state_events::v3::Request::new(room.clone()))
            .await
            .map_err(Failure::into_api_error)?
            .room_state;
        log.heads = my_heads(&me, state.iter().map(|e| e.json().get()))
            .into_iter()
            .filter(|(_, c)| c.get("group").and_then(Value::as_str) == Some(chain))
            .collect();
        let token = since.and_then(|c| c.split_once(' ')).filter(|(r, _)| *r == room.as_str()).map(|(_, t)| t);
        let (events, next) = match token {
            Some(t) => self.read_forward(&room, t.to_owned()).await?,
            None => self.read_all(&room).await?,
        };
        my_records(&me, &events, &mut log);
        log.records.retain(|e| e.content.pointer("/record/group").and_then(Value::as_str) == Some(chain));
        log.next = Some(format!("{room} {next}"));
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn account_chains_are_the_ones_that_are_not_rooms() {
        for (chain, account) in [("platform", true), ("policy", true), ("staff", true), ("!g:hs", false)] {
            assert_eq!(is_account_chain(chain), account, "{chain}");
        }
    }

    #[test]
    fn only_my_heads_keyed_by_their_chain_count() {
        let state = [
            json!({"type": HEAD_EVENT, "state_key": "platform", "sender": "@me:hs", "content": {"group": "platform", "hash": "h", "count": 2}}),
            json!({"type": HEAD_EVENT, "state_key": "policy", "sender": "@me:hs", "content": {"group": "platform", "hash": "x", "count": 9}}),
            json!({"type": HEAD_EVENT, "state_key": "staff", "sender": "@other:hs", "content": {"group": "staff", "hash": "y", "count": 1}}),
        ]
        .map(|v| v.to_string());
        let heads = my_heads("@me:hs", state.iter().map(String::as_str));
        assert_eq!(heads, [("@me:hs".to_owned(), json!({"group": "platform", "hash": "h", "count": 2}))]);
    }

    #[test]
    fn only_my_records_count_and_redacted_ones_are_removed() {
        let events = [
            json!({"type": CASE_EVENT, "event_id": "$1", "sender": "@me:hs", "content": {"hash": "a"}}),
            json!({"type": CASE_EVENT, "event_id": "$2", "sender": "@other:hs", "content": {"hash": "b"}}),
            json!({"type": CASE_EVENT, "event_id": "$3", "sender": "@me:hs", "content": {},
                   "unsigned": {"redacted_because": {}}}),
            json!({"type": "m.room.message", "event_id": "$4", "sender": "@me:hs", "content": {"body": "x"}}),
        ];
        let mut log = SharedLog::default();
        my_records("@me:hs", &events, &mut log);
        let records: Vec<_> =
            log.records.iter().map(|e| (e.sender.as_str(), e.event_id.as_str(), &e.content)).collect();
        assert_eq!(records, [("@me:hs", "$1", &json!({"hash": "a"}))]);
        assert_eq!(log.removed, ["$3"]);
    }
}
