//! What one round of following the groups brings, platform-neutral: the engine stores it,
//! checks every new message and turns reports into queue items.
//!
//! ## Design
//! - The adapter reads the platform's incremental feed (Matrix `/sync`) and gives one
//!   [`GroupBatch`](crate::sync::GroupBatch) per group, events in the order the server gave them. An event it cannot
//!   read is left out (and counted), never failing the batch: room timelines are written by
//!   other people's servers.
//! - `limited` means the feed skipped events since the previous round; `gap` is where the
//!   adapter can page back from ([`crate::platform::Platform::backfill`]) so nothing is missed.
//! - Whether a message is a member's report is decided here ([`crate::report`]), not in the
//!   adapter: the words and the emoji are the console's settings, not the platform's.
//! - The console's own rooms (the groups' shared case logs, my account log) ride in the same
//!   feed, but only as a signal: [`SyncBatch::log_rooms`](crate::sync::SyncBatch::log_rooms)
//!   names those with news, and the engine reads them the trusted way
//!   ([`crate::platform::Platform::shared_cases`], [`crate::platform::Platform::claims`]).

use serde::{Deserialize, Serialize};

use crate::action::MessageSnapshot;

/// One event of a group's timeline that the console keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEvent {
    /// A message (text or not; `body` is `None` for one without text).
    Message(MessageSnapshot),
    /// A reaction (`key`, an emoji or any text) to another event.
    Reaction {
        /// The reaction's own event ID.
        event_id: String,
        /// Who reacted.
        sender: String,
        /// Unix ms.
        ts: i64,
        /// The event reacted to.
        target: String,
        /// What was reacted with.
        key: String,
    },
    /// A message edited by its sender (`m.replace`): the new text replaces the old, and is
    /// judged again — an innocent message edited into spam is the oldest trick there is.
    Edit {
        /// The edit's own event ID.
        event_id: String,
        /// Who edited (an edit by anyone but the original sender does not count).
        sender: String,
        /// Unix ms.
        ts: i64,
        /// The message edited.
        target: String,
        /// The new text.
        body: String,
    },
    /// An event removed by someone (the sender or a moderator).
    Redaction {
        /// The redaction's own event ID.
        event_id: String,
        /// Who removed it.
        sender: String,
        /// Unix ms.
        ts: i64,
        /// The event removed.
        redacts: String,
    },
}

impl TimelineEvent {
    /// The event's own ID.
    pub fn event_id(&self) -> &str {
        match self {
            TimelineEvent::Message(m) => &m.event_id,
            TimelineEvent::Reaction { event_id, .. }
            | TimelineEvent::Redaction { event_id, .. }
            | TimelineEvent::Edit { event_id, .. } => event_id,
        }
    }

    /// When the server received it (Unix ms).
    pub fn ts(&self) -> i64 {
        match self {
            TimelineEvent::Message(m) => m.ts,
            TimelineEvent::Reaction { ts, .. }
            | TimelineEvent::Redaction { ts, .. }
            | TimelineEvent::Edit { ts, .. } => *ts,
        }
    }
}

/// One group's part of a round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupBatch {
    /// The group's room ID.
    pub group_id: String,
    /// The feed left events out between the previous round and this one.
    pub limited: bool,
    /// Where to page back from to fill the gap (the token before `events`).
    pub gap: Option<String>,
    /// Members, power levels, name or encryption changed: the cached group is stale.
    pub state_changed: bool,
    /// Who manages the group (power levels) or where its case log is (its pointer) changed:
    /// its claims are judged again and its case-log room found again.
    pub standing_changed: bool,
    /// The group's messages are end-to-end encrypted (some arrived encrypted this round).
    pub encrypted_events: u32,
    /// Events, oldest first.
    pub events: Vec<TimelineEvent>,
    /// Events that could not be read and were left out.
    pub skipped: u32,
}

/// One round of the feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBatch {
    /// Where the next round continues from (stored with what this round brought).
    pub next: String,
    /// The groups that had anything, in the server's order.
    pub groups: Vec<GroupBatch>,
    /// The case-log rooms asked for that had news (events, or I left them), to be read.
    pub log_rooms: Vec<String>,
}

/// How far the current round is, for a progress line (the first round of a big account reads
/// many groups, each possibly with a gap to fill).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncProgress {
    /// Groups the round brought.
    pub groups: u32,
    /// Groups stored and checked so far.
    pub done: u32,
    /// The console's first round (everything is new).
    pub first: bool,
}

/// What paging back from a gap gives: events oldest first, and where to go on from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backfill {
    /// Events, oldest first.
    pub events: Vec<TimelineEvent>,
    /// The token further back, `None` at the start of the room.
    pub earlier: Option<String>,
    /// Events that could not be read and were left out.
    pub skipped: u32,
}

/// Where one group's history stands, as `qg history` and the app show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct GroupHistory {
    /// The group's room ID.
    pub group: String,
    /// Pages read so far.
    pub pages: u32,
    /// Messages stored from them.
    pub messages: u32,
    /// The oldest message reached (RFC 3339).
    pub oldest: Option<String>,
    /// Nothing more to read (the depth or the start of the room).
    pub done: bool,
}
