//! A group's latest messages, for the Messages tab.
//!
//! One backwards `/messages` request filtered to `m.room.message`, so a page is never eaten by
//! state or reaction events. Removed messages stay in the page (as redacted); events that do
//! not parse are skipped, never fatal (see `actions::snapshot`).

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use ruma::UInt;
use ruma::api::Direction;
use ruma::api::client::filter::RoomEventFilter;
use ruma::api::client::message::get_message_events;

use crate::actions::{parse, snapshot};
use crate::http::Failure;
use crate::platform::MatrixPlatform;

/// The most a page may ask for (Synapse caps `/messages` at 1000 too).
pub const MAX_PAGE: u32 = 1000;
const MESSAGE_EVENT: &str = "m.room.message";

impl MatrixPlatform {
    /// The latest `limit` messages of a room, oldest first.
    pub async fn recent_message_snapshots(&self, group_id: &str, limit: u32) -> Result<Vec<MessageSnapshot>> {
        let room = parse("room ID", group_id)?;
        let mut request = get_message_events::v3::Request::new(room, Direction::Backward);
        request.limit = UInt::from(limit.clamp(1, MAX_PAGE));
        let mut filter = RoomEventFilter::default();
        filter.types = Some(vec![MESSAGE_EVENT.to_owned()]);
        request.filter = filter;
        let r = self.client().await?.send(request).await.map_err(Failure::into_api_error)?;
        let mut page: Vec<MessageSnapshot> =
            r.chunk.iter().filter_map(|e| snapshot(e.json().get())).filter(|m| m.kind == MESSAGE_EVENT).collect();
        page.reverse();
        Ok(page)
    }
}
