//! Members' reports inside a group: a reply to a message that starts with a report word
//! (`!report spam`, `!举报 广告`), or a reaction to it with the report emoji (🚩).
//!
//! Matrix delivers reports to server admins only; a group's managers hear of them this way.
//! The words and the emoji are the group's settings ([`ReportWords`](crate::report::ReportWords)); what the adapter gives
//! is the plain reply and reaction ([`crate::sync::TimelineEvent`]).

use serde::{Deserialize, Serialize};

/// How members of a group report a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportWords {
    /// Words that, first in a reply, make it a report; the rest of the reply is the reason.
    pub commands: Vec<String>,
    /// Reaction keys that report the message reacted to.
    pub emoji: Vec<String>,
}

impl Default for ReportWords {
    fn default() -> Self {
        ReportWords { commands: vec!["!report".into(), "!举报".into()], emoji: vec!["🚩".into()] }
    }
}

/// Emoji presentation selectors and surrounding space do not make another key (🚩 and 🚩️ are one).
fn bare(key: &str) -> String {
    key.trim().chars().filter(|c| !matches!(c, '\u{FE0E}' | '\u{FE0F}')).collect()
}

/// At most this many words or emoji each.
pub const MAX_WORDS: usize = 10;
/// The longest report word, in characters.
pub const MAX_WORD_CHARS: usize = 32;

impl ReportWords {
    /// A group's own words and emoji, checked: at least one of either, each word one token of
    /// at most [`MAX_WORD_CHARS`] characters, at most [`MAX_WORDS`] of each. A group's state is
    /// written by people: a setting that fails these is not used (the defaults are).
    pub fn checked(commands: Vec<String>, emoji: Vec<String>) -> crate::Result<ReportWords> {
        let bad = |why: String| Err(crate::ApiError::invalid_input(why));
        let commands: Vec<String> = commands.into_iter().map(|w| w.trim().to_owned()).collect();
        let emoji: Vec<String> = emoji.into_iter().map(|e| bare(&e)).collect();
        if commands.is_empty() && emoji.is_empty() {
            return bad("members need at least one report word or emoji".into());
        }
        if commands.len() > MAX_WORDS || emoji.len() > MAX_WORDS {
            return bad(format!("at most {MAX_WORDS} report words and {MAX_WORDS} emoji"));
        }
        if let Some(w) = commands
            .iter()
            .find(|w| w.is_empty() || w.chars().count() > MAX_WORD_CHARS || w.contains(char::is_whitespace))
        {
            return bad(format!("“{w}” is not a report word: one token of 1 to {MAX_WORD_CHARS} characters"));
        }
        if let Some(e) = emoji.iter().find(|e| e.is_empty() || e.chars().count() > 8) {
            return bad(format!("“{e}” is not a reaction key for reports"));
        }
        Ok(ReportWords { commands, emoji })
    }

    /// The reason of a report reply (empty when none is given); `None` when `body` is not one.
    /// Case and full-width spacing do not matter: `!Report`, `！举报　广告` count.
    pub fn command<'a>(&self, body: &'a str) -> Option<&'a str> {
        let text = body.trim_start();
        // A full-width `！` is how a Chinese keyboard types `!`.
        let (bang, rest) = match text.strip_prefix('！') {
            Some(rest) => ("!", rest),
            None => ("", text),
        };
        self.commands.iter().find_map(|word| {
            let word = word.strip_prefix('!').filter(|_| !bang.is_empty()).unwrap_or(word);
            let head = rest.get(..word.len())?;
            if !head.eq_ignore_ascii_case(word) {
                return None;
            }
            let after = &rest[word.len()..];
            // The word must end there: `!reporting` is not `!report`.
            match after.chars().next() {
                None => Some(""),
                Some(c) if c.is_whitespace() || c == ':' || c == '：' => {
                    Some(after.trim_start_matches([':', '：']).trim())
                }
                Some(_) => None,
            }
        })
    }

    /// Whether a reaction with `key` reports the message.
    pub fn is_report_reaction(&self, key: &str) -> bool {
        let key = bare(key);
        !key.is_empty() && self.emoji.iter().any(|e| bare(e) == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_replies_are_read_with_their_reason() {
        let w = ReportWords::default();
        let table: &[(&str, Option<&str>)] = &[
            ("!report spam link", Some("spam link")),
            ("!举报 发广告", Some("发广告")),
            ("  !REPORT   scam  ", Some("scam")),
            ("！举报　广告", Some("广告")),
            ("!举报：赌博", Some("赌博")),
            ("!report", Some("")),
            ("!reporting this later", None),
            ("please !report this", None),
            ("report spam", None),
            ("", None),
        ];
        for (body, want) in table {
            assert_eq!(w.command(body), *want, "is {body:?} a report, and with which reason?");
        }
    }

    #[test]
    fn a_groups_own_words_are_checked_before_they_are_used() {
        let s = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert!(ReportWords::checked(s(&["!mod", "!管理"]), s(&["⚠️"])).is_ok());
        assert!(ReportWords::checked(s(&[]), s(&["🚩"])).is_ok(), "reactions alone are enough");
        let bad: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["two words"], &[]),
            (&[""], &["🚩"]),
            (&["!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"], &[]),
            (&["!a", "!b", "!c", "!d", "!e", "!f", "!g", "!h", "!i", "!j", "!k"], &[]),
            (&["!ok"], &["not an emoji at all"]),
        ];
        for (commands, emoji) in bad {
            assert!(ReportWords::checked(s(commands), s(emoji)).is_err(), "{commands:?} {emoji:?} is refused");
        }
    }

    #[test]
    fn the_report_emoji_with_or_without_its_presentation_selector() {
        let w = ReportWords::default();
        assert!(w.is_report_reaction("🚩"));
        assert!(w.is_report_reaction("🚩\u{FE0F}"), "🚩️ with VS16 is the same flag");
        assert!(!w.is_report_reaction("👍"), "another emoji is not a report");
        assert!(!w.is_report_reaction(" "), "a blank key reports nothing");
        let custom = ReportWords { commands: vec!["!mod".into()], emoji: vec!["⚠️".into()] };
        assert!(custom.is_report_reaction("⚠") && custom.command("!mod help").is_some(), "a group's own words");
        assert_eq!(custom.command("!report x"), None, "the defaults are replaced, not added to");
    }
}
