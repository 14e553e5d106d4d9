//! Following the groups: `/sync` filtered to them and to the console's own rooms, and
//! `/messages` to fill a gap, read event by event.
//!
//! ## Design
//! - One filter: only the groups asked for and the case-log rooms (their moderation
//!   rooms, my account log), only the event types the console keeps (messages, reactions,
//!   redactions, the state that changes who manages what and where the case log is; case
//!   records, claims, chain heads), no presence, no ephemeral events, members lazily loaded.
//!   It is uploaded (`POST /user/{me}/filter`) and named by its ID, not put in the URL: it
//!   lists every room, tens of kilobytes for a few hundred groups. Uploaded again whenever
//!   the rooms change (the ID is kept in memory with the filter it stands for) and after a
//!   round the server refused, in case it lost the filter.
//! - A case-log room's part of the answer is only read as "it had news"
//!   ([`qunguan_core::sync::SyncBatch::log_rooms`]): the engine then reads it the trusted way
//!   (see [`crate::shared`]), so an idle round is this one request.
//! - Every event is read from its JSON by hand ([`crate::sync::read_event`]): an event from another server
//!   that does not parse is counted as skipped, never fails the round.
//! - Replies are told apart here (Matrix's `m.in_reply_to`, the quoted fallback stripped from
//!   the body); whether one is a *report* is the engine's call ([`qunguan_core::report`]).

use std::collections::HashSet;

use qunguan_core::Result;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::sync::{Backfill, GroupBatch, SyncBatch, TimelineEvent};
use serde_json::{Value, json};

use crate::actions::CASE_ID_KEY;
use crate::admin::encode;
use crate::http::Failure;
use crate::platform::MatrixPlatform;
use crate::shared::{CASE_EVENT, CLAIM_EVENT, HEAD_EVENT, POINTER_EVENT};
use crate::state::CONSOLE_ROOM_EVENT;

/// Events per group a round brings at most (the rest is a gap, filled by paging back).
const TIMELINE_LIMIT: u32 = 100;
/// The event types the console keeps from a timeline.
const TIMELINE_TYPES: &[&str] = &[
    "m.room.message",
    "m.reaction",
    "m.room.redaction",
    "m.room.encrypted",
    "m.room.member",
    "m.room.power_levels",
    "m.room.name",
    "m.room.canonical_alias",
    "m.room.encryption",
    "m.room.create",
    POINTER_EVENT,
    CASE_EVENT,
    CLAIM_EVENT,
    HEAD_EVENT,
    CONSOLE_ROOM_EVENT,
];
/// State types that change who manages the group, what it is called, where its case log is;
/// in a case-log room, its claims, chain heads and marker.
const STATE_TYPES: &[&str] = &[
    "m.room.member",
    "m.room.power_levels",
    "m.room.name",
    "m.room.canonical_alias",
    "m.room.encryption",
    POINTER_EVENT,
    CLAIM_EVENT,
    HEAD_EVENT,
    CONSOLE_ROOM_EVENT,
];
/// State types that change a group's standing: who may claim, where its case log is.
const STANDING_TYPES: &[&str] = &["m.room.power_levels", POINTER_EVENT];

/// The sync filter for `groups` and the case-log rooms `logs`.
fn filter(groups: &[String], logs: &[String]) -> Value {
    let rooms: Vec<&String> = groups.iter().chain(logs).collect();
    json!({
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
        "room": {
            "rooms": rooms,
            "timeline": {"limit": TIMELINE_LIMIT, "types": TIMELINE_TYPES, "lazy_load_members": true},
            "state": {"types": STATE_TYPES, "lazy_load_members": true},
            "ephemeral": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
            "include_leave": false,
        },
    })
}

/// A reply's body without the quoted fallback (`> <@a:hs> …` lines, then a blank line) that
/// older clients put before the reply's own text.
pub fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") && body != ">" {
        return body;
    }
    let mut rest = body;
    while let Some(line_end) = rest.find('\n') {
        let line = &rest[..line_end];
        if line.starts_with('>') {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest.strip_prefix('\n').unwrap_or(rest).trim_start_matches('\n')
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// One timeline event as the console keeps it; `None` for an event it does not keep (state,
/// encrypted) or cannot read.
pub fn read_event(v: &Value) -> Option<TimelineEvent> {
    let event_id = str_at(v, "/event_id")?.to_owned();
    let sender = str_at(v, "/sender")?.to_owned();
    let ts = v.get("origin_server_ts").and_then(Value::as_i64).unwrap_or(0);
    match str_at(v, "/type")? {
        "m.room.message" if str_at(v, "/content/m.relates_to/rel_type") == Some("m.replace") => {
            // The new text is in `m.new_content`; the body is a `* …` fallback for old clients.
            let target = str_at(v, "/content/m.relates_to/event_id")?.to_owned();
            let body = str_at(v, "/content/m.new_content/body")?.to_owned();
            Some(TimelineEvent::Edit { event_id, sender, ts, target, body })
        }
        "m.room.message" => {
            let redacted = v.pointer("/unsigned/redacted_because").is_some();
            let reply_to = str_at(v, "/content/m.relates_to/m.in_reply_to/event_id").map(str::to_owned);
            let body = str_at(v, "/content/body").map(|b| match reply_to {
                Some(_) => strip_reply_fallback(b).to_owned(),
                None => b.to_owned(),
            });
            Some(TimelineEvent::Message(MessageSnapshot {
                event_id,
                sender,
                ts,
                kind: "m.room.message".into(),
                body,
                redacted,
                redacted_by: str_at(v, "/unsigned/redacted_because/sender").map(str::to_owned),
                case_id: v.pointer(&format!("/content/{CASE_ID_KEY}")).and_then(Value::as_str).map(str::to_owned),
                reply_to,
            }))
        }
        "m.reaction" => {
            let relates = v.pointer("/content/m.relates_to")?;
            if relates.get("rel_type").and_then(Value::as_str) != Some("m.annotation") {
                return None;
            }
            Some(TimelineEvent::Reaction {
                event_id,
                sender,
                ts,
                target: relates.get("event_id")?.as_str()?.to_owned(),
                key: relates.get("key")?.as_str()?.to_owned(),
            })
        }
        "m.room.redaction" => {
            // Room version 11 moved `redacts` into the content; older rooms have it at the top.
            let redacts = str_at(v, "/content/redacts").or_else(|| str_at(v, "/redacts"))?.to_owned();
            Some(TimelineEvent::Redaction { event_id, sender, ts, redacts })
        }
        _ => None,
    }
}

/// Reads one group's part of a `/sync` answer.
fn read_group(group_id: &str, room: &Value) -> GroupBatch {
    let mut batch = GroupBatch { group_id: group_id.to_owned(), ..GroupBatch::default() };
    let timeline = room.get("timeline");
    batch.limited = timeline.and_then(|t| t.get("limited")).and_then(Value::as_bool).unwrap_or(false);
    batch.gap = timeline.and_then(|t| t.get("prev_batch")).and_then(Value::as_str).map(str::to_owned);
    let state = room.pointer("/state/events").and_then(Value::as_array);
    batch.state_changed = state.is_some_and(|s| !s.is_empty());
    let standing = |e: &Value| e.get("type").and_then(Value::as_str).is_some_and(|t| STANDING_TYPES.contains(&t));
    batch.standing_changed = state.is_some_and(|s| s.iter().any(standing));
    let events = timeline.and_then(|t| t.get("events")).and_then(Value::as_array);
    for e in events.into_iter().flatten() {
        if e.get("state_key").is_some() {
            batch.state_changed = true;
            batch.standing_changed |= standing(e);
            continue;
        }
        match e.get("type").and_then(Value::as_str) {
            Some("m.room.encrypted") => batch.encrypted_events += 1,
            // Case records belong in a moderation room: one posted in a group is no message.
            Some(CASE_EVENT) => {}
            _ => match read_event(e) {
                Some(event) => batch.events.push(event),
                None => batch.skipped += 1,
            },
        }
    }
    batch
}

/// Whether a room's part of a `/sync` answer holds any event (timeline or state).
fn has_news(room: &Value) -> bool {
    ["/timeline/events", "/state/events"]
        .iter()
        .any(|p| room.pointer(p).and_then(Value::as_array).is_some_and(|e| !e.is_empty()))
}

/// Reads a `/sync` answer, the rooms in `logs` (case-log rooms) only as having news or not;
/// `None` when it has no `next_batch` (not a sync answer at all).
pub fn read_sync(answer: &Value, logs: &[String]) -> Option<SyncBatch> {
    let next = answer.get("next_batch")?.as_str()?.to_owned();
    let logs: HashSet<&str> = logs.iter().map(String::as_str).collect();
    let (mut groups, mut log_rooms) = (Vec::new(), Vec::new());
    if let Some(joined) = answer.pointer("/rooms/join").and_then(Value::as_object) {
        for (id, room) in joined {
            match logs.contains(id.as_str()) {
                true if has_news(room) => log_rooms.push(id.clone()),
                true => {}
                false => groups.push(read_group(id, room)),
            }
        }
    }
    // A room I left (or was removed from): a group's cached state is stale; a case-log room
    // has to be found again (reading it will fail).
    if let Some(left) = answer.pointer("/rooms/leave").and_then(Value::as_object) {
        for id in left.keys() {
            match logs.contains(id.as_str()) {
                true => log_rooms.push(id.clone()),
                false => groups.push(GroupBatch {
                    group_id: id.clone(),
                    state_changed: true,
                    standing_changed: true,
                    ..GroupBatch::default()
                }),
            }
        }
    }
    Some(SyncBatch { next, groups, log_rooms })
}

/// Reads a backwards `/messages` page into events oldest first.
fn read_page(answer: &Value) -> Backfill {
    let mut page =
        Backfill { earlier: answer.get("end").and_then(Value::as_str).map(str::to_owned), ..Backfill::default() };
    for e in answer.get("chunk").and_then(Value::as_array).into_iter().flatten() {
        if e.get("state_key").is_some() || e.get("type").and_then(Value::as_str) == Some("m.room.encrypted") {
            continue;
        }
        match read_event(e) {
            Some(event) => page.events.push(event),
            None => page.skipped += 1,
        }
    }
    page.events.reverse();
    page
}

impl MatrixPlatform {
    /// One `/sync` round over `groups` and the case-log rooms `logs`: from `since` (`None`: the
    /// first), waiting up to `timeout_ms` for something new.
    pub async fn sync_round(
        &self,
        since: Option<&str>,
        groups: &[String],
        logs: &[String],
        timeout_ms: u64,
    ) -> Result<SyncBatch> {
        let filter = self.filter_id(groups, logs).await?;
        let mut path = format!("/_matrix/client/v3/sync?timeout={timeout_ms}&filter={}", encode(&filter));
        if let Some(since) = since {
            path.push_str(&format!("&since={}", encode(since)));
        }
        let answer = match self.client().await?.send_json(http::Method::GET, &path, None).await {
            Ok(answer) => answer,
            Err(failure) => {
                let e = failure.into_api_error();
                // A refused round may be the filter (a server that lost it): upload it again.
                if e.retry_kind() == qunguan_core::RetryKind::Permanent {
                    *self.sync_filter.lock().await = None;
                }
                return Err(e);
            }
        };
        read_sync(&answer, logs).ok_or_else(|| {
            Failure::unreadable(200, "unexpected answer from the homeserver: a sync without next_batch")
                .into_api_error()
        })
    }

    /// The server's ID for the filter over `groups` and `logs`, uploaded when it changed.
    /// An inline filter names every room in the URL: with a few hundred groups and their case
    /// logs that is tens of kilobytes, more than proxies in front of homeservers accept
    /// (`regression_a_sync_filter_of_many_rooms_is_uploaded_not_put_in_the_url`).
    async fn filter_id(&self, groups: &[String], logs: &[String]) -> Result<String> {
        let json = serde_json::to_string(&filter(groups, logs)).expect("a filter always serialises");
        let mut cached = self.sync_filter.lock().await;
        if let Some((_, id)) = cached.as_ref().filter(|(known, _)| *known == json) {
            return Ok(id.clone());
        }
        let path = format!("/_matrix/client/v3/user/{}/filter", encode(&self.account.user_id));
        let body: Value = serde_json::from_str(&json).expect("just serialised");
        let answer = self
            .client()
            .await?
            .send_json(http::Method::POST, &path, Some(&body))
            .await
            .map_err(Failure::into_api_error)?;
        let id = answer
            .get("filter_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty() && id.len() <= 255 && !id.starts_with('{'))
            .ok_or_else(|| {
                Failure::unreadable(200, "unexpected answer from the homeserver: a filter upload without filter_id")
                    .into_api_error()
            })?
            .to_owned();
        *cached = Some((json, id.clone()));
        Ok(id)
    }

    /// One page back from `from` in a group, up to `limit` events, for filling a gap.
    pub async fn backfill_page(&self, group_id: &str, from: &str, limit: u32) -> Result<Backfill> {
        let room_filter =
            json!({"types": ["m.room.message", "m.reaction", "m.room.redaction"], "lazy_load_members": true});
        let mut path = format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit={}&filter={}",
            encode(group_id),
            limit.clamp(1, crate::messages::MAX_PAGE),
            encode(&room_filter.to_string())
        );
        // No `from`: from the latest event (the start of a group's history back-fill).
        if !from.is_empty() {
            path.push_str(&format!("&from={}", encode(from)));
        }
        let answer =
            self.client().await?.send_json(http::Method::GET, &path, None).await.map_err(Failure::into_api_error)?;
        Ok(read_page(&answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, content: Value) -> Value {
        json!({"type": "m.room.message", "event_id": id, "sender": "@a:hs", "origin_server_ts": 5, "content": content})
    }

    #[test]
    fn replies_lose_their_quoted_fallback() {
        let table = [
            ("> <@a:hs> 原文\n> 第二行\n\n!举报 广告", "!举报 广告"),
            ("!report spam", "!report spam"),
            ("> <@a:hs> quoted\n\nmy reply\n> not fallback", "my reply\n> not fallback"),
            ("> only a quote", "> only a quote"),
        ];
        for (body, want) in table {
            assert_eq!(strip_reply_fallback(body), want, "{body:?}");
        }
    }

    #[test]
    fn events_are_read_by_hand_and_bad_ones_are_left_out() {
        let reply = message(
            "$r",
            json!({"msgtype": "m.text", "body": "> <@b:hs> x\n\n!report spam", "m.relates_to": {"m.in_reply_to": {"event_id": "$m"}}}),
        );
        let Some(TimelineEvent::Message(m)) = read_event(&reply) else { panic!("a reply is a message") };
        assert_eq!((m.reply_to.as_deref(), m.body.as_deref()), (Some("$m"), Some("!report spam")));

        let reaction = json!({"type": "m.reaction", "event_id": "$x", "sender": "@c:hs", "origin_server_ts": 9,
            "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$m", "key": "🚩"}}});
        assert_eq!(
            read_event(&reaction),
            Some(TimelineEvent::Reaction {
                event_id: "$x".into(),
                sender: "@c:hs".into(),
                ts: 9,
                target: "$m".into(),
                key: "🚩".into()
            })
        );
        let v11 =
            json!({"type": "m.room.redaction", "event_id": "$d", "sender": "@c:hs", "content": {"redacts": "$m"}});
        let v1 =
            json!({"type": "m.room.redaction", "event_id": "$d", "sender": "@c:hs", "redacts": "$m", "content": {}});
        for r in [v11, v1] {
            assert!(matches!(read_event(&r), Some(TimelineEvent::Redaction { redacts, .. }) if redacts == "$m"), "{r}");
        }
        let hostile = [
            json!({"type": "m.room.message", "sender": "@a:hs", "content": {"body": "no event ID"}}),
            json!({"type": "m.reaction", "event_id": "$y", "sender": "@a:hs", "content": {"m.relates_to": {"rel_type": "m.reference", "event_id": "$m", "key": "🚩"}}}),
            json!({"type": "m.reaction", "event_id": "$y", "sender": "@a:hs", "content": {"m.relates_to": "not an object"}}),
            json!({"type": "m.room.redaction", "event_id": "$z", "sender": "@a:hs", "content": {"redacts": 7}}),
            json!("not even an object"),
        ];
        for e in hostile {
            assert_eq!(read_event(&e), None, "left out: {e}");
        }
    }

    #[test]
    fn a_sync_answer_is_read_per_group_and_a_bad_event_never_fails_the_round() {
        let answer = json!({
            "next_batch": "s72",
            "rooms": {
                "join": {
                    "!g:hs": {
                        "timeline": {"limited": true, "prev_batch": "t1", "events": [
                            message("$1", json!({"msgtype": "m.text", "body": "你好"})),
                            {"type": "m.room.message", "content": {"body": "no IDs"}},
                            {"type": "m.room.encrypted", "event_id": "$e", "sender": "@a:hs", "content": {}},
                            {"type": "m.room.power_levels", "state_key": "", "event_id": "$p", "sender": "@o:hs", "content": {}},
                        ]},
                        "state": {"events": []}
                    },
                    "!h:hs": {"timeline": {"events": []}, "state": {"events": [{"type": "m.room.member"}]}}
                },
                "leave": {"!gone:hs": {}}
            }
        });
        let batch = read_sync(&answer, &[]).unwrap();
        assert_eq!(batch.next, "s72");
        let g = batch.groups.iter().find(|g| g.group_id == "!g:hs").unwrap();
        assert_eq!((g.limited, g.gap.as_deref(), g.events.len(), g.skipped), (true, Some("t1"), 1, 1));
        assert_eq!(g.encrypted_events, 1, "an encrypted message is counted, not read");
        assert!(g.state_changed, "a power-level change in the timeline makes the cached group stale");
        assert!(batch.groups.iter().any(|g| g.group_id == "!h:hs" && g.state_changed && !g.limited));
        assert!(batch.groups.iter().any(|g| g.group_id == "!gone:hs" && g.state_changed), "a group left");
        assert_eq!(read_sync(&json!({"rooms": {}}), &[]), None, "no next_batch: not a sync answer");
        assert!(g.standing_changed, "its power levels changed");
        assert!(!batch.groups.iter().any(|g| g.group_id == "!h:hs" && g.standing_changed), "a member joined, no more");
    }

    #[test]
    fn a_case_log_room_in_the_answer_is_only_news_and_a_pointer_moves_a_groups_standing() {
        let state = |kind: &str, key: &str| json!({"type": kind, "state_key": key, "event_id": "$s", "sender": "@a:hs", "content": {}});
        let answer = json!({
            "next_batch": "s9",
            "rooms": {
                "join": {
                    "!mod:hs": {"timeline": {"events": [
                        {"type": CASE_EVENT, "event_id": "$c", "sender": "@a:hs", "content": {"record": {}}},
                    ]}},
                    "!claims:hs": {"timeline": {"events": []}, "state": {"events": [state(CLAIM_EVENT, "item")]}},
                    "!quiet:hs": {"timeline": {"events": []}, "state": {"events": []}},
                    "!g:hs": {"timeline": {"events": [
                        state(POINTER_EVENT, ""),
                        {"type": CASE_EVENT, "event_id": "$x", "sender": "@troll:hs", "content": {}},
                    ]}},
                },
                "leave": {"!gone-mod:hs": {}}
            }
        });
        let logs = ["!mod:hs", "!claims:hs", "!quiet:hs", "!gone-mod:hs"].map(String::from);
        let batch = read_sync(&answer, &logs).unwrap();
        let mut news = batch.log_rooms.clone();
        news.sort();
        assert_eq!(news, ["!claims:hs", "!gone-mod:hs", "!mod:hs"], "records, claims, a room I left: news");
        assert_eq!(batch.groups.len(), 1, "case-log rooms are no groups: {:?}", batch.groups);
        let g = &batch.groups[0];
        assert!(g.standing_changed && g.state_changed, "a new pointer: the group's case log is found again");
        assert_eq!(
            (g.events.len(), g.skipped),
            (0, 0),
            "a case record posted in a group is no message, nor unreadable"
        );
        let f = filter(&["!g:hs".into()], &["!mod:hs".into()]);
        assert_eq!(f.pointer("/room/rooms"), Some(&json!(["!g:hs", "!mod:hs"])), "one filter, both kinds of room");
    }

    #[test]
    fn a_page_back_comes_oldest_first() {
        let page = read_page(&json!({"end": "t0", "chunk": [
            message("$3", json!({"body": "c"})), message("$2", json!({"body": "b"})), {"type": "m.room.message"}
        ]}));
        let ids: Vec<_> = page.events.iter().map(TimelineEvent::event_id).collect();
        assert_eq!((ids, page.earlier.as_deref(), page.skipped), (vec!["$2", "$3"], Some("t0"), 1));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn regression_a_sync_filter_of_many_rooms_is_uploaded_not_put_in_the_url() {
        use crate::testserver::{Answer, TestServer, versions};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let uploads = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = uploads.clone();
        let server = TestServer::start(move |seen| {
            let p = &seen.path;
            if p.starts_with("/_matrix/client/versions") {
                versions()
            } else if p.contains("/filter") && seen.method == "POST" {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                Answer::json(200, &json!({"filter_id": format!("{n}")}))
            } else if p.contains("/sync") {
                Answer::json(200, &json!({"next_batch": "s1"}))
            } else {
                Answer::json(404, &json!({"errcode": "M_NOT_FOUND", "error": "no"}))
            }
        });
        let account = qunguan_core::Account { homeserver: server.url(), user_id: "@me:hs".into(), device_id: None };
        let signed_in = qunguan_core::platform::SignedIn { account, access_token: qunguan_core::Secret::new("token") };
        let platform = MatrixPlatform::new(crate::http::reqwest_client(), signed_in);
        let groups: Vec<String> = (0..300).map(|g| format!("!group{g:04}abcdefghijklmn:example.org")).collect();
        let logs: Vec<String> = (0..300).map(|g| format!("!log{g:04}abcdefghijklmnop:example.org")).collect();
        for _ in 0..2 {
            platform.sync_round(Some("s0"), &groups, &logs, 0).await.unwrap();
        }
        platform.sync_round(Some("s1"), &groups[..10], &logs[..10], 0).await.unwrap();
        let seen = server.seen();
        let syncs: Vec<&String> = seen.iter().map(|s| &s.path).filter(|p| p.contains("/sync")).collect();
        assert_eq!(syncs.len(), 3);
        for p in &syncs {
            assert!(p.len() < 1024, "a sync URL of {} bytes: {p:.200}", p.len());
        }
        assert!(syncs[0].contains("filter=0") && syncs[1].contains("filter=0"), "the same rooms, the same filter");
        assert!(syncs[2].contains("filter=1"), "other rooms, a new filter: {}", syncs[2]);
        assert_eq!(uploads.load(Ordering::SeqCst), 2, "uploaded once per set of rooms");
        let upload = seen.iter().find(|s| s.method == "POST").unwrap();
        let body: Value = serde_json::from_slice(&upload.body).unwrap();
        assert_eq!(body, filter(&groups, &logs), "the filter uploaded is the one for those rooms");
    }
}
