//! The platform-staff measures over the Synapse admin API, and the listings they decide from.
//!
//! ## Design
//! - Requests go through [`HttpClient::send_json`], the same path as typed requests: one 429
//!   retry policy and one error classification.
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
use qunguan_core::{ApiError, ErrorCode, Result};
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse::{DeleteState, Row, UserFlags, delete_state, parse_delete_tasks, parse_detail, parse_page};
use crate::http::{Failure, HttpClient};
use crate::ids::is_user_id;
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

    /// Does this server have the account? (Other servers' accounts are refused.)
    pub async fn admin_user_exists(&self, user: &str) -> Result<bool> {
        Ok(self.user_flags(user).await?.is_some())
    }

    /// Does this server know the room?
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

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("@a:hs"), "%40a%3Ahs");
        assert_eq!(encode("!r/x?y#z"), "%21r%2Fx%3Fy%23z");
        assert_eq!(report_path(ReportRef { kind: ReportKind::User, id: 3 }), "/_synapse/admin/v1/user_reports/3");
    }
}
