//! The flagged queue: one item per message that needs a manager's look, whatever brought it
//! there — the detector, members' reports, the platform's reports — merged, counted, ranked.
//!
//! ## Design
//! - An item's ID is derived from the group and the message ([`item_id`](crate::queue::item_id)), so re-reading the
//!   same events (a restart, a second sync of the same batch) never makes a second item, and
//!   every admin's console names the item the same.
//! - Severity is the highest of the item's sources; members' reports weigh by each reporter's
//!   record ([`reporter_weight`](crate::queue::reporter_weight)): one whose reports were upheld counts more than one whose
//!   reports were dismissed, so a handful of trusted reports rank above a pile from throwaways.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::message::{Flag, Segment, Severity};

/// Where an item came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The detector flagged the message as it arrived.
    #[default]
    Auto,
    /// A member of the group reported it (a `!report` reply or a 🚩 reaction).
    MemberReport,
    /// Someone reported it to the platform (server admins see those).
    PlatformReport,
}

impl Source {
    /// The word `qg` and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Auto => "auto",
            Source::MemberReport => "member_report",
            Source::PlatformReport => "platform_report",
        }
    }

    /// The source a stored word names.
    pub fn from_word(word: &str) -> Option<Self> {
        [Source::Auto, Source::MemberReport, Source::PlatformReport].into_iter().find(|s| s.as_str() == word)
    }
}

/// How a report came: a reply with a report word, a reaction, or the platform's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ReportVia {
    /// A reply starting with a report word (`!report`, `!举报`).
    Reply,
    /// A reaction with the report emoji (🚩).
    Reaction,
    /// A report made to the platform.
    Platform,
}

impl ReportVia {
    /// The word the store uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportVia::Reply => "reply",
            ReportVia::Reaction => "reaction",
            ReportVia::Platform => "platform",
        }
    }

    /// The way a stored word names.
    pub fn from_word(word: &str) -> Option<Self> {
        [ReportVia::Reply, ReportVia::Reaction, ReportVia::Platform].into_iter().find(|s| s.as_str() == word)
    }

    /// The source a report this way is.
    pub fn source(self) -> Source {
        match self {
            ReportVia::Platform => Source::PlatformReport,
            ReportVia::Reply | ReportVia::Reaction => Source::MemberReport,
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Waiting for a decision.
    #[default]
    Open,
    /// Looked at and left alone, with a reason (a `dismiss` case).
    Dismissed,
    /// Decided with an action (its case is linked).
    Actioned,
}

impl ItemState {
    /// The word `qg` and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Dismissed => "dismissed",
            ItemState::Actioned => "actioned",
        }
    }

    /// The state a stored word names.
    pub fn from_word(word: &str) -> Option<Self> {
        [ItemState::Open, ItemState::Dismissed, ItemState::Actioned].into_iter().find(|s| s.as_str() == word)
    }
}

/// A reporter's past reports: how many were upheld (acted on) and how many dismissed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReporterRecord {
    /// Reports whose item ended with an action.
    pub upheld: u32,
    /// Reports whose item was dismissed.
    pub dismissed: u32,
}

/// One member's report of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Report {
    /// Who reported it.
    pub reporter: String,
    /// Member report (in the group) or platform report.
    pub source: Source,
    /// A reply, a reaction or the platform's report.
    pub via: ReportVia,
    /// Their reason, personal data masked; `None` for a reaction.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Their record before this report.
    pub record: ReporterRecord,
}

/// An item of the queue, as `qg queue` and the app list it.
// `Default`: an open item with nothing in it, for building one field by field (tests do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QueueItem {
    /// Stable across consoles and restarts ([`item_id`]).
    pub id: String,
    /// The group's room ID.
    pub group: String,
    /// The message.
    pub event_id: String,
    /// Who sent the message.
    pub sender: String,
    /// The most severe finding's detector (`cn_resident_id`, `keyword`, …), or `report`.
    pub kind: String,
    /// The most severe finding's category, if any.
    pub category: Option<String>,
    /// The highest of the item's sources.
    pub severity: Severity,
    /// What brought the item first.
    pub source: Source,
    /// Every source, once each.
    pub sources: Vec<Source>,
    /// Everyone who reported it, first report first.
    pub reporters: Vec<Report>,
    /// How many times it was flagged: 1 for the detector, plus one per report.
    pub count: u32,
    /// The admin holding the item, if claimed (and the claim has not run out).
    pub claimed_by: Option<String>,
    /// When the claim runs out (RFC 3339) unless its holder acts or claims again.
    pub claim_until: Option<String>,
    /// When it entered the queue (RFC 3339).
    pub created_at: String,
    /// When the message was sent (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent_at: i64,
    /// Open, dismissed or actioned.
    pub state: ItemState,
    /// The case that closed it.
    pub case_id: Option<String>,
    /// The detector's findings.
    pub flags: Vec<Flag>,
    /// The message's text in runs, personal data masked; empty when the console cannot see it.
    pub segments: Vec<Segment>,
    /// Why there is no text (`not_seen`: reported but never received; `removed`; `encrypted`).
    pub unseen: Option<String>,
}

/// A severity as a number that sorts (low 0, medium 1, high 2), and back.
pub fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
    }
}

/// The severity a rank stands for (out of range: the nearest).
pub fn rank_severity(rank: i64) -> Severity {
    match rank {
        ..=0 => Severity::Low,
        1 => Severity::Medium,
        _ => Severity::High,
    }
}

/// A claim on an item as the group's moderation room holds it: the latest one per item wins,
/// and it counts only when its sender is the holder it names and manages the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The item claimed.
    pub item: String,
    /// The group the item is in (as the claim says; checked against the room's group).
    pub group: String,
    /// Who wrote the claim (the homeserver says).
    pub sender: String,
    /// Who holds the item, as the claim says; `None` for a release.
    pub holder: Option<String>,
    /// When the claim runs out (Unix ms).
    pub until_ms: i64,
}

/// How long a claim holds without action, unless `QG_CLAIM_TTL` says otherwise.
pub const DEFAULT_CLAIM_SECONDS: u64 = 30 * 60;

/// The store's lookup key of a message: the first 64 bits of SHA-256 over group and event, as
/// a signed integer. A compact key instead of the two strings keeps the timeline's index small
/// enough to stay in memory (engine/BENCH.md). It is not unique by itself: readers compare
/// the group and event too, and a collision (or one crafted by a hostile server, which SHA-256
/// makes impractical) costs a row read, never a lost message.
pub fn message_key(group: &str, event_id: &str) -> i64 {
    let digest = Sha256::digest(format!("{group}\n{event_id}").as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// The ID of the item for `event_id` in `group`: 12 hex digits of SHA-256.
pub fn item_id(group: &str, event_id: &str) -> String {
    let digest = Sha256::digest(format!("{group}\n{event_id}").as_bytes());
    crate::case::hex(&digest[..6])
}

/// How much one report counts, from the reporter's record: 1 for a newcomer, more for each
/// upheld report, less for each dismissed one (between 1/4 and 4).
pub fn reporter_weight(record: ReporterRecord) -> f64 {
    ((1.0 + f64::from(record.upheld)) / (1.0 + f64::from(record.dismissed))).clamp(0.25, 4.0)
}

/// The severity members' reports give an item: their weights summed, 3 or more is high, 1 or
/// more medium, less (reporters whose reports were mostly dismissed) low.
pub fn reported_severity(records: &[ReporterRecord]) -> Option<Severity> {
    if records.is_empty() {
        return None;
    }
    let weight: f64 = records.iter().copied().map(reporter_weight).sum();
    Some(if weight >= 3.0 {
        Severity::High
    } else if weight >= 1.0 {
        Severity::Medium
    } else {
        Severity::Low
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_named_by_its_group_and_message_alone() {
        let a = item_id("!g:hs", "$e1");
        assert_eq!(a.len(), 12);
        assert_eq!(a, item_id("!g:hs", "$e1"), "the same message is the same item, on every console");
        assert_ne!(a, item_id("!g:hs", "$e2"));
        assert_ne!(a, item_id("!h:hs", "$e1"), "the same event ID in another group is another item");
    }

    #[test]
    fn trusted_reporters_count_more_than_dismissed_ones() {
        let r = |upheld, dismissed| ReporterRecord { upheld, dismissed };
        let table: &[(&[ReporterRecord], Option<Severity>)] = &[
            (&[], None),
            (&[r(0, 0)], Some(Severity::Medium)),
            (&[r(0, 0), r(0, 0)], Some(Severity::Medium)),
            (&[r(0, 0), r(0, 0), r(0, 0)], Some(Severity::High)),
            // One reporter whose reports were upheld twice weighs three newcomers.
            (&[r(2, 0)], Some(Severity::High)),
            // Reports that were always dismissed count little, even together.
            (&[r(0, 3), r(0, 3), r(0, 3)], Some(Severity::Low)),
            (&[r(0, 1)], Some(Severity::Low)),
        ];
        for (records, want) in table {
            assert_eq!(reported_severity(records), *want, "reporters {records:?}");
        }
        assert_eq!(reporter_weight(r(100, 0)), 4.0, "no reporter counts more than four");
        assert_eq!(reporter_weight(r(0, 100)), 0.25, "nor less than a quarter");
    }

    #[test]
    fn sources_and_states_keep_their_words() {
        for s in [Source::Auto, Source::MemberReport, Source::PlatformReport] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
            assert_eq!(Source::from_word(s.as_str()), Some(s));
        }
        for s in [ItemState::Open, ItemState::Dismissed, ItemState::Actioned] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
            assert_eq!(ItemState::from_word(s.as_str()), Some(s));
        }
    }
}
