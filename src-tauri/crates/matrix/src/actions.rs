//! Carrying out [`PlatformOp`](qunguan_core::action::PlatformOp)s on Matrix, each kind with its own exactly-once promise
//! (see `qunguan_core::action` and `docs/architecture.md`, "Exactly once, per kind of action").

use qunguan_core::action::{Applied, MessageSnapshot, OpContext, PlatformOp};
use qunguan_core::outcome::Why;
use qunguan_core::{ApiError, Result};
use ruma::api::Direction;
use ruma::api::client::context::get_context;
use ruma::api::client::membership::{ban_user, kick_user, unban_user};
use ruma::api::client::message::{get_message_events, send_message_event};
use ruma::api::client::redact::redact_event;
use ruma::api::client::reporting::report_user;
use ruma::api::client::room::{get_room_event, report_content, report_room};
use ruma::api::client::state::{get_state_event_for_key, send_state_event};
use ruma::events::{MessageLikeEventType, StateEventType};
use ruma::serde::Raw;
use ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId, UInt};
use serde_json::{Value, json};

use crate::http::Failure;
use crate::platform::MatrixPlatform;

/// The content key that ties a sent event to its case, so a retry can find it.
pub const CASE_ID_KEY: &str = "org.qunguan.case_id";
/// How far back a retry looks for its own earlier send.
const LOOKBACK: u32 = 100;

pub(crate) fn parse<T: TryFrom<String>>(what: &str, s: &str) -> Result<T>
where
    T::Error: std::fmt::Display,
{
    T::try_from(s.to_owned()).map_err(|e| ApiError::invalid_input(format!("“{s}” is not a valid {what}: {e}")))
}

pub(crate) fn raw<T>(value: &Value) -> Raw<T> {
    Raw::from_json(serde_json::value::to_raw_value(value).expect("JSON values always serialise"))
}

/// The `membership` of a member event's content, if there is one.
fn membership(member: &Option<Value>) -> Option<&str> {
    member.as_ref()?.get("membership")?.as_str()
}

/// The reason as sent: the admin's words plus the case ID, so membership changes and
/// redactions can be recognised as this case's on a retry.
pub fn tagged_reason(reason: &str, case_id: &str) -> String {
    format!("{reason} [case {case_id}]")
}

pub(crate) fn snapshot(raw_json: &str) -> Option<MessageSnapshot> {
    let v: Value = serde_json::from_str(raw_json).ok()?;
    let redacted = v.pointer("/unsigned/redacted_because").is_some();
    Some(MessageSnapshot {
        event_id: v.get("event_id")?.as_str()?.to_owned(),
        sender: v.get("sender")?.as_str()?.to_owned(),
        ts: v.get("origin_server_ts").and_then(Value::as_i64).unwrap_or(0),
        kind: v.get("type")?.as_str()?.to_owned(),
        body: v.pointer("/content/body").and_then(Value::as_str).map(str::to_owned),
        redacted,
        redacted_by: v.pointer("/unsigned/redacted_because/sender").and_then(Value::as_str).map(str::to_owned),
        case_id: v.pointer(&format!("/content/{CASE_ID_KEY}")).and_then(Value::as_str).map(str::to_owned),
        reply_to: v.pointer("/content/m.relates_to/m.in_reply_to/event_id").and_then(Value::as_str).map(str::to_owned),
    })
}

impl MatrixPlatform {
    fn room(&self, group_id: &str) -> Result<OwnedRoomId> {
        parse("room ID", group_id)
    }

    pub(crate) async fn state_content(
        &self,
        room: &OwnedRoomId,
        kind: StateEventType,
        key: &str,
    ) -> Result<Option<Value>> {
        let client = self.client().await?;
        let request = get_state_event_for_key::v3::Request::new(room.clone(), kind, key.to_owned());
        match client.send(request).await {
            Ok(r) => Ok(serde_json::from_str(r.event_or_content.get()).ok()),
            Err(f) if f.status == Some(404) => Ok(None),
            Err(f) => Err(f.into_api_error()),
        }
    }

    pub(crate) async fn put_state_key(
        &self,
        room: &OwnedRoomId,
        kind: StateEventType,
        key: &str,
        content: &Value,
    ) -> Result<()> {
        let client = self.client().await?;
        let request = send_state_event::v3::Request::new_raw(room.clone(), kind, key.to_owned(), raw(content));
        client.send(request).await.map(drop).map_err(Failure::into_api_error)
    }

    async fn membership_of(&self, room: &OwnedRoomId, user: &str) -> Result<Option<Value>> {
        self.state_content(room, StateEventType::RoomMember, user).await
    }

    /// An event I sent in this room carrying `case_id`, among the most recent ones.
    async fn find_sent(&self, room: &OwnedRoomId, case_id: &str) -> Result<Option<String>> {
        let client = self.client().await?;
        let mut request = get_message_events::v3::Request::new(room.clone(), Direction::Backward);
        request.limit = UInt::from(LOOKBACK);
        let r = client.send(request).await.map_err(Failure::into_api_error)?;
        Ok(r.chunk.iter().find_map(|e| {
            let v: Value = serde_json::from_str(e.json().get()).ok()?;
            let mine = v.get("sender")?.as_str()? == self.account.user_id;
            (mine && v.pointer(&format!("/content/{CASE_ID_KEY}"))?.as_str()? == case_id)
                .then(|| v.get("event_id")?.as_str().map(str::to_owned))
                .flatten()
        }))
    }

    /// Applies one operation (see `Platform::apply`).
    pub async fn apply_op(&self, group_id: &str, op: &PlatformOp, ctx: &OpContext) -> Result<Applied> {
        let client = self.client().await?;
        if let PlatformOp::ReportUser { user, reason } = op {
            // About a member, not a group: `group_id` is not a room here.
            let request = report_user::v3::Request::new(parse("user ID", user)?, tagged_reason(reason, &ctx.case_id));
            client.send(request).await.map_err(Failure::into_api_error)?;
            return Ok(Applied::Done { event_id: None });
        }
        if let PlatformOp::SetPolicyRule { entity, reason, ban } = op {
            // My policy list, not a group.
            return self.set_policy_rule(entity, reason, *ban, ctx).await;
        }
        if op.is_staff() {
            // Platform staff: about an account, a room or a report, not a group (see `admin`).
            return self.apply_staff(op, ctx).await;
        }
        let room = self.room(group_id)?;
        let txn: OwnedTransactionId = ctx.txn_id.as_str().into();
        match op {
            PlatformOp::SendNotice { body, mentions } => {
                if let Some(event_id) = self.find_sent(&room, &ctx.case_id).await? {
                    return Ok(Applied::AlreadyDone { event_id: Some(event_id) });
                }
                // A warning to someone who is not in the group reaches no one.
                for user in mentions {
                    let member = self.membership_of(&room, user).await?;
                    if !matches!(membership(&member), Some("join" | "invite")) {
                        return Ok(Applied::Conflict {
                            reason: format!("{user} is not a member of the group"),
                            why: Some(Why::NotMember { target: user.clone() }),
                        });
                    }
                }
                let content = json!({
                    "msgtype": "m.text",
                    "body": body,
                    "m.mentions": {"user_ids": mentions},
                    CASE_ID_KEY: ctx.case_id,
                });
                let request = send_message_event::v3::Request::new_raw(
                    room,
                    txn,
                    MessageLikeEventType::RoomMessage,
                    raw(&content),
                );
                let r = client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: Some(r.event_id.to_string()) })
            }
            PlatformOp::SetUserPower { user, level } => {
                // Never give a level to someone the group has never seen (a mistyped ID).
                if level.is_some() && self.membership_of(&room, user).await?.is_none() {
                    return Ok(Applied::Conflict {
                        reason: format!("{user} is not a member of the group"),
                        why: Some(Why::NotMember { target: user.clone() }),
                    });
                }
                let (user, level) = (user.clone(), *level);
                self.edit_power_levels(&room, move |c| {
                    let users =
                        c.as_object_mut().expect("power levels are an object").entry("users").or_insert(json!({}));
                    let Some(users) = users.as_object_mut() else { return false };
                    let current = users.get(&user).and_then(Value::as_i64);
                    match level {
                        Some(l) if current != Some(l) => {
                            users.insert(user.clone(), json!(l));
                            true
                        }
                        None if users.contains_key(&user) => {
                            users.remove(&user);
                            true
                        }
                        _ => false,
                    }
                })
                .await
            }
            PlatformOp::SetPostingLevel { level } => {
                let level = *level;
                self.edit_power_levels(&room, move |c| {
                    if c.get("events_default").and_then(Value::as_i64).unwrap_or(0) == level {
                        return false;
                    }
                    c["events_default"] = json!(level);
                    true
                })
                .await
            }
            PlatformOp::Redact { event_id, reason } => {
                let event: OwnedEventId = parse("event ID", event_id)?;
                match self.message_snapshot(group_id, event_id).await? {
                    None => {
                        return Ok(Applied::Conflict {
                            reason: format!("the message {event_id} is not known to the server"),
                            why: Some(Why::MessageUnknown),
                        });
                    }
                    Some(m) if m.redacted => {
                        let by_us =
                            self.redaction_reason(&room, &event).await?.is_some_and(|r| r.contains(&ctx.case_id));
                        return Ok(if by_us {
                            Applied::AlreadyDone { event_id: None }
                        } else {
                            Applied::Conflict {
                                reason: "the message was already removed".into(),
                                why: Some(Why::AlreadyRemoved),
                            }
                        });
                    }
                    Some(_) => {}
                }
                let mut request = redact_event::v3::Request::new(room, event, txn);
                request.reason = Some(tagged_reason(reason, &ctx.case_id));
                let r = client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: Some(r.event_id.to_string()) })
            }
            PlatformOp::Kick { user, reason } => {
                let uid: OwnedUserId = parse("user ID", user)?;
                let member = self.membership_of(&room, user).await?;
                let membership = membership(&member);
                let tagged = member
                    .as_ref()
                    .and_then(|m| m.get("reason"))
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.contains(&ctx.case_id));
                match membership {
                    Some("join" | "invite" | "knock") => {}
                    Some("leave") if tagged => return Ok(Applied::AlreadyDone { event_id: None }),
                    _ => {
                        return Ok(Applied::Conflict {
                            reason: format!("{user} is no longer in the group"),
                            why: Some(Why::NotMember { target: user.clone() }),
                        });
                    }
                }
                let mut request = kick_user::v3::Request::new(room, uid);
                request.reason = Some(tagged_reason(reason, &ctx.case_id));
                client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::Ban { user, reason } => {
                let uid: OwnedUserId = parse("user ID", user)?;
                let member = self.membership_of(&room, user).await?;
                if membership(&member) == Some("ban") {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                let mut request = ban_user::v3::Request::new(room, uid);
                request.reason = Some(tagged_reason(reason, &ctx.case_id));
                client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::Unban { user, reason } => {
                let uid: OwnedUserId = parse("user ID", user)?;
                let member = self.membership_of(&room, user).await?;
                if membership(&member) != Some("ban") {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                let mut request = unban_user::v3::Request::new(room, uid);
                request.reason = Some(tagged_reason(reason, &ctx.case_id));
                client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: None })
            }
            // Reports cannot be deduplicated by a non-admin: at-least-once, and the case says so.
            PlatformOp::ReportEvent { event_id, reason } => {
                let mut request = report_content::v3::Request::new(room, parse("event ID", event_id)?);
                request.reason = Some(tagged_reason(reason, &ctx.case_id));
                client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::ReportUser { .. }
            | PlatformOp::SuspendUser { .. }
            | PlatformOp::DeactivateUser { .. }
            | PlatformOp::BlockRoom { .. }
            | PlatformOp::DeleteRoom { .. }
            | PlatformOp::ResolveReport { .. }
            | PlatformOp::SetPolicyRule { .. } => unreachable!("handled before the room is parsed"),
            PlatformOp::ReportRoom { reason } => {
                let request = report_room::v3::Request::new(room, tagged_reason(reason, &ctx.case_id));
                client.send(request).await.map_err(Failure::into_api_error)?;
                Ok(Applied::Done { event_id: None })
            }
        }
    }

    /// The reason of the redaction that removed `event`, if the server says.
    async fn redaction_reason(&self, room: &OwnedRoomId, event: &OwnedEventId) -> Result<Option<String>> {
        let client = self.client().await?;
        let r = client
            .send(get_room_event::v3::Request::new(room.clone(), event.clone()))
            .await
            .map_err(Failure::into_api_error)?;
        let v: Value = serde_json::from_str(r.event.json().get()).unwrap_or(Value::Null);
        Ok(v.pointer("/unsigned/redacted_because/content/reason").and_then(Value::as_str).map(str::to_owned))
    }

    /// One message for evidence; `None` when the server does not know it.
    pub async fn message_snapshot(&self, group_id: &str, event_id: &str) -> Result<Option<MessageSnapshot>> {
        let room = self.room(group_id)?;
        let event: OwnedEventId = parse("event ID", event_id)?;
        let client = self.client().await?;
        match client.send(get_room_event::v3::Request::new(room, event)).await {
            Ok(r) => Ok(snapshot(r.event.json().get())),
            Err(f) if f.status == Some(404) => Ok(None),
            Err(f) => Err(f.into_api_error()),
        }
    }

    /// Up to `n` messages either side of `event_id`, oldest first.
    pub async fn context_snapshots(&self, group_id: &str, event_id: &str, n: u32) -> Result<Vec<MessageSnapshot>> {
        let room = self.room(group_id)?;
        let event: OwnedEventId = parse("event ID", event_id)?;
        let client = self.client().await?;
        let mut request = get_context::v3::Request::new(room, event);
        request.limit = UInt::from(n.saturating_mul(2));
        let r = client.send(request).await.map_err(Failure::into_api_error)?;
        let before = r.events_before.iter().rev().filter_map(|e| snapshot(e.json().get()));
        let after = r.events_after.iter().filter_map(|e| snapshot(e.json().get()));
        Ok(before.chain(after).filter(|m| m.kind == "m.room.message").collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_read_untrusted_events_without_panicking() {
        let ok = r#"{"event_id":"$e","sender":"@a:hs","origin_server_ts":5,"type":"m.room.message","content":{"body":"百家乐"}}"#;
        let s = snapshot(ok).unwrap();
        assert_eq!((s.body.as_deref(), s.redacted, s.ts), (Some("百家乐"), false, 5));
        let redacted = r#"{"event_id":"$e","sender":"@a:hs","type":"m.room.message","content":{},"unsigned":{"redacted_because":{}}}"#;
        assert!(snapshot(redacted).unwrap().redacted, "an event redacted on the server should read as redacted");
        for bad in ["", "[]", "{}", r#"{"event_id":5}"#, r#"{"event_id":"$e","sender":null,"type":"x"}"#] {
            assert_eq!(snapshot(bad), None, "{bad}");
        }
    }

    #[test]
    fn reasons_carry_the_case_id() {
        assert_eq!(tagged_reason("广告", "01J"), "广告 [case 01J]");
    }
}
