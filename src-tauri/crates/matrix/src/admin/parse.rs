//! Reading the Synapse admin API's answers.
//!
//! ## Design
//! - ruma has no types for Synapse's admin API, so its answers are read here by hand-written
//!   serde types. They are tolerant: a row with a missing or mistyped required field (ID,
//!   time, room, event, user) is skipped, an optional field of the wrong type reads as absent,
//!   and nothing here panics on any input. Rows come from other people's reports, so they
//!   are untrusted (a reason or score is whatever the reporter's client sent).

use qunguan_core::staff::{ReportKind, ReportRef, StaffReport};
use qunguan_core::time::rfc3339_from_millis;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

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
pub(super) struct UserFlags {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(super) deactivated: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(super) suspended: Option<bool>,
}

/// A report row with its time in ms, for ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// When the server received the report (Unix ms).
    pub received_ts: i64,
    /// The report as the inbox shows it.
    pub report: StaffReport,
}

/// A page of reports: the well-formed rows, how many were skipped, and the next page's offset.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The well-formed rows, in the server's order.
    pub rows: Vec<Row>,
    /// Rows dropped as malformed (counted, never printed).
    pub skipped: usize,
    /// The `from` of the next page, when there is one.
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
    /// Scheduled or under way: wait and look again.
    Running,
    /// The room is gone.
    Complete,
    /// Failed or cancelled: the measure is tried again.
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

#[cfg(test)]
mod tests {
    use serde_json::json;

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
        assert_eq!(p.next, Some(100), "the next page should start at the next_token");
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
        assert_eq!(
            (r.event_id.as_ref(), r.group.as_ref(), r.score),
            (None, None, None),
            "a user report should have no event, group or score"
        );
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
        assert!(
            parse_delete_tasks(&json!({"results": "no"})).is_empty(),
            "results that are not a list should read as no task"
        );
    }

    #[test]
    fn user_flags_are_tolerant() {
        let f = UserFlags::deserialize(&json!({"deactivated": true, "suspended": "yes"})).unwrap();
        assert_eq!(
            (f.deactivated, f.suspended),
            (Some(true), None),
            "a flag that is not a boolean should read as unknown"
        );
        let f = UserFlags::deserialize(&json!({})).unwrap();
        assert_eq!((f.deactivated, f.suspended), (None, None), "missing flags should read as unknown");
    }
}
