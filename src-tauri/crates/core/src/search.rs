//! Searching the cached messages: the query as the app and `qg search` give it, and the page
//! of results the engine answers with.
//!
//! ## Design
//! - The engine is the one validator ([`crate::search::SearchQuery`] is taken as given, dates
//!   as text); this module holds the shapes and the pure date reading.
//! - A hit carries the message as the Messages tab shows it (masked, flagged) and where the
//!   query matched *in the masked text*: highlighting never points into masked personal data.

use serde::{Deserialize, Serialize};

use crate::message::MessageView;

/// A search over the cached messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchQuery {
    /// One group (room ID or alias); `None`: every group I manage.
    pub group: Option<String>,
    /// What to look for: Chinese of any length, words and word prefixes.
    pub text: String,
    /// Only messages of this sender (user ID).
    pub sender: Option<String>,
    /// Only messages from this day (`YYYY-MM-DD`, UTC) or time (RFC 3339, `…Z`) on.
    pub since: Option<String>,
    /// Only messages up to this day (inclusive) or time.
    pub until: Option<String>,
    /// Only messages with a queue item (flagged or reported).
    #[serde(default)]
    pub flagged_only: bool,
    /// Where the previous page ended ([`SearchPage::next_cursor`]).
    pub cursor: Option<String>,
    /// Hits per page (1 to 200; default 50).
    pub limit: Option<u32>,
}

/// Where a query matched: characters (Unicode scalar values) of the masked text, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TextSpan {
    /// First character.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
}

/// A run of a hit's context: masked text, matched or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContextRun {
    /// The text (masked; `…` where the context was cut).
    pub text: String,
    /// Part of a match: highlighted.
    pub hit: bool,
}

/// One message that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    /// The group's room ID.
    pub group_id: String,
    /// The message, masked and flagged as the Messages tab shows it.
    pub message: MessageView,
    /// Where the query matched in the masked text (its segments joined).
    pub spans: Vec<TextSpan>,
    /// The masked text around the first match, cut to about 120 characters, matches marked.
    pub context: Vec<ContextRun>,
    /// It has a queue item (flagged by the detector or reported).
    pub flagged: bool,
}

/// A page of results, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchPage {
    /// The hits.
    pub hits: Vec<SearchHit>,
    /// Give this as [`SearchQuery::cursor`] for the next page; `None`: there is no more.
    pub next_cursor: Option<String>,
    /// Messages not indexed yet (at most this many; searched once the index catches up).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub behind: u64,
}

/// Milliseconds of a `YYYY-MM-DD` day (UTC) or an RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` time; a day
/// stands for its first millisecond, or its last with `end_of_day`. `None` when it is neither
/// or not a real date.
pub fn date_millis(text: &str, end_of_day: bool) -> Option<i64> {
    let text = text.trim();
    let (full, day) = match text.len() {
        10 => (format!("{text}T00:00:00Z"), true),
        20 => (text.to_owned(), false),
        _ => return None,
    };
    let ms = crate::time::millis_from_rfc3339(&full)?;
    // Read back to the same text: rejects 2026-02-30, 25:00 and other overflows.
    if crate::time::rfc3339_from_millis(ms) != full {
        return None;
    }
    Some(if day && end_of_day { ms + 86_400_000 - 1 } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_read_and_nonsense_is_refused() {
        let day = 1_772_323_200_000; // 2026-03-01
        let cases: &[(&str, bool, Option<i64>)] = &[
            ("2026-03-01", false, Some(day)),
            ("2026-03-01", true, Some(day + 86_400_000 - 1)),
            (" 2026-03-01T12:00:00Z ", true, Some(day + 12 * 3_600_000)),
            ("2026-02-30", false, None),
            ("2026-13-01", false, None),
            ("2026-03-01T25:00:00Z", false, None),
            ("yesterday", false, None),
            ("2026-3-1", false, None),
            ("", false, None),
        ];
        for (text, end, want) in cases {
            assert_eq!(date_millis(text, *end), *want, "{text:?}");
        }
    }
}
