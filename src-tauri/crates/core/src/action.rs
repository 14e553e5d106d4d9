//! Moderation actions: what an admin decides ([`Action`](crate::action::Action)) and the platform operations that
//! carry it out ([`PlatformOp`](crate::action::PlatformOp)).
//!
//! ## Design
//! - An [`Action`](crate::action::Action) is the decision as the admin made it (mute for 10 minutes, ban, …). It is
//!   what the case log records and the outbox replays.
//! - The engine turns a decision into one or more [`PlatformOp`](crate::action::PlatformOp)s against the *latest* state
//!   right before carrying it out (e.g. mute → set this member's level below posting). The
//!   adapter applies each op idempotently, per kind:
//!   - state ops (power levels, membership) re-read the state first and do nothing if it
//!     already holds ([`Applied::AlreadyDone`](crate::action::Applied::AlreadyDone));
//!   - sends and redactions reuse the outbox's transaction ID and carry the case ID in their
//!     content (`org.qunguan.case_id`), and a retry first looks for an event with that case ID;
//!   - reports cannot be deduplicated by a non-admin: they are at-least-once.
//! - When the world changed (target left, message gone, my power lowered), the adapter answers
//!   [`Applied::Conflict`](crate::action::Applied::Conflict) with the reason, never a silent success.

use serde::{Deserialize, Serialize};

use crate::role::Role;

/// A decision, as recorded in the case log and replayed from the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Send the group a notice that mentions the member.
    Warn {
        /// The member warned.
        user: String,
    },
    /// Lower the member's level below what posting needs, for `seconds`.
    Mute {
        /// The member muted.
        user: String,
        /// How long the mute lasts; the engine ends it when the time is up.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        seconds: u64,
    },
    /// Give the member back the level a mute took away.
    Unmute {
        /// The member unmuted.
        user: String,
    },
    /// Remove (redact) a message, its evidence kept first.
    Remove {
        /// The message removed.
        event_id: String,
    },
    /// Remove the member from the group; they may join again.
    Kick {
        /// The member kicked.
        user: String,
    },
    /// Remove the member and keep them out; with `seconds`, until the time is up.
    Ban {
        /// The member banned.
        user: String,
        /// How long a timed ban lasts (the engine lifts it when the time is up); none: for good.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
        seconds: Option<u64>,
    },
    /// Lift a ban; the member may join again.
    Unban {
        /// The member unbanned.
        user: String,
    },
    /// Suspend posting for the whole group (raise `events_default`).
    Lock,
    /// Resume posting: restore the level the lock replaced.
    Unlock,
    /// Change the member's role (their power level).
    Role {
        /// The member whose role changes.
        user: String,
        /// The role they get.
        role: Role,
    },
    /// Report a message to the platform's staff.
    ReportMessage {
        /// The message reported.
        event_id: String,
    },
    /// Report a member to the platform's staff.
    ReportMember {
        /// The member reported.
        user: String,
    },
    /// Report the whole group to the platform's staff.
    ReportGroup,
    // Platform staff (server admin) measures, see `crate::staff`; `report` is `event:12` / `user:3`.
    /// Staff: stop an account from acting on the server (reversible).
    StaffSuspend {
        /// The account suspended.
        user: String,
    },
    /// Staff: lift a suspension.
    StaffUnsuspend {
        /// The account unsuspended.
        user: String,
    },
    /// Staff: close an account for good.
    StaffDeactivate {
        /// The account deactivated.
        user: String,
    },
    /// Staff: close a group: block it, remove everyone, purge it.
    StaffClose {
        /// The group's room ID.
        room: String,
    },
    /// Staff: take a report out of the inbox.
    StaffResolve {
        /// The report (`event:12`, `user:3`).
        report: String,
    },
    /// Showing a message's masked personal data to the admin: no platform operation, but a
    /// case, so who looked at whose ID or phone number, and why, is on the record.
    Reveal {
        /// The message whose personal data was shown.
        event_id: String,
    },
    /// Closing a queue item without acting: the message was looked at and left alone, with a
    /// reason (no platform operation; the case and its evidence are the point).
    Dismiss {
        /// The message the item is about.
        event_id: String,
    },
    /// Add / remove a member on my shared blocklist (a Matrix policy list), see `ban --all-groups`.
    BlocklistAdd {
        /// The member added to the blocklist.
        user: String,
    },
    /// Take a member off my shared blocklist.
    BlocklistRemove {
        /// The member taken off.
        user: String,
    },
}

/// One list of the actions' names: [`ActionKind`] and its words come from it.
macro_rules! action_kinds {
    ($($kind:ident = $word:literal,)*) => {
        /// What a case record says was done: one of this build's actions by name, or a word it
        /// does not know (a newer console's) kept exactly as written, so the record's hash
        /// still verifies and the case is listed as it came.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ActionKind {
            $(#[doc = concat!("`", $word, "`")] $kind,)*
            /// A word this build does not know.
            Other(String),
        }

        impl ActionKind {
            /// The word of a kind this build knows; `None` for [`ActionKind::Other`].
            pub fn known(&self) -> Option<&'static str> {
                match self {
                    $(ActionKind::$kind => Some($word),)*
                    ActionKind::Other(_) => None,
                }
            }
        }

        impl From<&str> for ActionKind {
            fn from(word: &str) -> Self {
                match word {
                    $($word => ActionKind::$kind,)*
                    other => ActionKind::Other(other.to_owned()),
                }
            }
        }
    };
}

action_kinds! {
    Warn = "warn",
    Mute = "mute",
    Unmute = "unmute",
    Remove = "remove",
    Kick = "kick",
    Ban = "ban",
    Unban = "unban",
    Lock = "lock",
    Unlock = "unlock",
    Role = "role",
    ReportMessage = "report_message",
    ReportMember = "report_member",
    ReportGroup = "report_group",
    StaffSuspend = "staff_suspend",
    StaffUnsuspend = "staff_unsuspend",
    StaffDeactivate = "staff_deactivate",
    StaffClose = "staff_close",
    StaffResolve = "staff_resolve",
    BlocklistAdd = "blocklist_add",
    BlocklistRemove = "blocklist_remove",
    Reveal = "reveal",
    Dismiss = "dismiss",
}

impl ActionKind {
    /// The word a case record holds.
    pub fn as_str(&self) -> &str {
        match self {
            ActionKind::Other(word) => word,
            known => known.known().expect("a known kind has its word"),
        }
    }
}

impl From<String> for ActionKind {
    fn from(word: String) -> Self {
        ActionKind::from(word.as_str())
    }
}

impl PartialEq<&str> for ActionKind {
    fn eq(&self, word: &&str) -> bool {
        self.as_str() == *word
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ActionKind::from)
    }
}

impl Action {
    /// The action's kind (its name in `cases.action`, exit-code tables, UI keys).
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Warn { .. } => ActionKind::Warn,
            Action::Mute { .. } => ActionKind::Mute,
            Action::Unmute { .. } => ActionKind::Unmute,
            Action::Remove { .. } => ActionKind::Remove,
            Action::Kick { .. } => ActionKind::Kick,
            Action::Ban { .. } => ActionKind::Ban,
            Action::Unban { .. } => ActionKind::Unban,
            Action::Lock => ActionKind::Lock,
            Action::Unlock => ActionKind::Unlock,
            Action::Role { .. } => ActionKind::Role,
            Action::ReportMessage { .. } => ActionKind::ReportMessage,
            Action::ReportMember { .. } => ActionKind::ReportMember,
            Action::ReportGroup => ActionKind::ReportGroup,
            Action::StaffSuspend { .. } => ActionKind::StaffSuspend,
            Action::StaffUnsuspend { .. } => ActionKind::StaffUnsuspend,
            Action::StaffDeactivate { .. } => ActionKind::StaffDeactivate,
            Action::StaffClose { .. } => ActionKind::StaffClose,
            Action::StaffResolve { .. } => ActionKind::StaffResolve,
            Action::BlocklistAdd { .. } => ActionKind::BlocklistAdd,
            Action::BlocklistRemove { .. } => ActionKind::BlocklistRemove,
            Action::Reveal { .. } => ActionKind::Reveal,
            Action::Dismiss { .. } => ActionKind::Dismiss,
        }
    }

    /// The action's stable name (`cases.action`, exit-code tables, UI keys).
    pub fn name(&self) -> &'static str {
        self.kind().known().expect("every action is a known kind")
    }

    /// A platform-staff measure (needs a server admin; not about one group I manage).
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            Action::StaffSuspend { .. }
                | Action::StaffUnsuspend { .. }
                | Action::StaffDeactivate { .. }
                | Action::StaffClose { .. }
                | Action::StaffResolve { .. }
        )
    }

    /// What the case is about: the member, the message, or (staff) the room or report.
    pub fn target(&self) -> Option<&str> {
        match self {
            Action::StaffClose { room } => Some(room),
            Action::StaffResolve { report } => Some(report),
            Action::Reveal { event_id } => Some(event_id),
            a => a.target_user().or(a.target_event()),
        }
    }

    /// The member the action is about, if any.
    pub fn target_user(&self) -> Option<&str> {
        match self {
            Action::Warn { user }
            | Action::Mute { user, .. }
            | Action::Unmute { user }
            | Action::Kick { user }
            | Action::Ban { user, .. }
            | Action::Unban { user }
            | Action::Role { user, .. }
            | Action::ReportMember { user }
            | Action::StaffSuspend { user }
            | Action::StaffUnsuspend { user }
            | Action::StaffDeactivate { user }
            | Action::BlocklistAdd { user }
            | Action::BlocklistRemove { user } => Some(user),
            _ => None,
        }
    }

    /// The message the action is about, if any.
    pub fn target_event(&self) -> Option<&str> {
        match self {
            Action::Remove { event_id } | Action::ReportMessage { event_id } | Action::Dismiss { event_id } => {
                Some(event_id)
            }
            _ => None,
        }
    }
}

/// One operation on the platform, applied idempotently by the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PlatformOp {
    /// A notice to the group mentioning `mentions` (an `m.text` with `m.mentions`).
    SendNotice {
        /// The notice's text.
        body: String,
        /// User IDs the notice mentions.
        mentions: Vec<String>,
    },
    /// Set one member's power level; `None` removes their entry (back to `users_default`).
    SetUserPower {
        /// The member whose level is set.
        user: String,
        /// The new level, or `None` for the group's default.
        level: Option<i64>,
    },
    /// Set the level needed to post (`events_default`): raising it suspends posting.
    SetPostingLevel {
        /// The level posting needs from now on.
        level: i64,
    },
    /// Redact an event (a message's content is gone for everyone).
    Redact {
        /// The event redacted.
        event_id: String,
        /// The reason the platform shows with it.
        reason: String,
    },
    /// Remove a member from the room.
    Kick {
        /// The member kicked.
        user: String,
        /// The reason the platform shows with it.
        reason: String,
    },
    /// Ban a member from the room.
    Ban {
        /// The member banned.
        user: String,
        /// The reason the platform shows with it.
        reason: String,
    },
    /// Lift a member's ban in the room.
    Unban {
        /// The member unbanned.
        user: String,
        /// The reason the platform shows with it.
        reason: String,
    },
    /// Report an event to the homeserver's staff.
    ReportEvent {
        /// The event reported.
        event_id: String,
        /// The reason staff read.
        reason: String,
    },
    /// Report a user to the homeserver's staff.
    ReportUser {
        /// The user reported.
        user: String,
        /// The reason staff read.
        reason: String,
    },
    /// Report the room to the homeserver's staff.
    ReportRoom {
        /// The reason staff read.
        reason: String,
    },
    /// Platform staff: suspend (`true`) or unsuspend an account.
    SuspendUser {
        /// The account (on this server).
        user: String,
        /// `true` suspends, `false` lifts the suspension.
        suspend: bool,
    },
    /// Platform staff: deactivate an account for good.
    DeactivateUser {
        /// The account (on this server).
        user: String,
    },
    /// Platform staff: refuse every future join to a room.
    BlockRoom {
        /// The room's ID.
        room: String,
    },
    /// Platform staff: remove everyone from a room and purge it, keeping it blocked; waits
    /// (bounded) for the platform to finish.
    DeleteRoom {
        /// The room's ID.
        room: String,
        /// What the removed members are told.
        message: String,
    },
    /// Platform staff: remove a report from the inbox.
    ResolveReport {
        /// The report resolved.
        report: crate::staff::ReportRef,
    },
    /// Write (`ban`) or clear an `m.policy.rule.user` entry in my policy list room (created on
    /// first use, marked with `org.qunguan.room` so it is never listed as a group).
    SetPolicyRule {
        /// The user ID the rule is about.
        entity: String,
        /// The reason policy-list readers see.
        reason: String,
        /// `true` writes the ban rule, `false` clears it.
        ban: bool,
    },
}

impl PlatformOp {
    /// A platform-staff operation: about an account, a room or a report, not the group it is applied in.
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            PlatformOp::SuspendUser { .. }
                | PlatformOp::DeactivateUser { .. }
                | PlatformOp::BlockRoom { .. }
                | PlatformOp::DeleteRoom { .. }
                | PlatformOp::ResolveReport { .. }
        )
    }
}

/// What applying an op did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "applied", rename_all = "snake_case")]
pub enum Applied {
    /// Carried out now.
    Done {
        /// The event sent, where there is one.
        event_id: Option<String>,
    },
    /// The state already held (or an earlier attempt's event exists): nothing was done again.
    AlreadyDone {
        /// The earlier attempt's event, where there is one.
        event_id: Option<String>,
    },
    /// The world changed since the decision; nothing was done.
    Conflict {
        /// What changed, in English (for `qg` and the case log).
        reason: String,
        /// The reason as data, for the app to translate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<crate::outcome::Why>,
    },
}

/// Identifies one attempt series of one decided action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpContext {
    /// Reused by every retry of this action.
    pub txn_id: String,
    /// Carried in sent content as `org.qunguan.case_id`.
    pub case_id: String,
}

/// A message as captured for evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSnapshot {
    /// The message's event ID.
    pub event_id: String,
    /// Who sent it.
    pub sender: String,
    /// Unix ms.
    pub ts: i64,
    /// The event type (`m.room.message`, …).
    pub kind: String,
    /// The text body, if any (`None` when redacted or not a text message).
    pub body: Option<String>,
    /// Already redacted when captured.
    pub redacted: bool,
    /// Who removed it, when known (the redaction's sender). Left out of the JSON when unknown,
    /// so evidence sealed before this field existed hashes as it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_by: Option<String>,
    /// The case a message sent by this console carries (`org.qunguan.case_id`, e.g. a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// The message this one replies to (its `body` is then without the quoted fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_serialise_with_their_name_as_tag() {
        let a = Action::Mute { user: "@u:hs".into(), seconds: 600 };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"action":"mute","user":"@u:hs","seconds":600}"#);
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        assert_eq!(a.name(), "mute");
        assert_eq!(a.target_user(), Some("@u:hs"), "a mute should target its member");
        let r = Action::Role { user: "@u:hs".into(), role: Role::Moderator };
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"action":"role","user":"@u:hs","role":"moderator"}"#);
        assert_eq!(
            Action::Remove { event_id: "$e".into() }.target_event(),
            Some("$e"),
            "a remove should target its event"
        );
        assert_eq!(Action::Lock.target_user(), None, "a lock should target no member");
    }
    #[test]
    fn every_action_kind_keeps_its_word_and_an_unknown_word_is_kept_as_written() {
        for word in ["warn", "report_message", "blocklist_remove", "dismiss", "reveal"] {
            let kind = ActionKind::from(word);
            assert_eq!(kind.known(), Some(word), "{word} is a kind this build knows");
            assert_eq!(serde_json::to_value(&kind).unwrap(), word, "serialised as its word");
        }
        let newer = ActionKind::from("appeal");
        assert_eq!(newer, ActionKind::Other("appeal".into()));
        assert_eq!((newer.as_str(), newer.known()), ("appeal", None), "a newer console's word, kept");
        assert_eq!(Action::Lock.name(), "lock");
        assert_eq!(Action::Dismiss { event_id: "$e".into() }.kind(), ActionKind::Dismiss);
    }
}

/// The outcome of one decided action, as `qg` prints it and the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ActionOutcome {
    /// The case the action is recorded under.
    pub case_id: String,
    /// Where the action stands: `done`, `queued`, `refused`, `conflict`, or ended without being carried out.
    pub status: crate::Status,
    /// In English, as `qg` prints it and the case log keeps it.
    pub detail: String,
    /// Why it was refused or conflicted, as data the app translates (when the engine knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub why: Option<crate::outcome::Why>,
    /// The warning ladder's step this action reached and the console took (the group's ladder
    /// is automatic): its own case's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ladder_step: Option<Box<ActionOutcome>>,
}

/// Evidence kept before a removal or a report: the message, its context, and a SHA-256 over
/// their canonical JSON (struct fields in declaration order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The group's room ID.
    pub group: String,
    /// The message acted on.
    pub message: MessageSnapshot,
    /// The messages around it, as the platform returned them.
    pub context: Vec<MessageSnapshot>,
    /// RFC 3339 time of capture.
    pub captured_at: String,
}

impl Evidence {
    /// The canonical JSON and its SHA-256 (hex).
    pub fn seal(&self) -> (String, String) {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).expect("evidence always serialises");
        let hash = crate::case::hex(&Sha256::digest(json.as_bytes()));
        (json, hash)
    }
}

/// Why a decided action is not carried out (yet), as data — matrix-rust-sdk's
/// `QueueWedgeError` for the outbox: the app translates it and `qg outbox --json` prints it
/// next to `last_error`, which keeps the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxError {
    /// No answer from the homeserver (offline, refused, timed out): tried again when it answers.
    Unreachable {
        /// The failure's words.
        message: String,
    },
    /// The homeserver could not serve it now (5xx, 429): tried again after a back-off.
    Busy {
        /// The error code the answer maps to (`platform`, `rate_limited`).
        code: crate::ErrorCode,
        /// The failure's words.
        message: String,
    },
    /// The request cannot succeed as it is (bad request, unknown room): ended as failed.
    Rejected {
        /// The error code the answer maps to (`invalid_input`, `not_found`, `platform`…).
        code: crate::ErrorCode,
        /// The failure's words.
        message: String,
    },
    /// The entry itself cannot be read back (a damaged payload): ended as failed.
    Unreadable {
        /// What could not be read.
        message: String,
    },
}

impl OutboxError {
    /// The adapter's classification of a failure ([`crate::RetryKind`]) as the outbox keeps it.
    pub fn from_api(e: &crate::ApiError) -> Self {
        let (code, message) = (e.code, e.message.clone());
        match e.retry_kind() {
            crate::RetryKind::Network => OutboxError::Unreachable { message },
            crate::RetryKind::Transient => OutboxError::Busy { code, message },
            crate::RetryKind::Permanent => OutboxError::Rejected { code, message },
        }
    }

    /// The words, as `last_error` shows them.
    pub fn message(&self) -> &str {
        match self {
            OutboxError::Unreachable { message }
            | OutboxError::Busy { message, .. }
            | OutboxError::Rejected { message, .. }
            | OutboxError::Unreadable { message } => message,
        }
    }

    /// Whether the entry stays queued for another attempt.
    pub fn retried(&self) -> bool {
        matches!(self, OutboxError::Unreachable { .. } | OutboxError::Busy { .. })
    }
}

/// An outbox entry as listed by `qg outbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutboxView {
    /// The case the entry carries out.
    pub case_id: String,
    /// The action's name (`mute`, `ban`, …).
    pub action: String,
    /// The group's room ID.
    pub group: String,
    /// The member or message acted on, if any.
    pub target: Option<String>,
    /// `queued` while waiting, else how it ended.
    pub status: crate::Status,
    /// Attempts made so far.
    pub attempts: u32,
    /// RFC 3339; `null` once settled.
    pub next_attempt_at: Option<String>,
    /// The last error's words while queued or failed; how it was settled otherwise.
    pub last_error: Option<String>,
    /// Why it waits or failed, as data; `null` when it did neither (or before this was kept).
    pub error: Option<OutboxError>,
}
