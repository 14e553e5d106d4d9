//! The app's live side of the queue: where its following of the groups stands (what the queue
//! screen's progress line and encrypted-groups notice show), and when a new item, or one that has
//! waited too long, may raise a desktop notification (the admin's settings and do-not-disturb
//! hours).
//!
//! ## Design
//! - [`FollowStatus`](crate::follow::FollowStatus) is what every round leaves behind; the app keeps the latest one (the
//!   screen asks for it when it opens) and sends it with each `queue-changed` event.
//! - [`NotifyPrefs`](crate::follow::NotifyPrefs) is decided here, without a clock of its own: the UI knows the admin's
//!   local time zone and sends its offset with the hours, so the rule is one tested function.

use serde::{Deserialize, Serialize};

use crate::{ApiError, Lang};

/// Where following the groups stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum FollowPhase {
    /// Not signed in, or not started yet.
    #[default]
    Idle,
    /// The first round is reading the groups (their messages since the console last looked).
    Reading,
    /// Following live: each round waits for news.
    Following,
    /// The last round failed; the next one comes after a pause (from the same point).
    Retrying,
}

/// The latest round of following, as the queue screen shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FollowStatus {
    /// Where following stands.
    pub phase: FollowPhase,
    /// Groups followed (as the last round counted them).
    pub groups: u32,
    /// Rounds done since the app started.
    pub rounds: u32,
    /// Items the last round put in the queue.
    pub new_items: Vec<String>,
    /// Open items whose severity the last round raised.
    pub raised_items: Vec<String>,
    /// Groups whose messages arrive end-to-end encrypted (this version cannot read them).
    pub encrypted_groups: Vec<String>,
    /// Why the last round failed (phase `retrying`).
    pub error: Option<ApiError>,
    /// Each group's history back-fill, as the last step left it.
    #[serde(default)]
    pub history: Vec<crate::sync::GroupHistory>,
}

/// When the app may show a desktop notification: for a new high-severity item, and for an item
/// that has waited too long (see [`crate::remind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NotifyPrefs {
    /// Notifications at all.
    pub enabled: bool,
    /// Do-not-disturb from this minute of the local day (0–1439), if set with `quiet_to`.
    pub quiet_from: Option<u16>,
    /// … until this minute (exclusive); before `quiet_from` means the hours span midnight.
    pub quiet_to: Option<u16>,
    /// Remind of an open item nobody holds once it has waited this many minutes in the queue
    /// (`None` or 0: no reminders).
    pub remind_after_minutes: Option<u32>,
    /// The admin's local time minus UTC, in minutes (UTC+8 is 480).
    pub utc_offset_minutes: i32,
    /// The language of the notifications (the UI's).
    pub lang: Lang,
}

impl Default for NotifyPrefs {
    fn default() -> Self {
        Self {
            enabled: true,
            quiet_from: None,
            quiet_to: None,
            remind_after_minutes: Some(DEFAULT_REMIND_MINUTES),
            utc_offset_minutes: 0,
            lang: Lang::En,
        }
    }
}

const DAY_MINUTES: i64 = 24 * 60;
/// How long an item waits before the first reminder, unless the admin says otherwise.
pub const DEFAULT_REMIND_MINUTES: u32 = 60;

impl NotifyPrefs {
    /// Whether the do-not-disturb hours hold at `unix_ms` (no hours set, or equal ends: never).
    pub fn quiet_at(&self, unix_ms: i64) -> bool {
        let (Some(from), Some(to)) = (self.quiet_from, self.quiet_to) else { return false };
        let (from, to) = (i64::from(from) % DAY_MINUTES, i64::from(to) % DAY_MINUTES);
        let minute = (unix_ms.div_euclid(60_000) + i64::from(self.utc_offset_minutes)).rem_euclid(DAY_MINUTES);
        match from.cmp(&to) {
            std::cmp::Ordering::Equal => false,
            std::cmp::Ordering::Less => (from..to).contains(&minute),
            std::cmp::Ordering::Greater => minute >= from || minute < to,
        }
    }

    /// Whether a notification may be shown at `unix_ms`: turned on, and outside the quiet hours.
    pub fn allows(&self, unix_ms: i64) -> bool {
        self.enabled && !self.quiet_at(unix_ms)
    }

    /// How long an item waits before it is reminded of, in ms: `None` when notifications or
    /// reminders are off.
    pub fn remind_after_ms(&self) -> Option<i64> {
        self.remind_after_minutes.filter(|m| self.enabled && *m > 0).map(|m| i64::from(m) * 60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms at `hh:mm` UTC on some day.
    fn at(hh: i64, mm: i64) -> i64 {
        1_700_000_000_000 / 86_400_000 * 86_400_000 + (hh * 60 + mm) * 60_000
    }

    #[test]
    fn quiet_hours_hold_in_local_time_and_may_span_midnight() {
        let prefs = |from: Option<u16>, to: Option<u16>, offset: i32| NotifyPrefs {
            enabled: true,
            quiet_from: from,
            quiet_to: to,
            utc_offset_minutes: offset,
            lang: Lang::En,
            remind_after_minutes: None,
        };
        let night = prefs(Some(22 * 60), Some(7 * 60), 0);
        let table = [(at(21, 59), false), (at(22, 0), true), (at(3, 0), true), (at(6, 59), true), (at(7, 0), false)];
        for (t, quiet) in table {
            assert_eq!(night.quiet_at(t), quiet, "22:00–07:00 at {t}");
        }
        let lunch = prefs(Some(12 * 60), Some(13 * 60), 0);
        assert!(lunch.quiet_at(at(12, 30)) && !lunch.quiet_at(at(13, 0)) && !lunch.quiet_at(at(11, 59)));
        // 22:00–07:00 in Beijing (UTC+8): 15:00 UTC is 23:00 there, 00:00 UTC is 08:00.
        let beijing = prefs(Some(22 * 60), Some(7 * 60), 480);
        assert!(beijing.quiet_at(at(15, 0)));
        assert!(!beijing.quiet_at(at(0, 0)));
        // West of UTC: 03:00 UTC is 22:00 the day before in UTC−5.
        assert!(prefs(Some(22 * 60), Some(7 * 60), -300).quiet_at(at(3, 0)));
        // No hours, half the hours, or equal ends: never quiet.
        for p in [prefs(None, None, 0), prefs(Some(60), None, 0), prefs(Some(60), Some(60), 0)] {
            assert!((0..24).all(|h| !p.quiet_at(at(h, 0))), "{p:?}");
        }
    }

    #[test]
    fn turned_off_never_allows() {
        let off = NotifyPrefs { enabled: false, ..NotifyPrefs::default() };
        assert!(!off.allows(at(12, 0)));
        assert!(NotifyPrefs::default().allows(at(12, 0)), "on by default, no quiet hours");
        let night = NotifyPrefs { quiet_from: Some(0), quiet_to: Some(6 * 60), ..NotifyPrefs::default() };
        assert!(!night.allows(at(1, 0)) && night.allows(at(7, 0)));
    }

    #[test]
    fn reminders_need_notifications_on_and_some_minutes() {
        assert_eq!(NotifyPrefs::default().remind_after_ms(), Some(60 * 60_000), "an hour by default");
        let prefs = |enabled: bool, minutes: Option<u32>| NotifyPrefs {
            enabled,
            remind_after_minutes: minutes,
            ..NotifyPrefs::default()
        };
        assert_eq!(prefs(true, Some(15)).remind_after_ms(), Some(15 * 60_000));
        for off in [prefs(true, None), prefs(true, Some(0)), prefs(false, Some(15))] {
            assert_eq!(off.remind_after_ms(), None, "{off:?}");
        }
    }
}
