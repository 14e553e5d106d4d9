//! Platform-staff mode: what a server admin (trust-and-safety staff) sees and decides.
//!
//! ## Design
//! - Reports reach server admins only, never room moderators. A [`StaffReport`](crate::staff::StaffReport) is one row of
//!   the staff inbox: an event report (a message someone reported) or a user report (an
//!   account someone reported). The platform has no admin list of room reports, so there is
//!   no third kind.
//! - Report IDs are only unique *per kind* on the platform (event report 12 and user report 12
//!   are different reports), so every report ID the console shows or accepts names its kind:
//!   [`ReportRef`](crate::staff::ReportRef) is `event:12` or `user:3`. A bare `12` is refused rather than guessed.
//! - Measures (suspend, unsuspend, deactivate, close a group, resolve a report) are
//!   [`crate::action::Action`]s like every moderation action, so they are cases in the
//!   hash-chained log, signed by the acting admin.
//! - The reported message's text is carried as plain text (`text`) for the UI to render as
//!   text, never as HTML. Report contents are personal data: nothing here is ever logged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A message (event) was reported.
    Event,
    /// An account was reported.
    User,
}

impl ReportKind {
    /// The kind as report IDs spell it (`event`, `user`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Event => "event",
            ReportKind::User => "user",
        }
    }
}

/// A report's ID with its kind: `event:12`, `user:3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportRef {
    /// An event report or a user report (their IDs are counted apart).
    pub kind: ReportKind,
    /// The platform's ID of the report among reports of its kind.
    pub id: u64,
}

impl fmt::Display for ReportRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

impl FromStr for ReportRef {
    type Err = ApiError;

    fn from_str(s: &str) -> Result<Self, ApiError> {
        let bad = |why: &str| {
            ApiError::invalid_input(format!(
                "“{s}” is not a report ID: {why} (write event:ID or user:ID, as `qg staff reports` shows them)"
            ))
        };
        let (kind, id) = s.trim().split_once(':').ok_or_else(|| bad("it does not say which kind"))?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "event" => ReportKind::Event,
            "user" => ReportKind::User,
            _ => return Err(bad("the kind is neither event nor user")),
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the number is not a whole number"));
        }
        let id = id.parse::<u64>().map_err(|_| bad("the number is too large"))?;
        Ok(ReportRef { kind, id })
    }
}

impl Serialize for ReportRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReportRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: ApiError| serde::de::Error::custom(e.message))
    }
}

/// One report in the staff inbox, as `qg staff reports --json` prints it and the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StaffReport {
    /// `event:12` or `user:3`: what `qg staff resolve` takes.
    pub id: String,
    /// What was reported: a message or an account.
    pub kind: ReportKind,
    /// The reported message (event reports).
    pub event_id: Option<String>,
    /// The reported account: the message's sender, or the reported user.
    pub reported_user: Option<String>,
    /// The group (room ID) the reported message is in (event reports).
    pub group: Option<String>,
    /// The group's name, when the server knows it.
    pub group_name: Option<String>,
    /// The group's canonical alias, when it has one.
    pub group_alias: Option<String>,
    /// Who reported it.
    pub reporter: String,
    /// The reporter's reason, as their client sent it (untrusted).
    pub reason: Option<String>,
    /// The reporter's score (Matrix: -100 most offensive … 0 inoffensive), when given.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub score: Option<i64>,
    /// RFC 3339 UTC.
    pub received_at: String,
    /// The reported event's type (`m.room.message`, `m.room.encrypted`, …), when known.
    pub event_type: Option<String>,
    /// The reported message's text, to be shown as text; `None` when it has none or is gone.
    pub text: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_refs_name_their_kind() {
        let table: &[(&str, Option<(ReportKind, u64)>)] = &[
            ("event:12", Some((ReportKind::Event, 12))),
            ("user:3", Some((ReportKind::User, 3))),
            (" Event:0 ", Some((ReportKind::Event, 0))),
            ("12", None),
            ("room:1", None),
            ("event:", None),
            ("event:-1", None),
            ("event:+1", None),
            ("event:1.5", None),
            ("user:99999999999999999999999", None),
            ("event:１２", None),
            ("", None),
        ];
        for (input, want) in table {
            let got = input.parse::<ReportRef>().ok().map(|r| (r.kind, r.id));
            assert_eq!(got, *want, "{input:?}");
        }
        assert_eq!(ReportRef { kind: ReportKind::User, id: 7 }.to_string(), "user:7");
        let e = "12".parse::<ReportRef>().unwrap_err();
        assert!(e.message.contains("event:ID or user:ID"), "says how to write it: {}", e.message);
        let r = ReportRef { kind: ReportKind::Event, id: 12 };
        assert_eq!(serde_json::to_string(&r).unwrap(), r#""event:12""#);
        assert_eq!(serde_json::from_str::<ReportRef>(r#""event:12""#).unwrap(), r);
        assert!(
            serde_json::from_str::<ReportRef>(r#""12""#).is_err(),
            "a report reference without its kind should be refused"
        );
    }

    #[test]
    fn kinds_serialise_as_their_names() {
        assert_eq!(serde_json::to_string(&ReportKind::Event).unwrap(), r#""event""#);
        assert_eq!(ReportKind::User.as_str(), "user");
    }
}
