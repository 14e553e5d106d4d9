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
//! ## Trust: the pointer, the room, the records, the removals
//! Anyone at the group's `state_default` (moderators, by default) can write the pointer, so it
//! is followed only when (1) its sender was the group's owner or an admin when the server
//! received it, (2) the room's creator managed the group when it was created, and (3) the
//! room's own empty-key `org.qunguan.room` marker, set by that creator, says `{kind:
//! moderation, group: <this group>}`. Otherwise the console keeps the room it last trusted
//! (the engine remembers it) and reports why. "When" is judged by the group's power levels
//! in force at the event's `origin_server_ts` ([`crate::trust`], bounded). Each case record is
//! likewise marked with whether its sender managed the group when it was received.
//!
//! A redaction is a removal only when the server applied it: the event is served redacted
//! (`unsigned.redacted_because`), or the redaction's sender could redact it (power at least
//! `redact` in the moderation room, or the record's own sender). Any member may send an
//! `m.room.redaction` event; one the server did not apply removes nothing, so it is no alarm.
//!
//! ## Reading incrementally
//! The first read of a room pages back through its whole timeline and remembers the token of
//! its live end; later reads page forward from the last token, so a read with nothing new
//! costs one state read and one empty page. A sync round reads a room only when its `/sync`
//! brought news from it (see [`crate::sync`]): the room rides in the same feed as the groups. Redactions arrive as `m.room.redaction` events in
//! those pages, so a record removed after it was imported is still seen.

use qunguan_core::platform::{CaseLogRoom, SharedEntry, SharedLog};
use qunguan_core::{ApiError, Result, Role};
use ruma::api::Direction;
use ruma::api::client::membership::{invite_user, join_room_by_id, joined_members, joined_rooms};
use ruma::api::client::message::{get_message_events, send_message_event};
use ruma::api::client::room::get_room_event;
use ruma::api::client::room::{Visibility, create_room};
use ruma::api::client::state::get_state_events;
use ruma::events::{MessageLikeEventType, StateEventType};
use ruma::{OwnedRoomId, OwnedTransactionId, OwnedUserId, UInt};
use serde_json::{Value, json};

use crate::actions::raw;
use crate::http::Failure;
use crate::paging::Pages;
use crate::platform::MatrixPlatform;
use crate::state::{self, CONSOLE_ROOM_EVENT};

/// A group's pointer to its moderation room (state, empty key, `{room_id}`).
pub(crate) const POINTER_EVENT: &str = "org.qunguan.moderation_room";
pub(crate) const CASE_EVENT: &str = "org.qunguan.case";
pub(crate) const HEAD_EVENT: &str = "org.qunguan.chain_head";
/// A claim on a queue item: state keyed by the item's ID, `{holder, group, until}` (`{}`: released).
pub(crate) const CLAIM_EVENT: &str = "org.qunguan.claim";
/// How many events one page of the moderation room's timeline holds.
const READ_LIMIT: u32 = 1000;
/// Redactions by senders without the power to redact whose target is looked up per read, at
/// most (the rest count as nothing: a flood of them must not cost a request each).
const MAX_REDACTION_CHECKS: usize = 50;
/// At most this many pages per read (a million events), so a server that paginates forever
/// is stopped (see [`crate::paging`]).
pub const MAX_PAGES: usize = 1000;
const TIMELINE: &str = "the moderation room's timeline";

/// The moderation room's power levels: Synapse's private-chat defaults, plus the chain heads
/// at level 0, which every member may write (each only their own: the state key is their ID),
/// and claims at level 0 (every member of the room manages the group; a claim counts only
/// when its sender is the holder it names).
fn power_levels() -> Value {
    json!({
        "events": {
            "m.room.name": 50, "m.room.avatar": 50, "m.room.canonical_alias": 50,
            "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.tombstone": 100,
            "m.room.server_acl": 100, "m.room.encryption": 100, CONSOLE_ROOM_EVENT: 100,
            HEAD_EVENT: 0, CLAIM_EVENT: 0
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

/// The claims among a room's state events, as written (the engine judges them).
fn claims(state: &[Value]) -> Vec<qunguan_core::queue::Claim> {
    state
        .iter()
        .filter(|v| field(v, "type") == Some(CLAIM_EVENT))
        .filter_map(|v| {
            let content = v.get("content")?;
            Some(qunguan_core::queue::Claim {
                item: field(v, "state_key")?.to_owned(),
                group: field(content, "group").unwrap_or_default().to_owned(),
                sender: field(v, "sender")?.to_owned(),
                holder: field(content, "holder").map(str::to_owned),
                until_ms: content.get("until").and_then(Value::as_i64).unwrap_or(0),
            })
        })
        .collect()
}

/// One state event of a room's state, by type and empty state key.
fn state_event<'a>(state: &'a [Value], kind: &str) -> Option<&'a Value> {
    state.iter().find(|v| {
        v.get("type").and_then(Value::as_str) == Some(kind) && v.get("state_key").and_then(Value::as_str) == Some("")
    })
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn received_at(v: &Value) -> i64 {
    v.get("origin_server_ts").and_then(Value::as_i64).unwrap_or(0)
}

/// The group's case-log pointer: `(sender, received at, room)`.
fn pointer(group_state: &[Value]) -> Option<(String, i64, String)> {
    let v = state_event(group_state, POINTER_EVENT)?;
    let room = v.pointer("/content/room_id").and_then(Value::as_str)?;
    Some((field(v, "sender")?.to_owned(), received_at(v), room.to_owned()))
}

/// Whether a room is a console's moderation room of `group`: `(creator, created at)`, or why not.
fn moderation_room_of(room_state: &[Value], group: &str) -> std::result::Result<(String, i64), String> {
    let create = state_event(room_state, "m.room.create").ok_or("it has no create event")?;
    let creator = field(create, "sender").ok_or("its create event has no sender")?;
    let marker = state_event(room_state, CONSOLE_ROOM_EVENT)
        .filter(|m| field(m, "sender") == Some(creator))
        .ok_or("its creator did not mark it as a console room")?;
    let says = (marker.pointer("/content/kind").and_then(Value::as_str), marker.pointer("/content/group"));
    if says != (Some("moderation"), Some(&Value::from(group))) {
        return Err(format!("it is not marked as the moderation room of {group}"));
    }
    Ok((creator.to_owned(), received_at(create)))
}

/// Sorts timeline events (any order) into the log: case records, and the IDs of removed events
/// (served redacted, or named by a redaction whose sender `could_redact` the target). Returns
/// the targets of the other redactions that name no event of this batch: whether the server
/// applied those can only be seen on the target itself.
fn sort_timeline(events: &[Value], could_redact: impl Fn(&str) -> bool, log: &mut SharedLog) -> Vec<String> {
    let mut unsure = Vec::new();
    let in_batch = |id: &str| events.iter().any(|v| field(v, "event_id") == Some(id));
    for v in events {
        let (Some(kind), Some(id)) = (field(v, "type"), field(v, "event_id")) else {
            continue;
        };
        if kind == "m.room.redaction" {
            // Room versions up to 10 name the redacted event at the top level, 11 in the content.
            let Some(target) = v.get("redacts").or_else(|| v.pointer("/content/redacts")).and_then(Value::as_str)
            else {
                continue;
            };
            if field(v, "sender").is_some_and(&could_redact) {
                log.removed.push(target.to_owned());
            } else if !in_batch(target) {
                // A target in this batch shows by itself whether it was redacted.
                unsure.push(target.to_owned());
            }
        } else if kind == CASE_EVENT {
            if v.pointer("/unsigned/redacted_because").is_some() {
                log.removed.push(id.to_owned());
            } else if let (Some(sender), Some(content)) = (field(v, "sender"), v.get("content")) {
                log.records.push(SharedEntry {
                    sender: sender.to_owned(),
                    event_id: id.to_owned(),
                    content: content.clone(),
                    received_at_ms: received_at(v),
                    sender_managed: false,
                });
            }
        }
    }
    unsure
}

fn room_id(id: &str) -> Result<OwnedRoomId> {
    OwnedRoomId::try_from(id).map_err(|e| ApiError::invalid_input(format!("“{id}” is not a room ID: {e}")))
}

impl MatrixPlatform {
    async fn joined(&self, room: &OwnedRoomId) -> Result<bool> {
        let client = self.client().await?;
        let rooms = client.send(joined_rooms::v3::Request::new()).await.map_err(Failure::into_api_error)?.joined_rooms;
        Ok(rooms.contains(room))
    }

    /// A room's full state, each event as JSON.
    async fn raw_state(&self, room: &OwnedRoomId) -> Result<Vec<Value>> {
        let client = self.client().await?;
        let state = client
            .send(get_state_events::v3::Request::new(room.clone()))
            .await
            .map_err(Failure::into_api_error)?
            .room_state;
        Ok(state.iter().filter_map(|e| serde_json::from_str(e.json().get()).ok()).collect())
    }

    /// Joins a room I was invited to; `false` when I cannot (not invited, gone).
    async fn join(&self, room: &OwnedRoomId) -> Result<bool> {
        if self.joined(room).await? {
            return Ok(true);
        }
        match self.client().await?.send(join_room_by_id::v3::Request::new(room.clone())).await {
            Ok(_) => Ok(true),
            Err(f) if matches!(f.status, Some(403 | 404)) => Ok(false),
            Err(f) => Err(f.into_api_error()),
        }
    }

    /// The room to use, joined, with the warning that comes with it; no room when I cannot join it.
    async fn use_room(&self, room: OwnedRoomId, warning: Option<String>) -> Result<CaseLogRoom> {
        let room = self.join(&room).await?.then(|| room.to_string());
        Ok(CaseLogRoom { room, warning })
    }

    /// Whether the room the group's pointer names may be trusted (see the module docs); joins
    /// it to read its state. `Ok(None)`: trusted but not joinable (not invited yet).
    async fn check_pointer(
        &self,
        group: &OwnedRoomId,
        group_state: &[Value],
        (sender, at, room): (&str, i64, &OwnedRoomId),
    ) -> Result<std::result::Result<Option<()>, String>> {
        let raw: Vec<String> = group_state.iter().map(Value::to_string).collect();
        let history = self.power_history(group, raw.iter().map(String::as_str), at).await?;
        if !history.admin_at(sender, at) {
            return Ok(Err(format!("it was set by {sender}, who was not the group's owner or an admin")));
        }
        if !self.join(room).await? {
            return Ok(Ok(None));
        }
        let (creator, created) = match moderation_room_of(&self.raw_state(room).await?, group.as_str()) {
            Ok(c) => c,
            Err(why) => return Ok(Err(why)),
        };
        let history = self.power_history(group, raw.iter().map(String::as_str), created).await?;
        if !history.managed_at(&creator, created) {
            return Ok(Err(format!("its room was created by {creator}, who did not manage the group")));
        }
        Ok(Ok(Some(())))
    }

    /// The group's moderation room, joined (see the module docs for when the pointer is
    /// followed); `trusted` is the room I last trusted; created when there is none and
    /// `create` is set. No room when there is none yet, or when I cannot join it.
    pub async fn moderation_room(
        &self,
        group: &OwnedRoomId,
        trusted: Option<&str>,
        create: bool,
    ) -> Result<CaseLogRoom> {
        let client = self.client().await?;
        let trusted = trusted.and_then(|t| OwnedRoomId::try_from(t).ok());
        let group_state = self.raw_state(group).await?;
        let fallback = |why: String| {
            let why = match &trusted {
                Some(t) => format!("the group's case-log pointer is not followed ({why}); still using {t}"),
                None => format!("the group's case-log pointer is not followed ({why})"),
            };
            (trusted.clone(), why)
        };
        if let Some((sender, at, id)) = pointer(&group_state) {
            let Ok(room) = OwnedRoomId::try_from(id.as_str()) else {
                let (room, why) = fallback(format!("“{id}” is not a room ID"));
                return match room {
                    Some(room) => self.use_room(room, Some(why)).await,
                    None => Ok(CaseLogRoom { room: None, warning: Some(why) }),
                };
            };
            if trusted.as_ref() == Some(&room) {
                return self.use_room(room, None).await;
            }
            return match self.check_pointer(group, &group_state, (&sender, at, &room)).await? {
                Ok(Some(())) => Ok(CaseLogRoom { room: Some(room.to_string()), warning: None }),
                Ok(None) => Ok(CaseLogRoom::default()),
                Err(why) => match fallback(why) {
                    (Some(room), why) => self.use_room(room, Some(why)).await,
                    (None, why) => Ok(CaseLogRoom { room: None, warning: Some(why) }),
                },
            };
        }
        if let Some(room) = trusted {
            let why = format!("the group no longer points at its case log; still using {room}");
            return self.use_room(room, Some(why)).await;
        }
        if !create {
            return Ok(CaseLogRoom::default());
        }
        // Only those whose pointer the other consoles would follow start the case log: a
        // moderator's room would be refused by every console (see `check_pointer`), so a
        // moderator's records wait until an owner or admin has started it.
        let raw_group: Vec<String> = group_state.iter().map(Value::to_string).collect();
        let me = state::group_state(group.as_str(), raw_group.iter().map(String::as_str), &Default::default())
            .power
            .role(&self.account.user_id);
        if !matches!(me, Role::Owner | Role::Admin) {
            return Ok(CaseLogRoom::default());
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
        Ok(CaseLogRoom { room: Some(room.to_string()), warning: None })
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

    /// Posts one of my case records to the group's moderation room (inviting its managers who are not in yet); `txn_id` makes a retry a no-op.
    pub async fn publish_case_event(&self, group_id: &str, room: &str, content: &Value, txn_id: &str) -> Result<()> {
        let (group, room) = (room_id(group_id)?, room_id(room)?);
        self.invite_managers(&group, &room).await?;
        let txn: OwnedTransactionId = txn_id.into();
        let request =
            send_message_event::v3::Request::new_raw(room, txn, MessageLikeEventType::from(CASE_EVENT), raw(content));
        self.client().await?.send(request).await.map(drop).map_err(Failure::into_api_error)
    }

    /// The claims on queue items the moderation room holds.
    pub async fn claim_events(&self, room: &str) -> Result<Vec<qunguan_core::queue::Claim>> {
        Ok(claims(&self.raw_state(&room_id(room)?).await?))
    }

    /// Writes my claim on `item` until `until_ms`, or releases it (`None`: empty content). The
    /// group's managers are invited first, so a claim in a room just made is seen by them too.
    pub async fn put_claim_event(&self, room: &str, group: &str, item: &str, until_ms: Option<i64>) -> Result<()> {
        self.invite_managers(&room_id(group)?, &room_id(room)?).await?;
        let content = match until_ms {
            Some(until) => json!({"holder": self.account.user_id, "group": group, "until": until}),
            None => json!({}),
        };
        self.put_state_key(&room_id(room)?, StateEventType::from(CLAIM_EVENT), item, &content).await
    }

    /// Writes my chain head (see the module docs), after my records it names were posted.
    pub async fn publish_chain_head_event(&self, room: &str, head: &Value) -> Result<()> {
        let room = room_id(room)?;
        self.put_state_key(&room, StateEventType::from(HEAD_EVENT), &self.account.user_id, head).await
    }

    /// The moderation room's heads (read first, see the module docs), then its timeline: all of
    /// it on the first read, only what came after `since` later. The cursor is `<room> <token>`,
    /// so a group pointed at another room starts over there. Each record says whether its
    /// sender managed the group when it was received; only applied redactions are removals.
    pub async fn shared_case_events(&self, group_id: &str, room: &str, since: Option<&str>) -> Result<SharedLog> {
        let mut log = SharedLog::default();
        let (group, room) = (room_id(group_id)?, room_id(room)?);
        let room_state = self.raw_state(&room).await?;
        let raw_room: Vec<String> = room_state.iter().map(Value::to_string).collect();
        log.heads = heads(raw_room.iter().map(String::as_str));
        let token = since.and_then(|c| c.split_once(' ')).filter(|(r, _)| *r == room.as_str()).map(|(_, t)| t);
        let (events, next) = match token {
            Some(t) => self.read_forward(&room, t.to_owned()).await?,
            None => self.read_all(&room).await?,
        };
        tracing::debug!(%room, events = events.len(), from_start = token.is_none(), "moderation room read");
        let power = state::group_state(room.as_str(), raw_room.iter().map(String::as_str), &Default::default()).power;
        let could_redact = |user: &str| power.power(user).is_none_or(|p| p >= power.levels.redact);
        let unsure = sort_timeline(&events, could_redact, &mut log);
        for target in unsure.into_iter().take(MAX_REDACTION_CHECKS) {
            if self.served_redacted(&room, &target).await? {
                log.removed.push(target);
            }
        }
        if let Some(oldest) = log.records.iter().map(|r| r.received_at_ms).min() {
            let group_state = self.raw_state(&group).await?;
            let raw: Vec<String> = group_state.iter().map(Value::to_string).collect();
            let history = self.power_history(&group, raw.iter().map(String::as_str), oldest).await?;
            for r in &mut log.records {
                r.sender_managed = history.managed_at(&r.sender, r.received_at_ms);
            }
        }
        log.next = Some(format!("{room} {next}"));
        Ok(log)
    }

    /// Whether the server serves this event redacted (a redaction it applied).
    async fn served_redacted(&self, room: &OwnedRoomId, event_id: &str) -> Result<bool> {
        let Ok(id) = ruma::OwnedEventId::try_from(event_id) else { return Ok(false) };
        match self.client().await?.send(get_room_event::v3::Request::new(room.clone(), id)).await {
            Ok(r) => Ok(serde_json::from_str::<Value>(r.event.json().get())
                .is_ok_and(|v| v.pointer("/unsigned/redacted_because").is_some())),
            Err(f) if matches!(f.status, Some(403 | 404)) => Ok(false),
            Err(f) => Err(f.into_api_error()),
        }
    }

    /// The whole timeline, oldest first, and the token of its live end (where the next read starts).
    pub(crate) async fn read_all(&self, room: &OwnedRoomId) -> Result<(Vec<Value>, String)> {
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
    pub(crate) async fn read_forward(&self, room: &OwnedRoomId, mut from: String) -> Result<(Vec<Value>, String)> {
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
    fn claims_are_read_as_written_for_the_engine_to_judge() {
        let state = vec![
            json!({"type": CLAIM_EVENT, "state_key": "abc", "sender": "@a:hs", "content": {"holder": "@a:hs", "group": "!g", "until": 99}}),
            json!({"type": CLAIM_EVENT, "state_key": "def", "sender": "@b:hs", "content": {}}),
            json!({"type": HEAD_EVENT, "state_key": "@a:hs", "sender": "@a:hs", "content": {}}),
            json!({"type": CLAIM_EVENT, "sender": "@c:hs", "content": {"holder": "@c:hs"}}),
        ];
        let got = claims(&state);
        assert_eq!(got.len(), 2, "two claims (a claim without a state key is no claim): {got:?}");
        assert_eq!((got[0].item.as_str(), got[0].holder.as_deref(), got[0].until_ms), ("abc", Some("@a:hs"), 99));
        assert_eq!((got[1].holder.as_deref(), got[1].sender.as_str()), (None, "@b:hs"), "an empty claim is a release");
    }

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
            json!({"type": CASE_EVENT, "event_id": "$1", "sender": "@a:hs", "origin_server_ts": 5, "content": {"hash": "x"}}),
            json!({"type": CASE_EVENT, "event_id": "$2", "sender": "@a:hs", "content": {},
                   "unsigned": {"redacted_because": {"type": "m.room.redaction"}}}),
            json!({"type": "m.room.redaction", "event_id": "$3", "sender": "@a:hs", "redacts": "$9", "content": {}}),
            json!({"type": "m.room.redaction", "event_id": "$4", "sender": "@a:hs", "content": {"redacts": "$8"}}),
            json!({"type": "m.room.message", "event_id": "$5", "sender": "@a:hs", "content": {"body": "hi"}}),
        ];
        let mut log = SharedLog::default();
        assert!(
            sort_timeline(&events, |_| true, &mut log).is_empty(),
            "events that are not case records should give no record"
        );
        let entry = &log.records[..];
        assert_eq!(
            entry
                .iter()
                .map(|r| (r.sender.as_str(), r.event_id.as_str(), &r.content, r.received_at_ms))
                .collect::<Vec<_>>(),
            [("@a:hs", "$1", &json!({"hash": "x"}), 5)]
        );
        assert_eq!(log.removed, ["$2", "$9", "$8"]);
    }

    #[test]
    fn redaction_by_a_member_without_power_is_not_a_removal() {
        let events = [
            json!({"type": CASE_EVENT, "event_id": "$1", "sender": "@admin:hs", "content": {"hash": "x"}}),
            // The server did not apply it: the record in this batch is served intact.
            json!({"type": "m.room.redaction", "event_id": "$2", "sender": "@member:hs", "redacts": "$1", "content": {}}),
            // A record from an earlier read: whether it was applied shows only on the record.
            json!({"type": "m.room.redaction", "event_id": "$3", "sender": "@member:hs", "redacts": "$0", "content": {}}),
            json!({"type": "m.room.redaction", "event_id": "$4", "sender": "@mod:hs", "redacts": "$7", "content": {}}),
        ];
        let mut log = SharedLog::default();
        let unsure = sort_timeline(&events, |u| u == "@mod:hs", &mut log);
        assert_eq!(log.removed, ["$7"], "only the redaction by someone who could redact is a removal");
        assert_eq!(unsure, ["$0"], "the one naming an earlier record is checked on the record itself");
        assert_eq!(log.records.len(), 1, "the record the powerless redaction named is still a record");
    }

    #[test]
    fn only_a_room_its_creator_marked_for_this_group_is_a_case_log() {
        let group = [json!({"type": POINTER_EVENT, "state_key": "", "sender": "@mod:hs", "origin_server_ts": 9,
                            "content": {"room_id": "!theirs:hs"}})];
        assert_eq!(
            pointer(&group),
            Some(("@mod:hs".to_owned(), 9, "!theirs:hs".to_owned())),
            "the pointer should name who set it, when, and the room"
        );
        let create = json!({"type": "m.room.create", "state_key": "", "sender": "@mod:hs", "origin_server_ts": 3,
                            "content": {"room_version": "10"}});
        let marker = |sender: &str, key: &str, group: &str| {
            json!({"type": CONSOLE_ROOM_EVENT, "state_key": key, "sender": sender,
                   "content": {"kind": "moderation", "group": group}})
        };
        assert_eq!(
            moderation_room_of(&[create.clone(), marker("@mod:hs", "", "!g:hs")], "!g:hs"),
            Ok(("@mod:hs".to_owned(), 3)),
            "a well-formed room: whether its creator managed the group is judged by the power history"
        );
        for (state, what) in [
            (vec![marker("@mod:hs", "", "!g:hs")], "no create event"),
            (vec![create.clone()], "no marker"),
            (vec![create.clone(), marker("@other:hs", "", "!g:hs")], "a marker its creator did not set"),
            (vec![create.clone(), marker("@mod:hs", "x", "!g:hs")], "a marker with a state key"),
            (vec![create.clone(), marker("@mod:hs", "", "!other:hs")], "another group's room"),
        ] {
            assert!(moderation_room_of(&state, "!g:hs").is_err(), "{what}");
        }
    }
}
