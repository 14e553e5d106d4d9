//! The Synapse admin API, for platform-staff mode (see `qunguan_core::staff`).
//!
//! ## Design
//! - ruma has no types for Synapse's admin API, so its answers are read here by hand-written
//!   serde types. They are tolerant: a row with a missing or mistyped required field (ID,
//!   time, room, event, user) is skipped, an optional field of the wrong type reads as absent,
//!   and nothing here panics on any input. Rows come from other people's reports, so they
//!   are untrusted (a reason or score is whatever the reporter's client sent).
//! - Requests go through [`HttpClient::send_json`], the same path as typed requests: one 429
//!   retry policy and one error classification.
//! - Report contents (reasons, message text, who reported whom) are personal data: nothing read
//!   here is logged; a skipped row is counted, never printed.
//! - Each measure keeps the adapter's exactly-once promise for state changes: it reads the
//!   platform's state first and does nothing when it already holds ([`Applied::AlreadyDone`]):
//!   - suspend / unsuspend: the account's `suspended` flag, re-read after the change to confirm;
//!   - deactivate: the account's `deactivated` flag;
//!   - block a room: the room's block status;
//!   - delete a room: an existing delete task for the room is followed instead of starting a
//!     second one; a completed one means done. Following is bounded ([`DELETE_FOLLOW_LIMIT`]):
//!     past it the measure stays queued and the next attempt follows the same task. (Synapse
//!     lists a room's tasks only once they run, so a retry in the moment between scheduling and
//!     start can schedule a second delete; the outcome then follows that one.);
//!   - resolve a report: a report that is already gone counts as resolved (the decision was
//!     checked against the inbox when it was made).

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use http::Method;
use qunguan_core::action::{Applied, OpContext, PlatformOp};
use qunguan_core::staff::{ReportKind, ReportRef, StaffReport};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, ErrorCode, Result};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::http::{Failure, HttpClient};
use crate::platform::MatrixPlatform;

/// Reports asked for per page (Synapse's default and a fair page).
const PAGE: u64 = 100;
/// At most this many pages per kind of report (a server answering pages forever is stopped).
const MAX_PAGES: usize = 200;
/// Message text is fetched for at most this many event reports (the newest), a few at a time.
const DETAIL_LIMIT: usize = 1_000;
const DETAIL_CONCURRENCY: usize = 6;
/// How long closing a group waits for the server to finish deleting the room.
pub const DELETE_FOLLOW_LIMIT: Duration = Duration::from_secs(60);

/// Percent-encodes one path segment (user, room and report IDs).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- tolerant field readers -------------------------------------------------------------

/// A string, or absent when the field holds anything else.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A score: an integer (or a float, rounded) within i64, else absent.
fn lenient_score<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_i64().or_else(|| v.as_f64().filter(|f| f.is_finite() && f.abs() < 1e15).map(|f| f.round() as i64)))
}

/// A boolean, or absent when the field holds anything else.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(d)?.as_bool())
}

/// A report ID: a non-negative integer, or a string of digits.
fn report_id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| serde::de::Error::custom("not a report ID"))
}

fn is_user_id(s: &str) -> bool {
    crate::ids::is_user_id(s)
}

fn is_room_id(s: &str) -> bool {
    s.starts_with('!') && s.len() > 1 && !s.chars().any(char::is_control)
}

fn is_event_id(s: &str) -> bool {
    s.starts_with('$') && s.len() > 1 && !s.chars().any(char::is_control)
}

/// One row of `GET /_synapse/admin/v1/event_reports`.
#[derive(Debug, Deserialize)]
struct EventReportRow {
    #[serde(deserialize_with = "report_id")]
    id: u64,
    received_ts: i64,
    room_id: String,
    event_id: String,
    /// The reporter.
    user_id: String,
    #[serde(default, deserialize_with = "lenient_score")]
    score: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    reason: Option<String>,
    /// The reported event's sender (absent when the server no longer has the event).
    #[serde(default, deserialize_with = "lenient_string")]
    sender: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    canonical_alias: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    name: Option<String>,
}

/// One row of `GET /_synapse/admin/v1/user_reports`.
#[derive(Debug, Deserialize)]
struct UserReportRow {
    #[serde(deserialize_with = "report_id")]
    id: u64,
    received_ts: i64,
    target_user_id: String,
    /// The reporter.
    user_id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    reason: Option<String>,
}

/// The flags of `GET /_synapse/admin/v2/users/{user}` that measures check.
#[derive(Debug, Default, Deserialize)]
struct UserFlags {
    #[serde(default, deserialize_with = "lenient_bool")]
    deactivated: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    suspended: Option<bool>,
}

/// A report row with its time in ms, for ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub received_ts: i64,
    pub report: StaffReport,
}

/// A page of reports: the well-formed rows, how many were skipped, and the next page's offset.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub rows: Vec<Row>,
    pub skipped: usize,
    pub next: Option<u64>,
}

fn rows<'a>(body: &'a Value, key: &str) -> &'a [Value] {
    body.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn next_token(body: &Value) -> Option<u64> {
    match body.get("next_token")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn event_report(row: &Value) -> Option<Row> {
    let r = EventReportRow::deserialize(row).ok()?;
    if r.received_ts < 0 || !is_room_id(&r.room_id) || !is_event_id(&r.event_id) || !is_user_id(&r.user_id) {
        return None;
    }
    Some(Row {
        received_ts: r.received_ts,
        report: StaffReport {
            id: ReportRef { kind: ReportKind::Event, id: r.id }.to_string(),
            kind: ReportKind::Event,
            event_id: Some(r.event_id),
            reported_user: r.sender.filter(|s| is_user_id(s)),
            group: Some(r.room_id),
            group_name: r.name,
            group_alias: r.canonical_alias,
            reporter: r.user_id,
            reason: r.reason,
            score: r.score,
            received_at: rfc3339_from_millis(r.received_ts),
            event_type: None,
            text: None,
        },
    })
}

fn user_report(row: &Value) -> Option<Row> {
    let r = UserReportRow::deserialize(row).ok()?;
    if r.received_ts < 0 || !is_user_id(&r.target_user_id) || !is_user_id(&r.user_id) {
        return None;
    }
    Some(Row {
        received_ts: r.received_ts,
        report: StaffReport {
            id: ReportRef { kind: ReportKind::User, id: r.id }.to_string(),
            kind: ReportKind::User,
            event_id: None,
            reported_user: Some(r.target_user_id),
            group: None,
            group_name: None,
            group_alias: None,
            reporter: r.user_id,
            reason: r.reason,
            score: None,
            received_at: rfc3339_from_millis(r.received_ts),
            event_type: None,
            text: None,
        },
    })
}

/// Reads one page of event reports (`kind` Event) or user reports (`kind` User).
pub fn parse_page(kind: ReportKind, body: &Value) -> Page {
    let (key, parse): (&str, fn(&Value) -> Option<Row>) = match kind {
        ReportKind::Event => ("event_reports", event_report),
        ReportKind::User => ("user_reports", user_report),
    };
    let raw = rows(body, key);
    let rows: Vec<Row> = raw.iter().filter_map(parse).collect();
    Page { skipped: raw.len() - rows.len(), rows, next: next_token(body) }
}

/// The reported event's type and text body from an event report's detail (`event_json`).
pub fn parse_detail(body: &Value) -> (Option<String>, Option<String>) {
    let event = body.get("event_json");
    let kind = event.and_then(|e| e.get("type")).and_then(Value::as_str).map(str::to_owned);
    let text = event.and_then(|e| e.get("content")).and_then(|c| c.get("body")).and_then(Value::as_str);
    (kind, text.map(str::to_owned))
}

/// The statuses of a room's delete tasks (`GET /_synapse/admin/v2/rooms/{room}/delete_status`),
/// as `(delete_id, status)`; malformed entries are skipped. Synapse lists active, complete and
/// failed tasks here, not ones still only scheduled.
pub fn parse_delete_tasks(body: &Value) -> Vec<(Option<String>, String)> {
    rows(body, "results")
        .iter()
        .filter_map(|t| {
            let status = t.get("status")?.as_str()?.to_owned();
            Some((t.get("delete_id").and_then(Value::as_str).map(str::to_owned), status))
        })
        .collect()
}

/// Where a delete task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteState {
    Running,
    Complete,
    Failed,
}

/// Synapse's task statuses: `scheduled`, `active`, `complete`, `failed`, `cancelled`
/// (older servers: `purging`, `shutting_down`).
pub fn delete_state(status: &str) -> DeleteState {
    match status {
        "complete" => DeleteState::Complete,
        "failed" | "cancelled" => DeleteState::Failed,
        _ => DeleteState::Running,
    }
}

/// 404 that means "no such thing" (not "no such endpoint") → `None`.
fn found(r: std::result::Result<Value, Failure>) -> Result<Option<Value>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(f) if f.status == Some(404) && f.errcode.as_deref() != Some("M_UNRECOGNIZED") => Ok(None),
        Err(f) => Err(f.into_api_error()),
    }
}

fn server_of(user_id: &str) -> &str {
    user_id.split_once(':').map_or("", |(_, s)| s)
}

fn report_path(report: ReportRef) -> String {
    let kind = match report.kind {
        ReportKind::Event => "event_reports",
        ReportKind::User => "user_reports",
    };
    format!("/_synapse/admin/v1/{kind}/{}", report.id)
}

impl MatrixPlatform {
    /// Is the signed-in account a server admin? A server that refuses the question (403), or
    /// does not expose the admin API (404/400/405), means no.
    pub async fn admin_is_staff(&self) -> Result<bool> {
        let client = self.client().await?;
        let path = format!("/_synapse/admin/v1/users/{}/admin", encode(&self.account.user_id));
        match client.send_json(Method::GET, &path, None).await {
            Ok(v) => Ok(v.get("admin").and_then(Value::as_bool) == Some(true)),
            Err(f)
                if matches!(f.status, Some(400 | 403 | 404 | 405))
                    && !matches!(f.errcode.as_deref(), Some("M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN")) =>
            {
                Ok(false)
            }
            Err(f) => Err(f.into_api_error()),
        }
    }

    /// Every page of one kind of report, newest first.
    async fn report_rows(&self, client: &HttpClient, kind: ReportKind) -> Result<Vec<Row>> {
        let key = match kind {
            ReportKind::Event => "event_reports",
            ReportKind::User => "user_reports",
        };
        let (mut out, mut from, mut skipped) = (Vec::new(), 0u64, 0);
        for page_no in 0..MAX_PAGES {
            let path = format!("/_synapse/admin/v1/{key}?from={from}&limit={PAGE}&dir=b");
            let body = client.send_json(Method::GET, &path, None).await.map_err(Failure::into_api_error)?;
            let page = parse_page(kind, &body);
            skipped += page.skipped;
            out.extend(page.rows);
            match page.next {
                Some(next) if next > from => from = next,
                _ => break,
            }
            if page_no + 1 == MAX_PAGES {
                tracing::warn!(kind = kind.as_str(), pages = MAX_PAGES, "more reports than one listing reads");
            }
        }
        if skipped > 0 {
            tracing::warn!(kind = kind.as_str(), skipped, "skipped malformed report rows");
        }
        Ok(out)
    }

    /// The reported event's type and text; `(None, None)` when the server no longer has it.
    async fn report_detail(&self, client: &HttpClient, id: &str) -> Result<(Option<String>, Option<String>)> {
        let Ok(report) = id.parse::<ReportRef>() else { return Ok((None, None)) };
        match client.send_json(Method::GET, &report_path(report), None).await {
            Ok(body) => Ok(parse_detail(&body)),
            // No answer at all, or the session is gone: the whole listing fails.
            Err(f) if f.status.is_none() || f.status == Some(401) => Err(f.into_api_error()),
            Err(_) => Ok((None, None)),
        }
    }

    /// Event and user reports, newest first, with the reported message's text.
    pub async fn admin_reports(&self) -> Result<Vec<StaffReport>> {
        let client = self.client().await?;
        let mut events = self.report_rows(client, ReportKind::Event).await?;
        let ids: Vec<String> = events.iter().take(DETAIL_LIMIT).map(|r| r.report.id.clone()).collect();
        let details: Vec<Result<(Option<String>, Option<String>)>> = stream::iter(ids)
            .map(|id| async move { self.report_detail(client, &id).await })
            .buffered(DETAIL_CONCURRENCY)
            .collect()
            .await;
        for (row, detail) in events.iter_mut().zip(details) {
            (row.report.event_type, row.report.text) = detail?;
        }
        let mut all = events;
        all.extend(self.report_rows(client, ReportKind::User).await?);
        all.sort_by(|a, b| b.received_ts.cmp(&a.received_ts).then_with(|| b.report.id.cmp(&a.report.id)));
        Ok(all.into_iter().map(|r| r.report).collect())
    }

    /// Is there such a report? (Event reports whose event is gone have no detail but are
    /// still listed, so a missing detail is checked against the list.)
    pub async fn admin_report_exists(&self, report: ReportRef) -> Result<bool> {
        let client = self.client().await?;
        if found(client.send_json(Method::GET, &report_path(report), None).await)?.is_some() {
            return Ok(true);
        }
        let want = report.to_string();
        Ok(self.report_rows(client, report.kind).await?.iter().any(|r| r.report.id == want))
    }

    /// The account's flags; `None` when the server has no such account. Accounts of other
    /// servers are refused: staff of one server cannot act on them.
    async fn user_flags(&self, user: &str) -> Result<Option<UserFlags>> {
        let mine = server_of(&self.account.user_id);
        if !is_user_id(user) {
            return Err(ApiError::invalid_input(format!("“{user}” is not a full Matrix ID (@name:server)")));
        }
        if server_of(user) != mine {
            return Err(ApiError::invalid_input(format!(
                "{user} is an account of another server: staff of {mine} can only act on accounts of {mine}"
            )));
        }
        let client = self.client().await?;
        let path = format!("/_synapse/admin/v2/users/{}", encode(user));
        Ok(found(client.send_json(Method::GET, &path, None).await)?
            .map(|v| UserFlags::deserialize(&v).unwrap_or_default()))
    }

    pub async fn admin_user_exists(&self, user: &str) -> Result<bool> {
        Ok(self.user_flags(user).await?.is_some())
    }

    pub async fn admin_room_exists(&self, room: &str) -> Result<bool> {
        let client = self.client().await?;
        let path = format!("/_synapse/admin/v1/rooms/{}", encode(room));
        Ok(found(client.send_json(Method::GET, &path, None).await)?.is_some())
    }

    async fn delete_tasks(&self, client: &HttpClient, room: &str) -> Result<Vec<(Option<String>, String)>> {
        let path = format!("/_synapse/admin/v2/rooms/{}/delete_status", encode(room));
        Ok(found(client.send_json(Method::GET, &path, None).await)?.map(|b| parse_delete_tasks(&b)).unwrap_or_default())
    }

    /// Waits (bounded) for a delete task to end: the one `delete_id` names (followed by its ID,
    /// since Synapse lists a room's tasks only once they are active), else the room's running one.
    async fn follow_delete(&self, client: &HttpClient, room: &str, delete_id: Option<&str>) -> Result<Applied> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(200);
        loop {
            let state = match delete_id {
                Some(id) => {
                    let path = format!("/_synapse/admin/v2/rooms/delete_status/{}", encode(id));
                    match found(client.send_json(Method::GET, &path, None).await)? {
                        Some(task) => {
                            task.get("status").and_then(Value::as_str).map_or(DeleteState::Running, delete_state)
                        }
                        None => DeleteState::Failed,
                    }
                }
                None => {
                    let tasks = self.delete_tasks(client, room).await?;
                    let any = |want: DeleteState| tasks.iter().any(|(_, s)| delete_state(s) == want);
                    if any(DeleteState::Complete) {
                        DeleteState::Complete
                    } else if any(DeleteState::Running) {
                        DeleteState::Running
                    } else {
                        DeleteState::Failed
                    }
                }
            };
            match state {
                DeleteState::Complete => return Ok(Applied::Done { event_id: None }),
                DeleteState::Failed => {
                    return Err(ApiError::new(
                        ErrorCode::Platform,
                        format!("the homeserver could not delete {room}; it will be tried again"),
                    ));
                }
                DeleteState::Running if started.elapsed() >= DELETE_FOLLOW_LIMIT => {
                    return Err(ApiError::new(
                        ErrorCode::Platform,
                        format!(
                            "the homeserver is still deleting {room} after {} s; it will be checked again",
                            DELETE_FOLLOW_LIMIT.as_secs()
                        ),
                    ));
                }
                DeleteState::Running => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Carries out one platform-staff operation (see the module docs for each one's promise).
    pub async fn apply_staff(&self, op: &PlatformOp, _ctx: &OpContext) -> Result<Applied> {
        let client = self.client().await?;
        let call = |method: Method, path: String, body: Option<Value>| async move {
            client.send_json(method, &path, body.as_ref()).await.map_err(Failure::into_api_error)
        };
        let gone = |user: &str| Applied::Conflict {
            reason: format!("there is no account {user} on this server"),
            why: Some(qunguan_core::outcome::Why::NoAccount { target: user.to_owned() }),
        };
        match op {
            PlatformOp::SuspendUser { user, suspend } => {
                let Some(flags) = self.user_flags(user).await? else { return Ok(gone(user)) };
                if flags.suspended == Some(*suspend) {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                let path = format!("/_synapse/admin/v1/suspend/{}", encode(user));
                call(Method::PUT, path, Some(json!({ "suspend": suspend }))).await?;
                let after = self.user_flags(user).await?.unwrap_or_default();
                if after.suspended.is_some_and(|s| s != *suspend) {
                    return Err(ApiError::new(ErrorCode::Platform, "the suspension change did not hold on re-read"));
                }
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::DeactivateUser { user } => {
                let Some(flags) = self.user_flags(user).await? else { return Ok(gone(user)) };
                if flags.deactivated == Some(true) {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                let path = format!("/_synapse/admin/v1/deactivate/{}", encode(user));
                call(Method::POST, path, Some(json!({ "erase": false }))).await?;
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::BlockRoom { room } => {
                let path = format!("/_synapse/admin/v1/rooms/{}/block", encode(room));
                let now = call(Method::GET, path.clone(), None).await?;
                if now.get("block").and_then(Value::as_bool) == Some(true) {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                call(Method::PUT, path, Some(json!({ "block": true }))).await?;
                Ok(Applied::Done { event_id: None })
            }
            PlatformOp::DeleteRoom { room, message } => {
                let tasks = self.delete_tasks(client, room).await?;
                if tasks.iter().any(|(_, s)| delete_state(s) == DeleteState::Complete) {
                    return Ok(Applied::AlreadyDone { event_id: None });
                }
                if tasks.iter().any(|(_, s)| delete_state(s) == DeleteState::Running) {
                    return self.follow_delete(client, room, None).await;
                }
                let path = format!("/_synapse/admin/v2/rooms/{}", encode(room));
                let body = json!({ "block": true, "purge": true, "message": message });
                let started = call(Method::DELETE, path, Some(body)).await?;
                let delete_id = started.get("delete_id").and_then(Value::as_str);
                self.follow_delete(client, room, delete_id).await
            }
            PlatformOp::ResolveReport { report } => {
                match found(client.send_json(Method::DELETE, &report_path(*report), None).await)? {
                    Some(_) => Ok(Applied::Done { event_id: None }),
                    None => Ok(Applied::AlreadyDone { event_id: None }),
                }
            }
            other => Err(ApiError::internal(format!("not a staff operation: {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(kind: ReportKind, body: &str) -> Page {
        parse_page(kind, &serde_json::from_str(body).expect("test JSON"))
    }

    #[test]
    fn event_report_rows_are_read_and_hostile_rows_skipped() {
        let good = r##"{"id": 2, "received_ts": 1700000000000, "room_id": "!r", "event_id": "$e",
            "user_id": "@rep:hs", "score": -100, "reason": "赌博广告", "sender": "@spam:hs",
            "canonical_alias": "#g:hs", "name": "技术群"}"##;
        // Each case patches a minimal valid row; "ABSENT" removes the field. (why, kept?, patch)
        let table: &[(&str, bool, &str)] = &[
            ("optional fields absent", true, "{}"),
            ("optional fields mistyped", true, r#"{"score": "bad", "reason": 7, "sender": null, "name": []}"#),
            ("ID as a digit string", true, r#"{"id": "5"}"#),
            ("negative ID", false, r#"{"id": -1}"#),
            ("non-numeric ID", false, r#"{"id": "x"}"#),
            ("fractional ID", false, r#"{"id": 1.5}"#),
            ("no ID", false, r#"{"id": "ABSENT"}"#),
            ("negative time", false, r#"{"received_ts": -5}"#),
            ("time as a string", false, r#"{"received_ts": "5"}"#),
            ("time out of range", false, r#"{"received_ts": 1e300}"#),
            ("no time", false, r#"{"received_ts": "ABSENT"}"#),
            ("room ID without !", false, r#"{"room_id": "r"}"#),
            ("null room", false, r#"{"room_id": null}"#),
            ("event ID without $", false, r#"{"event_id": "e"}"#),
            ("no event", false, r#"{"event_id": "ABSENT"}"#),
            ("reporter not a user ID", false, r#"{"user_id": "a"}"#),
            ("control characters in an ID", false, r#"{"user_id": "@a\u001b[31m:hs"}"#),
        ];
        let base = json!({"id": 3, "received_ts": 5, "room_id": "!r", "event_id": "$e", "user_id": "@a:hs"});
        for (why, kept, patch) in table {
            let mut row = base.clone();
            for (k, v) in serde_json::from_str::<serde_json::Map<String, Value>>(patch).unwrap() {
                if v == "ABSENT" {
                    row.as_object_mut().unwrap().remove(&k);
                } else {
                    row[&k] = v;
                }
            }
            let p = parse_page(ReportKind::Event, &json!({"event_reports": [row], "total": 1}));
            assert_eq!((p.rows.len(), p.skipped), if *kept { (1, 0) } else { (0, 1) }, "{why}: {row}");
        }
        for row in ["null", "[1,2]", r#""report""#, "7"] {
            let p = page(ReportKind::Event, &format!(r#"{{"event_reports": [{row}, {good}]}}"#));
            assert_eq!((p.rows.len(), p.skipped), (1, 1), "a {row} row is skipped, the good one kept");
        }
        let p = page(ReportKind::Event, &format!(r#"{{"event_reports": [{good}], "next_token": 100}}"#));
        let r = &p.rows[0].report;
        assert_eq!(r.id, "event:2");
        assert_eq!(r.kind, ReportKind::Event);
        assert_eq!((r.event_id.as_deref(), r.group.as_deref()), (Some("$e"), Some("!r")));
        assert_eq!((r.reporter.as_str(), r.reported_user.as_deref()), ("@rep:hs", Some("@spam:hs")));
        assert_eq!((r.reason.as_deref(), r.score), (Some("赌博广告"), Some(-100)));
        assert_eq!((r.group_name.as_deref(), r.group_alias.as_deref()), (Some("技术群"), Some("#g:hs")));
        assert_eq!(r.received_at, "2023-11-14T22:13:20Z");
        assert_eq!(p.next, Some(100));
        let odd = page(
            ReportKind::Event,
            r#"{"event_reports": [{"id": 1, "received_ts": 5, "room_id": "!r", "event_id": "$e", "user_id": "@a:hs", "score": -12.6, "sender": "not a user"}]}"#,
        );
        assert_eq!(odd.rows[0].report.score, Some(-13), "float scores are rounded");
        assert_eq!(odd.rows[0].report.reported_user, None, "a sender that is not a user ID is dropped");
    }

    #[test]
    fn user_report_rows_are_read_and_hostile_rows_skipped() {
        let table: &[(&str, bool, &str)] = &[
            (
                r#"{"id": 1, "received_ts": 5, "target_user_id": "@bad:hs", "user_id": "@rep:hs", "reason": "骗子"}"#,
                true,
                "a full row",
            ),
            (r#"{"id": 1, "received_ts": 5, "target_user_id": "@bad:hs", "user_id": "@rep:hs"}"#, true, "no reason"),
            (
                r#"{"id": 1, "received_ts": 5, "target_user_id": "@bad:hs", "user_id": "@rep:hs", "reason": {"a": 1}}"#,
                true,
                "reason mistyped",
            ),
            (
                r#"{"id": 1, "received_ts": 5, "target_user_id": "bad", "user_id": "@rep:hs"}"#,
                false,
                "target not a user ID",
            ),
            (r#"{"id": 1, "received_ts": 5, "user_id": "@rep:hs"}"#, false, "no target"),
            (r#"{"id": 1, "received_ts": 5, "target_user_id": "@bad:hs"}"#, false, "no reporter"),
            (
                r#"{"id": true, "received_ts": 5, "target_user_id": "@bad:hs", "user_id": "@rep:hs"}"#,
                false,
                "boolean ID",
            ),
        ];
        for (row, kept, why) in table {
            let p = page(ReportKind::User, &format!(r#"{{"user_reports": [{row}]}}"#));
            assert_eq!(p.rows.len(), usize::from(*kept), "{why}: {row}");
        }
        let p = page(ReportKind::User, &format!(r#"{{"user_reports": [{}]}}"#, table[0].0));
        let r = &p.rows[0].report;
        assert_eq!((r.id.as_str(), r.kind), ("user:1", ReportKind::User));
        assert_eq!((r.reported_user.as_deref(), r.reporter.as_str()), (Some("@bad:hs"), "@rep:hs"));
        assert_eq!((r.event_id.as_ref(), r.group.as_ref(), r.score), (None, None, None));
    }

    #[test]
    fn pages_that_are_not_pages_read_as_empty() {
        for body in ["{}", "null", "[]", r#"{"event_reports": null}"#, r#"{"event_reports": {"id": 1}}"#, r#"7"#] {
            let p = page(ReportKind::Event, body);
            assert_eq!(p, Page::default(), "{body}");
        }
        let table: &[(&str, Option<u64>)] = &[
            (r#"{"next_token": 100}"#, Some(100)),
            (r#"{"next_token": "200"}"#, Some(200)),
            (r#"{"next_token": -1}"#, None),
            (r#"{"next_token": "x"}"#, None),
            (r#"{"next_token": null}"#, None),
        ];
        for (body, next) in table {
            assert_eq!(page(ReportKind::User, body).next, *next, "{body}");
        }
    }

    #[test]
    fn details_give_the_message_text_only_when_it_is_text() {
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        type Expected<'a> = (Option<&'a str>, Option<&'a str>);
        let table: &[(&str, Expected)] = &[
            (
                r#"{"event_json": {"type": "m.room.message", "content": {"msgtype": "m.text", "body": "<b>加微信</b>"}}}"#,
                (Some("m.room.message"), Some("<b>加微信</b>")),
            ),
            (
                r#"{"event_json": {"type": "m.room.encrypted", "content": {"ciphertext": "…"}}}"#,
                (Some("m.room.encrypted"), None),
            ),
            (r#"{"event_json": {"type": "m.room.message", "content": {"body": 5}}}"#, (Some("m.room.message"), None)),
            (r#"{"event_json": {"type": 5, "content": "x"}}"#, (None, None)),
            (r#"{"event_json": null}"#, (None, None)),
            ("{}", (None, None)),
            ("[]", (None, None)),
        ];
        for (body, (kind, text)) in table {
            let (k, t) = parse_detail(&v(body));
            assert_eq!((k.as_deref(), t.as_deref()), (*kind, *text), "{body}");
        }
    }

    #[test]
    fn delete_tasks_and_their_states() {
        let body: Value = serde_json::from_str(
            r#"{"results": [{"delete_id": "a", "status": "active"}, {"status": "complete"}, {"delete_id": 5}, 7, {"delete_id": "c", "status": "failed"}]}"#,
        )
        .unwrap();
        let tasks = parse_delete_tasks(&body);
        assert_eq!(
            tasks,
            [(Some("a".into()), "active".into()), (None, "complete".into()), (Some("c".into()), "failed".into())]
        );
        let states: Vec<DeleteState> =
            ["scheduled", "active", "complete", "failed", "cancelled", "purging", "shutting_down", ""]
                .map(delete_state)
                .to_vec();
        use DeleteState::*;
        assert_eq!(states, [Running, Running, Complete, Failed, Failed, Running, Running, Running]);
        assert!(parse_delete_tasks(&json!({"results": "no"})).is_empty());
    }

    #[test]
    fn user_flags_are_tolerant() {
        let f = UserFlags::deserialize(&json!({"deactivated": true, "suspended": "yes"})).unwrap();
        assert_eq!((f.deactivated, f.suspended), (Some(true), None));
        let f = UserFlags::deserialize(&json!({})).unwrap();
        assert_eq!((f.deactivated, f.suspended), (None, None));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("@a:hs"), "%40a%3Ahs");
        assert_eq!(encode("!r/x?y#z"), "%21r%2Fx%3Fy%23z");
        assert_eq!(report_path(ReportRef { kind: ReportKind::User, id: 3 }), "/_synapse/admin/v1/user_reports/3");
    }
}
