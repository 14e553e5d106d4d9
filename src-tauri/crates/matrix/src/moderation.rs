//! The shared case log: a private moderation room per group, found through the group's
//! `org.qunguan.moderation_room` state event, carrying each admin's case records as
//! `org.qunguan.case` events.
//!
//! The first console that publishes creates the room and points the group at it; every
//! publisher invites the group's current admins and moderators who are not in it yet, and a
//! console joins the room when it reads it (it was invited). The homeserver-authenticated
//! sender is what "signed" means here; the records themselves carry their hash chain.
//!
//! ## Chain heads
//! Each admin also keeps an `org.qunguan.chain_head` state event in the room, state key = their
//! user ID, content `{group, hash, count}`: where their chain ends. The room's authorisation
//! rules reject a state event whose state key starts with `@` and is not its sender's ID, so
//! only that admin can move their head; the room is created with the event at level 0, so
//! every invited admin (level 0 here) can write theirs. Dropping or redacting an admin's
//! newest records then leaves their chain short of the head they published.
//!
//! Ordering, so a head never points past what a reader can see: a console writes its head only
//! after the sends of the records it names returned (they are in the room's timeline), and a
//! reader reads the heads *before* the timeline. Whatever head it saw, the records it names
//! were already there when the timeline read started.
//!
//! ## Reading incrementally
//! The first read of a room pages back through its whole timeline and remembers the token of
//! its live end; later reads page forward from the last token, so a round with nothing new
//! costs one state read and one empty page. Redactions arrive as `m.room.redaction` events in
//! those pages, so a record removed after it was imported is still seen.

use qunguan_core::platform::SharedLog;
use qunguan_core::{ApiError, Result};
use ruma::api::Direction;
use ruma::api::client::membership::{invite_user, join_room_by_id, joined_members, joined_rooms};
use ruma::api::client::message::{get_message_events, send_message_event};
use ruma::api::client::room::{Visibility, create_room};
use ruma::api::client::state::get_state_events;
use ruma::events::{MessageLikeEventType, StateEventType};
use ruma::{OwnedRoomId, OwnedTransactionId, OwnedUserId, UInt};
use serde_json::{Value, json};

use crate::actions::raw;
use crate::http::Failure;
use crate::paging::Pages;
use crate::platform::MatrixPlatform;
use crate::state::CONSOLE_ROOM_EVENT;

const POINTER_EVENT: &str = "org.qunguan.moderation_room";
const CASE_EVENT: &str = "org.qunguan.case";
const HEAD_EVENT: &str = "org.qunguan.chain_head";
/// How many events one page of the moderation room's timeline holds.
const READ_LIMIT: u32 = 1000;
/// At most this many pages per read (a million events), so a server that paginates forever
/// is stopped (see [`crate::paging`]).
pub const MAX_PAGES: usize = 1000;
const TIMELINE: &str = "the moderation room's timeline";

/// The moderation room's power levels: Synapse's private-chat defaults, plus the chain heads
/// at level 0, which every member may write (each only their own: the state key is their ID).
fn power_levels() -> Value {
    json!({
        "events": {
            "m.room.name": 50, "m.room.avatar": 50, "m.room.canonical_alias": 50,
            "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.tombstone": 100,
            "m.room.server_acl": 100, "m.room.encryption": 100, CONSOLE_ROOM_EVENT: 100,
            HEAD_EVENT: 0
        }
    })
}

/// The chain heads among a room's state events: `(admin, content)`, only where the sender is
/// the admin the state key names (the server enforces it; checked again here).
fn heads<'a>(state: impl Iterator<Item = &'a str>) -> Vec<(String, Value)> {
    state
        .filter_map(|raw| {
            let v: Value = serde_json::from_str(raw).ok()?;
            let key = v.get("state_key")?.as_str()?;
            (v.get("type")?.as_str()? == HEAD_EVENT && key.starts_with('@') && v.get("sender")?.as_str()? == key)
                .then(|| (key.to_owned(), v.get("content").cloned().unwrap_or(Value::Null)))
        })
        .collect()
}

/// Sorts timeline events (any order) into the log: case records (`(sender, event ID, content)`)
/// and the IDs of removed events (redacted, or named by a redaction).
fn sort_timeline(events: &[Value], log: &mut SharedLog) {
    for v in events {
        let (Some(kind), Some(id)) = (v.get("type").and_then(Value::as_str), v.get("event_id").and_then(Value::as_str))
        else {
            continue;
        };
        if kind == "m.room.redaction" {
            // Room versions up to 10 name the redacted event at the top level, 11 in the content.
            let redacts = v.get("redacts").or_else(|| v.pointer("/content/redacts")).and_then(Value::as_str);
            log.removed.extend(redacts.map(str::to_owned));
        } else if kind == CASE_EVENT {
            if v.pointer("/unsigned/redacted_because").is_some() {
                log.removed.push(id.to_owned());
            } else if let (Some(sender), Some(content)) = (v.get("sender").and_then(Value::as_str), v.get("content")) {
                log.records.push((sender.to_owned(), id.to_owned(), content.clone()));
            }
        }
    }
}

impl MatrixPlatform {
    async fn joined(&self, room: &OwnedRoomId) -> Result<bool> {
        let client = self.client().await?;
        let rooms = client.send(joined_rooms::v3::Request::new()).await.map_err(Failure::into_api_error)?.joined_rooms;
        Ok(rooms.contains(room))
    }

    /// The group's moderation room, joined; created when missing and `create` is set.
    /// `None` when there is none yet, or when I cannot join it (not invited).
    pub async fn moderation_room(&self, group: &OwnedRoomId, create: bool) -> Result<Option<OwnedRoomId>> {
        let client = self.client().await?;
        let pointer = self.state_content(group, StateEventType::from(POINTER_EVENT), "").await?;
        if let Some(id) = pointer.as_ref().and_then(|p| p.get("room_id")).and_then(Value::as_str) {
            let room = OwnedRoomId::try_from(id).map_err(|e| {
                ApiError::new(qunguan_core::ErrorCode::Platform, format!("bad moderation room ID: {e}"))
            })?;
            if self.joined(&room).await? {
                return Ok(Some(room));
            }
            return match client.send(join_room_by_id::v3::Request::new(room.clone())).await {
                Ok(_) => Ok(Some(room)),
                Err(f) if matches!(f.status, Some(403 | 404)) => Ok(None),
                Err(f) => Err(f.into_api_error()),
            };
        }
        if !create {
            return Ok(None);
        }
        let mut request = create_room::v3::Request::new();
        request.name = Some("Qunguan case log".into());
        request.topic = Some(format!("Shared case log of the admins of {group} (kept by Qunguan)"));
        request.visibility = Visibility::Private;
        request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        request.power_level_content_override = Some(raw(&power_levels()));
        request.initial_state = vec![raw(&json!({
            "type": CONSOLE_ROOM_EVENT, "state_key": "", "content": {"kind": "moderation", "group": group}
        }))];
        let room = client.send(request).await.map_err(Failure::into_api_error)?.room_id;
        self.put_state_key(group, StateEventType::from(POINTER_EVENT), "", &json!({"room_id": room})).await?;
        Ok(Some(room))
    }

    /// Invites the group's joined admins and moderators who are not in the moderation room yet.
    async fn invite_managers(&self, group: &OwnedRoomId, room: &OwnedRoomId) -> Result<()> {
        let client = self.client().await?;
        let state = self.room_state(group.clone(), &Default::default()).await?;
        let in_group =
            client.send(joined_members::v3::Request::new(group.clone())).await.map_err(Failure::into_api_error)?;
        let in_room =
            client.send(joined_members::v3::Request::new(room.clone())).await.map_err(Failure::into_api_error)?;
        for user in in_group.joined.keys() {
            let id = user.as_str();
            if id == self.account.user_id || in_room.joined.contains_key(user) || !state.power.role(id).manages() {
                continue;
            }
            let uid: OwnedUserId = user.clone();
            // Already invited, or not allowed: the next publish tries again.
            if let Err(f) = client
                .send(invite_user::v3::Request::new(room.clone(), invite_user::v3::InviteUserId::new(uid).into()))
                .await
            {
                tracing::debug!(status = ?f.status, "invite to the moderation room not sent");
            }
        }
        Ok(())
    }

    pub async fn publish_case_event(&self, group_id: &str, content: &Value, txn_id: &str) -> Result<()> {
        let group: OwnedRoomId = OwnedRoomId::try_from(group_id)
            .map_err(|e| ApiError::invalid_input(format!("“{group_id}” is not a room ID: {e}")))?;
        let room = self.moderation_room(&group, true).await?.ok_or_else(|| {
            ApiError::new(qunguan_core::ErrorCode::Forbidden, "cannot join the group's moderation room")
        })?;
        self.invite_managers(&group, &room).await?;
        let txn: OwnedTransactionId = txn_id.into();
        let request =
            send_message_event::v3::Request::new_raw(room, txn, MessageLikeEventType::from(CASE_EVENT), raw(content));
        self.client().await?.send(request).await.map(drop).map_err(Failure::into_api_error)
    }

    /// Writes my chain head (see the module docs), after my records it names were posted.
    pub async fn publish_chain_head_event(&self, group_id: &str, head: &Value) -> Result<()> {
        let Ok(group) = OwnedRoomId::try_from(group_id) else { return Ok(()) };
        let Some(room) = self.moderation_room(&group, false).await? else { return Ok(()) };
        self.put_state_key(&room, StateEventType::from(HEAD_EVENT), &self.account.user_id, head).await
    }

    /// The moderation room's heads (read first, see the module docs), then its timeline: all of
    /// it on the first read, only what came after `since` later. The cursor is `<room> <token>`,
    /// so a group pointed at another room starts over there.
    pub async fn shared_case_events(&self, group_id: &str, since: Option<&str>) -> Result<SharedLog> {
        let mut log = SharedLog::default();
        let Ok(group) = OwnedRoomId::try_from(group_id) else { return Ok(log) };
        let Some(room) = self.moderation_room(&group, false).await? else { return Ok(log) };
        let client = self.client().await?;
        let state = client
            .send(get_state_events::v3::Request::new(room.clone()))
            .await
            .map_err(Failure::into_api_error)?
            .room_state;
        log.heads = heads(state.iter().map(|e| e.json().get()));
        let token = since.and_then(|c| c.split_once(' ')).filter(|(r, _)| *r == room.as_str()).map(|(_, t)| t);
        let (events, next) = match token {
            Some(t) => self.read_forward(&room, t.to_owned()).await?,
            None => self.read_all(&room).await?,
        };
        tracing::debug!(%room, events = events.len(), from_start = token.is_none(), "moderation room read");
        sort_timeline(&events, &mut log);
        log.next = Some(format!("{room} {next}"));
        Ok(log)
    }

    /// The whole timeline, oldest first, and the token of its live end (where the next read starts).
    async fn read_all(&self, room: &OwnedRoomId) -> Result<(Vec<Value>, String)> {
        let client = self.client().await?;
        let (mut events, mut from, mut live_end) = (Vec::new(), None, None);
        let mut pages = Pages::new(TIMELINE, MAX_PAGES);
        loop {
            pages.turn()?;
            let mut request = get_message_events::v3::Request::new(room.clone(), Direction::Backward);
            request.from = from.take();
            request.limit = UInt::from(READ_LIMIT);
            let r = client.send(request).await.map_err(Failure::into_api_error)?;
            live_end.get_or_insert(r.start);
            events.extend(r.chunk.iter().filter_map(|e| serde_json::from_str::<Value>(e.json().get()).ok()));
            match r.end {
                Some(end) if !r.chunk.is_empty() => from = Some(end),
                _ => break,
            }
        }
        events.reverse();
        Ok((events, live_end.unwrap_or_default()))
    }

    /// The events after `from`, oldest first, and the token after the last of them.
    async fn read_forward(&self, room: &OwnedRoomId, mut from: String) -> Result<(Vec<Value>, String)> {
        let client = self.client().await?;
        let mut events = Vec::new();
        let mut pages = Pages::new(TIMELINE, MAX_PAGES);
        loop {
            pages.turn()?;
            let mut request = get_message_events::v3::Request::new(room.clone(), Direction::Forward);
            request.from = Some(from.clone());
            request.limit = UInt::from(READ_LIMIT);
            let r = client.send(request).await.map_err(Failure::into_api_error)?;
            if r.chunk.is_empty() {
                break;
            }
            events.extend(r.chunk.iter().filter_map(|e| serde_json::from_str::<Value>(e.json().get()).ok()));
            match r.end {
                Some(end) => from = end,
                // No token to go on from: the next read repeats this page (imports are idempotent).
                None => break,
            }
        }
        Ok((events, from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_heads_set_by_the_admin_they_name_count() {
        let state = [
            json!({"type": HEAD_EVENT, "state_key": "@a:hs", "sender": "@a:hs", "content": {"hash": "h", "count": 2}}),
            json!({"type": HEAD_EVENT, "state_key": "@a:hs", "sender": "@b:hs", "content": {}}),
            json!({"type": HEAD_EVENT, "state_key": "", "sender": "@b:hs", "content": {}}),
            json!({"type": "m.room.name", "state_key": "", "sender": "@a:hs", "content": {"name": "x"}}),
        ]
        .map(|v| v.to_string());
        assert_eq!(heads(state.iter().map(String::as_str)), [("@a:hs".to_owned(), json!({"hash": "h", "count": 2}))]);
    }

    #[test]
    fn redactions_and_redacted_records_count_as_removed() {
        let events = [
            json!({"type": CASE_EVENT, "event_id": "$1", "sender": "@a:hs", "content": {"hash": "x"}}),
            json!({"type": CASE_EVENT, "event_id": "$2", "sender": "@a:hs", "content": {},
                   "unsigned": {"redacted_because": {"type": "m.room.redaction"}}}),
            json!({"type": "m.room.redaction", "event_id": "$3", "sender": "@a:hs", "redacts": "$9", "content": {}}),
            json!({"type": "m.room.redaction", "event_id": "$4", "sender": "@a:hs", "content": {"redacts": "$8"}}),
            json!({"type": "m.room.message", "event_id": "$5", "sender": "@a:hs", "content": {"body": "hi"}}),
        ];
        let mut log = SharedLog::default();
        sort_timeline(&events, &mut log);
        assert_eq!(log.records, [("@a:hs".to_owned(), "$1".to_owned(), json!({"hash": "x"}))]);
        assert_eq!(log.removed, ["$2", "$9", "$8"]);
    }
}
