//! The shared case log: a private moderation room per group, found through the group's
//! `org.qunguan.moderation_room` state event, carrying each admin's case records as
//! `org.qunguan.case` events.
//!
//! The first console that publishes creates the room and points the group at it; every
//! publisher invites the group's current admins and moderators who are not in it yet, and a
//! console joins the room when it reads it (it was invited). The homeserver-authenticated
//! sender is what "signed" means here; the records themselves carry their hash chain.

use qunguan_core::{ApiError, Result};
use ruma::api::Direction;
use ruma::api::client::membership::{invite_user, join_room_by_id, joined_members, joined_rooms};
use ruma::api::client::message::{get_message_events, send_message_event};
use ruma::api::client::room::{Visibility, create_room};
use ruma::events::{MessageLikeEventType, StateEventType};
use ruma::{OwnedRoomId, OwnedTransactionId, OwnedUserId, UInt};
use serde_json::{Value, json};

use crate::actions::raw;
use crate::http::Failure;
use crate::platform::MatrixPlatform;
use crate::state::CONSOLE_ROOM_EVENT;

const POINTER_EVENT: &str = "org.qunguan.moderation_room";
const CASE_EVENT: &str = "org.qunguan.case";
/// How many of the moderation room's newest events are read per import.
const READ_LIMIT: u32 = 1000;

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

    pub async fn shared_case_events(&self, group_id: &str) -> Result<Vec<(String, String, Value)>> {
        let Ok(group) = OwnedRoomId::try_from(group_id) else { return Ok(Vec::new()) };
        let Some(room) = self.moderation_room(&group, false).await? else { return Ok(Vec::new()) };
        let mut request = get_message_events::v3::Request::new(room, Direction::Backward);
        request.limit = UInt::from(READ_LIMIT);
        let r = self.client().await?.send(request).await.map_err(Failure::into_api_error)?;
        let mut out: Vec<(String, String, Value)> = r
            .chunk
            .iter()
            .filter_map(|e| {
                let v: Value = serde_json::from_str(e.json().get()).ok()?;
                if v.get("type")?.as_str()? != CASE_EVENT {
                    return None;
                }
                Some((
                    v.get("sender")?.as_str()?.to_owned(),
                    v.get("event_id")?.as_str()?.to_owned(),
                    v.get("content")?.clone(),
                ))
            })
            .collect();
        out.reverse(); // oldest first
        Ok(out)
    }
}
