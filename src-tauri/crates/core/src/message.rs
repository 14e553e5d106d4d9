//! A group's messages as the console shows them, and the rules a finding cites.
//!
//! ## Design
//! - The text reaches the UI already split into [`Segment`](crate::message::Segment)s: plain text, flagged spans and
//!   masked personal data. The UI renders each segment as text (never HTML) and never sees the
//!   unmasked digits of an ID, phone or card number, so nothing on screen or in a screenshot
//!   leaks them; offsets into the original text never cross IPC.
//! - Detection runs in the engine (`qunguan-detect`); this module only holds the shapes.

use serde::{Deserialize, Serialize};

/// How much a finding matters: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    #[default]
    Low,
    /// Likely needs acting on.
    Medium,
    /// Act now (personal data, fraud, violence).
    High,
}

/// One finding in a message, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Flag {
    /// The rule it came from (cited by a case).
    pub rule: String,
    /// The detector: `keyword`, `cn_mobile`, `url`, …
    pub kind: String,
    /// `porn`, `privacy`, a lexicon's own category, …
    pub category: Option<String>,
    /// The rule's severity.
    pub severity: Severity,
    /// What the rule suggests: `review`, `warn`, `remove`, `mute`, `kick`, `ban`.
    pub suggested: String,
}

/// A run of a message's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Segment {
    /// The run's text, masked where `masked` says.
    pub text: String,
    /// Index into the message's `flags` when this run is (part of) a finding.
    pub flag: Option<u32>,
    /// Personal data with its middle replaced by `*`.
    pub masked: bool,
}

/// One message of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageView {
    /// The message's event ID.
    pub event_id: String,
    /// Who sent it.
    pub sender: String,
    /// Unix ms.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ts: i64,
    /// Removed (redacted): no text is left.
    pub redacted: bool,
    /// Who removed it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub redacted_by: Option<String>,
    /// The text, masked and split; empty when redacted or not text.
    pub segments: Vec<Segment>,
    /// What the detectors found in it.
    pub flags: Vec<Flag>,
    /// The highest severity among `flags`.
    pub severity: Option<Severity>,
    /// Sent by this console (a warning, carrying `org.qunguan.case_id`).
    pub case_id: Option<String>,
}

/// A rule of a group's rule set, as the rule picker and the Rules tab show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RuleView {
    /// The rule's ID, as cases cite it.
    pub id: String,
    /// The detector: `keyword`, `cn_resident_id`, `url`, `flood`, …
    pub detector: String,
    /// The lexicon category it matches, for keyword rules.
    pub category: Option<String>,
    /// How much a finding by it matters.
    pub severity: Severity,
    /// What it suggests: `review`, `warn`, `remove`, `mute`, `kick`, `ban`.
    pub suggested: String,
    /// Off rules are listed but flag nothing.
    pub enabled: bool,
}

/// A message with its personal data shown, after the admin asked with a reason; `case_id` is
/// the case that put the look on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Revealed {
    /// The `reveal` case recorded before showing it.
    pub case_id: String,
    /// The message, personal data unmasked.
    pub message: MessageView,
}

/// One report of the staff inbox as the app shows it: the report, with the reported message's
/// text (`report.text` is then `None`) split and masked like any message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StaffItem {
    /// The report itself.
    pub report: crate::staff::StaffReport,
    /// The reported message's text, masked and split.
    pub segments: Vec<Segment>,
    /// What the detectors found in that text.
    pub flags: Vec<Flag>,
    /// The highest severity among `flags`.
    pub severity: Option<Severity>,
}
