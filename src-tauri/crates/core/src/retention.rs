//! How long the console keeps what it caches, and what a purge or an erasure did.
//!
//! ## Design
//! - Two periods. Cached messages (the followed timeline and the offline message pages) are
//!   dropped after `messages_days` (default 180), except the message of an item still open in
//!   the queue: nobody has looked at it yet. Cases and their evidence are kept at least
//!   [`crate::retention::MIN_CASE_DAYS`]; the period can only be raised. The console never deletes a case: the
//!   case log is a hash chain shared with the other admins, so its entries outlive any period,
//!   which is what "at least" asks. Evidence holds its own copy of the message, so dropping
//!   the cached message never touches a case's evidence.
//! - A policy is read from JSON (`retention.json` in the data directory) and checked whole: an
//!   unknown field, a period out of range or a case period below the minimum is an error naming
//!   the field, and nothing is applied.
//! - Every purge and erasure leaves a record ([`crate::retention::Housekeeping`]) in the store: when, what kind,
//!   whose, why, how much. A dry run is recorded too, marked as such.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ApiError, Result};

/// Days a case and its evidence are kept at least; a policy may only raise it.
pub const MIN_CASE_DAYS: u32 = 180;
/// The default period of cached messages.
pub const DEFAULT_MESSAGE_DAYS: u32 = 180;
/// The longest period either may be (a hundred years: beyond it a typo, not a choice).
pub const MAX_DAYS: u32 = 36_500;
/// One day, in ms.
pub const DAY_MS: i64 = 86_400_000;

/// How long the console keeps what it caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RetentionPolicy {
    /// Days cached messages are kept (those of open queue items stay until decided).
    pub messages_days: u32,
    /// Days cases and evidence are kept at least (never below [`MIN_CASE_DAYS`]).
    pub cases_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { messages_days: DEFAULT_MESSAGE_DAYS, cases_days: MIN_CASE_DAYS }
    }
}

impl RetentionPolicy {
    /// Reads and checks a policy from its JSON text: missing fields take the defaults.
    pub fn from_json(text: &str) -> Result<RetentionPolicy> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| ApiError::invalid_input(format!("retention policy: not JSON: {e}")))?;
        let map = v.as_object().ok_or_else(|| ApiError::invalid_input("retention policy: must be a JSON object"))?;
        if let Some(unknown) = map.keys().find(|k| !["messages_days", "cases_days"].contains(&k.as_str())) {
            return Err(ApiError::invalid_input(format!(
                "retention policy: unknown field “{unknown}” (known: messages_days, cases_days)"
            )));
        }
        let mut p = RetentionPolicy::default();
        if let Some(v) = map.get("messages_days") {
            p.messages_days = days(v, "messages_days", 1)?;
        }
        if let Some(v) = map.get("cases_days") {
            p.cases_days = days(v, "cases_days", MIN_CASE_DAYS)?;
        }
        Ok(p)
    }

    /// The time before which cached messages go, at `now_ms`.
    pub fn message_cutoff_ms(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.messages_days) * DAY_MS
    }
}

fn days(v: &Value, field: &str, min: u32) -> Result<u32> {
    let n = v.as_u64().ok_or_else(|| {
        ApiError::invalid_input(format!("retention policy: {field} must be a whole number of days, not {v}"))
    })?;
    if n < u64::from(min) || n > u64::from(MAX_DAYS) {
        let why = if field == "cases_days" && n < u64::from(min) {
            format!(" (cases are kept at least {MIN_CASE_DAYS} days: the period can only be raised)")
        } else {
            String::new()
        };
        return Err(ApiError::invalid_input(format!(
            "retention policy: {field} must be between {min} and {MAX_DAYS} days, not {n}{why}"
        )));
    }
    Ok(n as u32)
}

/// What kind of housekeeping a record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum HousekeepingKind {
    /// Cached messages past their period dropped.
    Purge,
    /// One person's cached messages erased.
    Erase,
}

impl HousekeepingKind {
    /// The word stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            HousekeepingKind::Purge => "purge",
            HousekeepingKind::Erase => "erase",
        }
    }

    /// The kind a stored word names.
    pub fn from_word(word: &str) -> Option<HousekeepingKind> {
        match word {
            "purge" => Some(HousekeepingKind::Purge),
            "erase" => Some(HousekeepingKind::Erase),
            _ => None,
        }
    }
}

/// How much one group lost to a purge or an erasure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Dropped {
    /// The group's room ID.
    pub group: String,
    /// Messages of the followed timeline dropped.
    pub messages: u32,
    /// Messages of the offline message pages dropped.
    pub cached: u32,
    /// Messages past the period kept because their queue item is still open.
    pub kept_open: u32,
}

/// One purge or erasure, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Housekeeping {
    /// Purge or erase.
    pub kind: HousekeepingKind,
    /// When (RFC 3339).
    pub at: String,
    /// Who ran it (my user ID).
    pub by: String,
    /// Whose messages (an erasure).
    pub subject: Option<String>,
    /// Why (an erasure's reason; a purge says which period).
    pub reason: String,
    /// Messages before this time went (a purge; RFC 3339).
    pub cutoff: Option<String>,
    /// Counted only, nothing dropped.
    pub dry_run: bool,
    /// Per group.
    pub groups: Vec<Dropped>,
}

impl Housekeeping {
    /// Messages dropped in all groups (timeline and pages).
    pub fn total(&self) -> u32 {
        self.groups.iter().map(|g| g.messages + g.cached).sum()
    }
}

/// Everything this console has cached about one person (`qg person export`), per group;
/// personal data in message text and report reasons masked as everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PersonExport {
    /// Whose.
    pub user: String,
    /// When it was made (RFC 3339).
    pub exported_at: String,
    /// Per group where anything of theirs is cached, by room ID.
    pub groups: Vec<PersonGroup>,
}

/// What one group's cache holds of one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PersonGroup {
    /// The group's room ID.
    pub group: String,
    /// Their entry in the cached member list, if any.
    pub member: Option<crate::Member>,
    /// Their cached messages, oldest first, masked.
    pub messages: Vec<crate::message::MessageView>,
    /// Cases about them (mine and the other admins' imported ones).
    pub cases: Vec<crate::case::CaseView>,
    /// Reports they made of messages there.
    pub reports: Vec<PersonReport>,
}

/// One report a person made, as cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PersonReport {
    /// The queue item it went into.
    pub item: String,
    /// The message reported.
    pub event_id: String,
    /// Reply, reaction or platform report.
    pub via: crate::queue::ReportVia,
    /// Their reason, masked.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_is_checked_whole_and_every_error_names_its_field() {
        let ok = [
            ("{}", RetentionPolicy::default()),
            (r#"{"messages_days": 30}"#, RetentionPolicy { messages_days: 30, cases_days: 180 }),
            (r#"{"cases_days": 400, "messages_days": 1}"#, RetentionPolicy { messages_days: 1, cases_days: 400 }),
        ];
        for (text, want) in ok {
            assert_eq!(RetentionPolicy::from_json(text).unwrap(), want, "{text}");
        }
        let bad = [
            (r#"{"cases_days": 179}"#, "cases_days", "can only be raised"),
            (r#"{"messages_days": 0}"#, "messages_days", "between 1"),
            (r#"{"messages_days": -5}"#, "messages_days", "whole number"),
            (r#"{"messages_days": 1.5}"#, "messages_days", "whole number"),
            (r#"{"messages_days": "30"}"#, "messages_days", "whole number"),
            (r#"{"messages_days": 40000}"#, "messages_days", "36500"),
            (r#"{"message_days": 30}"#, "message_days", "unknown field"),
            ("[]", "JSON object", "object"),
            ("{", "not JSON", "JSON"),
        ];
        for (text, field, why) in bad {
            let e = RetentionPolicy::from_json(text).unwrap_err();
            assert!(e.message.contains(field) && e.message.contains(why), "{text}: {}", e.message);
        }
    }

    #[test]
    fn the_cutoff_is_the_period_before_now() {
        let p = RetentionPolicy { messages_days: 2, cases_days: 180 };
        assert_eq!(p.message_cutoff_ms(10 * DAY_MS), 8 * DAY_MS);
    }

    #[test]
    fn kinds_read_back_their_words() {
        for k in [HousekeepingKind::Purge, HousekeepingKind::Erase] {
            assert_eq!(HousekeepingKind::from_word(k.as_str()), Some(k));
        }
        assert_eq!(HousekeepingKind::from_word("vacuum"), None);
    }
}
