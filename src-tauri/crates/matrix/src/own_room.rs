//! Rooms of my own that a console keeps (the blocklist's policy list, the account log): found
//! again by their `org.qunguan.room` marker among my joined rooms, and only where I created
//! the room — a marked room someone else made and invited me to is not mine — so a crash
//! between creating one and using it never leads to a second. Created on first use with the
//! marker in the initial state (so no console lists them as groups).

use qunguan_core::Result;
use ruma::OwnedRoomId;
use ruma::api::client::membership::joined_rooms;
use ruma::api::client::room::{Visibility, create_room};
use ruma::events::StateEventType;
use serde_json::{Value, json};

use crate::actions::raw;
use crate::http::Failure;
use crate::platform::MatrixPlatform;
use crate::state::CONSOLE_ROOM_EVENT;

/// What kind of own room, and how it introduces itself.
pub(crate) struct OwnRoom {
    /// The marker's `kind`.
    pub kind: &'static str,
    pub name: &'static str,
    pub topic: &'static str,
}

impl MatrixPlatform {
    /// My room of this kind; created when missing and `create` is set. A room whose state
    /// cannot be read is an error, not "not it": guessing would create a second one.
    pub(crate) async fn own_room(&self, spec: &OwnRoom, create: bool) -> Result<Option<OwnedRoomId>> {
        let client = self.client().await?;
        let rooms = client.send(joined_rooms::v3::Request::new()).await.map_err(Failure::into_api_error)?.joined_rooms;
        for room in rooms {
            let marker = self.state_content(&room, StateEventType::from(CONSOLE_ROOM_EVENT), "").await?;
            if marker.as_ref().and_then(|m| m.get("kind")).and_then(Value::as_str) != Some(spec.kind) {
                continue;
            }
            let state = self.room_state(room.clone(), &Default::default()).await?;
            if state.power.creators.first() == Some(&self.account.user_id) {
                return Ok(Some(room));
            }
        }
        if !create {
            return Ok(None);
        }
        let mut request = create_room::v3::Request::new();
        request.name = Some(spec.name.into());
        request.topic = Some(spec.topic.into());
        request.visibility = Visibility::Private;
        request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
        request.initial_state =
            vec![raw(&json!({"type": CONSOLE_ROOM_EVENT, "state_key": "", "content": {"kind": spec.kind}}))];
        Ok(Some(client.send(request).await.map_err(Failure::into_api_error)?.room_id))
    }
}
