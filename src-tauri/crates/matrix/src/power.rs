//! Editing a group's power levels without losing another admin's concurrent edit.
//!
//! The power levels are one state event holding every member's level, and Matrix has no
//! compare-and-swap: two admins who read the same event and each write it back with their own
//! change make the later write drop the earlier one's change (two mutes at once: one holds).
//! So after each write this module reads the new event's `unsigned.replaces_state`: when it
//! is not the event the edit was based on, another write landed in between and was replaced.
//! Its changes (against the event read) are written back, key by key (a member's level, an
//! event's level, a top-level setting), except the keys this edit itself changes, and the
//! result is written again, up to [`MAX_POWER_WRITES`](crate::power::MAX_POWER_WRITES) times. Whichever of two racing writes
//! lands second sees the other in its `replaces_state` and repairs it.

use std::collections::{BTreeMap, BTreeSet};

use qunguan_core::action::Applied;
use qunguan_core::{ApiError, ErrorCode, Result};
use ruma::api::client::room::get_room_event;
use ruma::api::client::state::{get_state_event_for_key, send_state_event};
use ruma::events::StateEventType;
use ruma::{OwnedEventId, OwnedRoomId};
use serde_json::{Map, Value};

use crate::actions::raw;
use crate::http::Failure;
use crate::platform::MatrixPlatform;

/// At most this many writes of one change racing other admins' writes.
pub const MAX_POWER_WRITES: usize = 5;

/// One setting of the power levels: a top-level key, or one entry of a top-level map
/// (`("users", Some(member))`, `("events", Some(type))`).
type Leaf = (String, Option<String>);

fn leaves(content: &Value) -> BTreeMap<Leaf, &Value> {
    let mut out = BTreeMap::new();
    for (key, value) in content.as_object().into_iter().flatten() {
        match value.as_object() {
            Some(map) => out.extend(map.iter().map(|(inner, v)| ((key.clone(), Some(inner.clone())), v))),
            None => {
                out.insert((key.clone(), None), value);
            }
        }
    }
    out
}

/// The settings that differ from `from` to `to`, with their value in `to` (`None`: removed).
fn changes(from: &Value, to: &Value) -> BTreeMap<Leaf, Option<Value>> {
    let (a, b) = (leaves(from), leaves(to));
    a.keys()
        .chain(b.keys())
        .filter(|leaf| a.get(*leaf) != b.get(*leaf))
        .map(|leaf| (leaf.clone(), b.get(leaf).map(|v| (*v).clone())))
        .collect()
}

/// What a write that replaced `replaced` dropped: its changes against `base` (the event the
/// edit read), leaving out the settings in `mine` (the edit's own, which win).
pub fn lost_changes(base: &Value, replaced: &Value, mine: &BTreeSet<Leaf>) -> BTreeMap<Leaf, Option<Value>> {
    changes(base, replaced).into_iter().filter(|(leaf, _)| !mine.contains(leaf)).collect()
}

/// Writes `changes` into `content` (an object).
pub fn apply(content: &mut Value, changes: BTreeMap<Leaf, Option<Value>>) {
    let Some(top) = content.as_object_mut() else { return };
    for ((key, inner), value) in changes {
        match (inner, value) {
            (None, Some(v)) => {
                top.insert(key, v);
            }
            (None, None) => {
                if !top.get(&key).is_some_and(Value::is_object) {
                    top.remove(&key);
                }
            }
            (Some(inner), Some(v)) => {
                let map = top.entry(key).or_insert_with(|| Value::Object(Map::new()));
                if !map.is_object() {
                    *map = Value::Object(Map::new());
                }
                map.as_object_mut().expect("made an object above").insert(inner, v);
            }
            (Some(inner), None) => {
                if let Some(map) = top.get_mut(&key).and_then(Value::as_object_mut) {
                    map.remove(&inner);
                }
            }
        }
    }
}

fn platform(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Platform, message)
}

impl MatrixPlatform {
    /// The power levels event: its ID (`None` when the server answers with the content only)
    /// and its content.
    async fn power_levels_event(&self, room: &OwnedRoomId) -> Result<(Option<String>, Value)> {
        let client = self.client().await?;
        let mut request =
            get_state_event_for_key::v3::Request::new(room.clone(), StateEventType::RoomPowerLevels, String::new());
        request.format = get_state_event_for_key::v3::StateEventFormat::Event;
        let answer = match client.send(request).await {
            Ok(r) => serde_json::from_str::<Value>(r.event_or_content.get()).unwrap_or(Value::Null),
            Err(f) if f.status == Some(404) => return Err(platform("the group has no power levels")),
            Err(f) => return Err(f.into_api_error()),
        };
        match (answer.get("event_id").and_then(Value::as_str), answer.get("content")) {
            (Some(id), Some(content)) if content.is_object() => Ok((Some(id.to_owned()), content.clone())),
            _ if answer.is_object() => Ok((None, answer)),
            _ => Err(platform("the group's power levels are not a JSON object")),
        }
    }

    /// The state event `written` replaced, as `(event ID, content)`; `None` when the server
    /// does not say.
    async fn replaced_state(&self, room: &OwnedRoomId, written: &OwnedEventId) -> Result<Option<(String, Value)>> {
        let client = self.client().await?;
        let get = |id: OwnedEventId| client.send(get_room_event::v3::Request::new(room.clone(), id));
        let event = get(written.clone()).await.map_err(Failure::into_api_error)?;
        let event: Value = serde_json::from_str(event.event.json().get()).unwrap_or(Value::Null);
        let Some(replaced) = event.pointer("/unsigned/replaces_state").and_then(Value::as_str) else {
            return Ok(None);
        };
        if let Some(content) = event.pointer("/unsigned/prev_content").filter(|c| c.is_object()) {
            return Ok(Some((replaced.to_owned(), content.clone())));
        }
        let id = OwnedEventId::try_from(replaced)
            .map_err(|_| platform("the homeserver named a malformed event as the one replaced"))?;
        let previous = get(id).await.map_err(Failure::into_api_error)?;
        let previous: Value = serde_json::from_str(previous.event.json().get()).unwrap_or(Value::Null);
        Ok(Some((replaced.to_owned(), previous.get("content").cloned().unwrap_or(Value::Null))))
    }

    /// Read-modify-write of the power levels: change what `edit` changes, write back what a
    /// concurrent write lost (see the module docs), then re-read to confirm.
    pub(crate) async fn edit_power_levels(
        &self,
        room: &OwnedRoomId,
        edit: impl Fn(&mut Value) -> bool,
    ) -> Result<Applied> {
        let (mut base_id, mut base) = self.power_levels_event(room).await?;
        let mut target = base.clone();
        if !edit(&mut target) {
            return Ok(Applied::AlreadyDone { event_id: None });
        }
        let mine: BTreeSet<Leaf> = changes(&base, &target).into_keys().collect();
        let mut settled = false;
        for _ in 0..MAX_POWER_WRITES {
            let request = send_state_event::v3::Request::new_raw(
                room.clone(),
                StateEventType::RoomPowerLevels,
                String::new(),
                raw(&target),
            );
            let written = self.client().await?.send(request).await.map_err(Failure::into_api_error)?.event_id;
            // A server that names neither event cannot be checked: the re-read below is all there is.
            let Some(read) = base_id.as_deref() else {
                settled = true;
                break;
            };
            let Some((replaced_id, replaced)) = self.replaced_state(room, &written).await? else {
                settled = true;
                break;
            };
            if replaced_id != read && !replaced.is_object() {
                // Nothing to merge from (never write back "everything was removed").
                tracing::warn!("the power levels another write replaced could not be read; not merged");
            }
            let lost = if replaced_id == read || !replaced.is_object() {
                Default::default()
            } else {
                lost_changes(&base, &replaced, &mine)
            };
            if lost.is_empty() {
                settled = true;
                break;
            }
            tracing::info!(changes = lost.len(), "another power-level write landed in between; writing it back");
            (base_id, base) = (Some(written.to_string()), target.clone());
            apply(&mut target, lost);
        }
        if !settled {
            return Err(platform(format!(
                "the group's power levels kept changing under this edit ({MAX_POWER_WRITES} writes); it will be tried again"
            )));
        }
        let (_, mut confirmed) = self.power_levels_event(room).await?;
        if edit(&mut confirmed) {
            return Err(platform("the power-level change did not hold on re-read"));
        }
        Ok(Applied::Done { event_id: None })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // Regression (8b9143b): when another admin's power-levels write landed between my read and my
    // write, mine replaced theirs and their mute was lost (e2e: concurrent_mutes_by_two_admins_both_hold).
    #[test]
    fn regression_a_concurrent_power_levels_write_lost_the_other_admins_changes() {
        let base =
            json!({"users": {"@owner:hs": 100, "@y:hs": 50}, "events_default": 0, "events": {"m.room.name": 50}});
        // Another admin muted @x, lowered @y and raised the name's level; I mute @y.
        let replaced = json!({"users": {"@owner:hs": 100, "@x:hs": -1, "@y:hs": 0}, "events_default": 0,
                              "events": {"m.room.name": 100}});
        let mut mine = base.clone();
        mine["users"]["@y:hs"] = json!(-1);
        let my_keys: BTreeSet<Leaf> = changes(&base, &mine).into_keys().collect();
        assert_eq!(my_keys, BTreeSet::from([("users".to_owned(), Some("@y:hs".to_owned()))]), "my edit's one key");

        let lost = lost_changes(&base, &replaced, &my_keys);
        apply(&mut mine, lost);
        assert_eq!(
            mine,
            json!({"users": {"@owner:hs": 100, "@x:hs": -1, "@y:hs": -1}, "events_default": 0,
                   "events": {"m.room.name": 100}}),
            "their mute and their event level come back; on the key we both changed mine stays"
        );
    }

    #[test]
    fn a_removed_entry_is_removed_again_and_hostile_shapes_do_not_panic() {
        let base = json!({"users": {"@a:hs": -1, "@b:hs": 0}, "ban": 50});
        let replaced = json!({"users": {"@b:hs": 0}});
        let mut mine = json!({"users": {"@a:hs": -1, "@b:hs": -1}, "ban": 50});
        let keys: BTreeSet<Leaf> = changes(&base, &mine).into_keys().collect();
        apply(&mut mine, lost_changes(&base, &replaced, &keys));
        assert_eq!(mine, json!({"users": {"@b:hs": -1}}), "their unmute of @a and removal of ban are kept");

        for hostile in [json!([]), json!({"users": 5}), json!(null), json!({"users": {"@a:hs": "x"}})] {
            let mut target = json!({"users": {"@c:hs": -1}});
            let lost = lost_changes(&base, &hostile, &BTreeSet::new());
            apply(&mut target, lost);
            assert!(target.is_object(), "merging {hostile} leaves an object");
        }
    }
}
