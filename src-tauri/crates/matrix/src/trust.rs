//! Who managed a group when: the power levels in force at a server time, to judge what others
//! wrote (shared case records, the case-log pointer) by the standing their sender had then.
//!
//! ## How far back, and what is sound
//! The walk starts at the group's current `m.room.power_levels` event (from its state, with
//! its `origin_server_ts` and `unsigned.replaces_state`) and follows `replaces_state` back
//! (`GET /rooms/{id}/event/{id}`) only as far as the oldest time asked about needs, and at
//! most [`MAX_STEPS`](crate::trust::MAX_STEPS) events. A time is judged by the newest levels event received at or
//! before it. Before the group's first levels event only its creators manage it. A time older
//! than what the walk reached (the bound, or an event the server would not give) is unknown,
//! and unknown is judged as *not* managing: such a record is kept but never trusted.
//!
//! Times are the servers' `origin_server_ts`, not the writer-chosen `created_at` of a record;
//! a hostile server can lie about them too, but then only about its own users' events.

use qunguan_core::{PowerLevels, PowerSnapshot, Result, Role};
use ruma::api::client::room::get_room_event;
use ruma::{OwnedEventId, OwnedRoomId};
use serde_json::Value;

use crate::http::Failure;
use crate::platform::MatrixPlatform;
use crate::state;

/// Levels events followed back from the current one, at most.
pub const MAX_STEPS: usize = 32;

/// One levels event: when it was received, what it said, and the one it replaced.
fn levels_event(v: &Value) -> Option<(i64, PowerLevels, Option<String>)> {
    let ts = v.get("origin_server_ts")?.as_i64()?;
    let levels = state::power_levels(v.get("content")?);
    let replaces = v.pointer("/unsigned/replaces_state").and_then(Value::as_str).map(str::to_owned);
    Some((ts, levels, replaces))
}

/// The power levels of a group over time, newest first, as far back as they were read.
#[derive(Debug, Clone)]
pub struct PowerHistory {
    creators: Vec<String>,
    creators_outrank: bool,
    /// `(received at, levels)`, newest first.
    levels: Vec<(i64, PowerLevels)>,
    /// The levels event before the oldest one read; `None` when the oldest is the first.
    older: Option<String>,
}

impl PowerHistory {
    /// The history as the group's state shows it now (raw state events): its current levels.
    pub fn from_state<'a>(room_id: &str, raw: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        let snapshot: PowerSnapshot = state::group_state(room_id, raw.clone(), &Default::default()).power;
        let current = raw.into_iter().filter_map(|r| serde_json::from_str::<Value>(r).ok()).find(|v| {
            v.get("type").and_then(Value::as_str) == Some("m.room.power_levels")
                && v.get("state_key").and_then(Value::as_str) == Some("")
        });
        let (levels, older) = match current.as_ref().map(levels_event) {
            Some(Some((ts, levels, replaces))) => (vec![(ts, levels)], replaces),
            // A levels event that does not read as one: nothing is known, nothing trusted.
            Some(None) => (Vec::new(), Some(String::new())),
            // No levels event at all: the creation rules hold, since the beginning.
            None => (vec![(i64::MIN, snapshot.levels)], None),
        };
        Self { creators: snapshot.creators, creators_outrank: snapshot.creators_outrank, levels, older }
    }

    /// Adds the next older levels event (raw JSON); `false` when it does not read as one.
    fn push_older(&mut self, v: &Value) -> bool {
        let Some((ts, levels, replaces)) = levels_event(v) else { return false };
        self.levels.push((ts, levels));
        self.older = replaces;
        true
    }

    fn oldest(&self) -> i64 {
        self.levels.last().map_or(i64::MIN, |(ts, _)| *ts)
    }

    /// The role `user` had at server time `ts`; `None` when that is older than what was read.
    pub fn role_at(&self, user: &str, ts: i64) -> Option<Role> {
        let snapshot = |levels: &PowerLevels| PowerSnapshot {
            creators: self.creators.clone(),
            creators_outrank: self.creators_outrank,
            levels: levels.clone(),
        };
        match self.levels.iter().find(|(at, _)| *at <= ts) {
            Some((_, levels)) => Some(snapshot(levels).role(user)),
            // Before the first levels event only the creators manage the group.
            None if self.older.is_none() => {
                Some(if self.creators.iter().any(|c| c == user) { Role::Owner } else { Role::Member })
            }
            None => None,
        }
    }

    /// Whether `user` managed the group (moderator or above) at `ts`; unknown is no.
    pub fn managed_at(&self, user: &str, ts: i64) -> bool {
        self.role_at(user, ts).is_some_and(Role::manages)
    }

    /// Whether `user` was owner or admin at `ts`; unknown is no.
    pub fn admin_at(&self, user: &str, ts: i64) -> bool {
        self.role_at(user, ts).is_some_and(|r| r >= Role::Admin)
    }
}

impl MatrixPlatform {
    /// The group's power history from its raw state, read back far enough to judge `since`
    /// (see the module docs for the bound).
    pub(crate) async fn power_history<'a>(
        &self,
        group: &OwnedRoomId,
        raw_state: impl IntoIterator<Item = &'a str> + Clone,
        since: i64,
    ) -> Result<PowerHistory> {
        let mut history = PowerHistory::from_state(group.as_str(), raw_state);
        let client = self.client().await?;
        for _ in 0..MAX_STEPS {
            if history.oldest() <= since {
                break;
            }
            let Some(id) = history.older.clone().and_then(|id| OwnedEventId::try_from(id).ok()) else { break };
            let event = match client.send(get_room_event::v3::Request::new(group.clone(), id)).await {
                Ok(r) => serde_json::from_str::<Value>(r.event.json().get()).ok(),
                // Not given to me (history visibility, purged): what lies before stays unknown.
                Err(f) if matches!(f.status, Some(403 | 404)) => None,
                Err(f) => return Err(Failure::into_api_error(f)),
            };
            if !event.is_some_and(|v| history.push_older(&v)) {
                break;
            }
        }
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn levels(ts: i64, users: Value, replaces: Option<&str>) -> Value {
        json!({"type": "m.room.power_levels", "state_key": "", "sender": "@owner:hs", "origin_server_ts": ts,
               "content": {"users": users}, "unsigned": {"replaces_state": replaces}})
    }

    #[test]
    fn a_sender_is_judged_by_the_levels_in_force_when_the_server_received_it() {
        let create = json!({"type": "m.room.create", "state_key": "", "sender": "@owner:hs",
                            "origin_server_ts": 1, "content": {"room_version": "10"}})
        .to_string();
        // Now: @ex was demoted at 300; between 200 and 300 @ex was an admin; before 200 a member.
        let now = levels(300, json!({"@owner:hs": 100}), Some("$mid")).to_string();
        let mut h = PowerHistory::from_state("!g", [create.as_str(), now.as_str()]);
        assert_eq!(h.role_at("@ex:hs", 350), Some(Role::Member), "demoted now");
        assert_eq!(h.role_at("@ex:hs", 250), None, "older than what was read: unknown");
        assert!(!h.managed_at("@ex:hs", 250), "unknown is not trusted");
        assert!(
            h.push_older(&levels(200, json!({"@owner:hs": 100, "@ex:hs": 100}), Some("$first"))),
            "a readable older levels event should extend the history"
        );
        assert!(h.admin_at("@ex:hs", 250), "an admin back then");
        assert!(
            h.push_older(&levels(2, json!({"@owner:hs": 100}), None)),
            "the first levels event (replacing none) should still be taken"
        );
        assert_eq!(h.role_at("@ex:hs", 150), Some(Role::Member), "not yet promoted");
        assert_eq!(h.role_at("@owner:hs", 1), Some(Role::Owner), "before any levels: the creator");
        assert_eq!(h.role_at("@ex:hs", 1), Some(Role::Member), "before any levels a plain member is a member");
        assert!(!h.push_older(&json!({"type": "m.room.power_levels"})), "junk is no levels event");
    }

    // Regression (b795979): a levels event that did not read as one (no time) fell back to the
    // creation rules, so the creator counted as owner at every time instead of nothing being known.
    #[test]
    fn regression_unreadable_levels_fell_back_to_the_creation_rules() {
        let create = json!({"type": "m.room.create", "state_key": "", "sender": "@owner:hs",
                            "origin_server_ts": 1, "content": {"room_version": "10"}})
        .to_string();
        let junk = json!({"type": "m.room.power_levels", "state_key": "", "content": {}}).to_string();
        let h = PowerHistory::from_state("!g", [create.as_str(), junk.as_str()]);
        assert_eq!(h.role_at("@owner:hs", 5), None, "levels without a time say nothing about any time");
    }
}
