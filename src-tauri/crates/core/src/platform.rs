//! The seam between the engine and a chat platform.
//!
//! Everything above this trait speaks groups, members and roles; only the adapter behind it
//! (the `qunguan-matrix` crate) knows the platform's wire protocol. Errors are already
//! classified into [`ApiError`] codes by the adapter, because only it can tell a revoked
//! token from a wrong password.

use std::sync::Arc;

use async_trait::async_trait;

use crate::account::Account;
use crate::action::{Applied, MessageSnapshot, OpContext, PlatformOp};
use crate::error::Result;
use crate::group::GroupState;
use crate::member::MemberState;
use crate::secret::Secret;
use crate::staff::{ReportRef, StaffReport};
use crate::sync::{Backfill, SyncBatch};

/// A signed-in connection to the platform.
#[async_trait]
pub trait Platform: Send + Sync {
    /// The account this connection is signed in as.
    fn account(&self) -> &Account;

    /// Checks that the token is still valid; returns the user ID it belongs to.
    async fn whoami(&self) -> Result<String>;

    /// Every group I have joined, with its power snapshot (the engine filters the managed ones).
    async fn joined_groups(&self) -> Result<Vec<GroupState>>;

    /// One group by room ID or alias.
    async fn group(&self, id_or_alias: &str) -> Result<GroupState>;

    /// All members of a group, in any membership state.
    async fn members(&self, group_id: &str) -> Result<Vec<MemberState>>;

    /// Invalidates the token on the server.
    async fn logout(&self) -> Result<()>;

    /// Applies one operation idempotently (see [`crate::action`] for the promise per kind).
    /// Refusals by the platform come back as `forbidden` errors; network failures, 5xx and
    /// exhausted 429s as `homeserver_unreachable` / `platform` / `rate_limited` (retry later).
    async fn apply(&self, group_id: &str, op: &PlatformOp, ctx: &OpContext) -> Result<Applied>;

    /// One message, for evidence; `None` when the server does not know it.
    async fn message(&self, group_id: &str, event_id: &str) -> Result<Option<MessageSnapshot>>;

    /// Up to `n` messages before and `n` after `event_id`, oldest first (the event excluded).
    async fn context(&self, group_id: &str, event_id: &str, n: u32) -> Result<Vec<MessageSnapshot>>;

    /// The group's latest `limit` messages (text and other room messages, removed ones
    /// included), oldest first.
    async fn recent_messages(&self, group_id: &str, limit: u32) -> Result<Vec<MessageSnapshot>>;

    /// The ID of a group given by ID or alias, without needing to be in it.
    async fn group_id(&self, id_or_alias: &str) -> Result<String> {
        Ok(self.group(id_or_alias).await?.id)
    }

    /// Platform staff: is this account a server admin? (See [`crate::staff`].)
    async fn is_staff(&self) -> Result<bool> {
        Ok(false)
    }

    /// Platform staff: every open report, newest first.
    async fn staff_reports(&self) -> Result<Vec<StaffReport>> {
        Err(no_staff_mode())
    }

    /// Platform staff: does this report exist?
    async fn staff_report_exists(&self, _report: ReportRef) -> Result<bool> {
        Err(no_staff_mode())
    }

    /// Platform staff: does this account exist on this server? `Err(invalid_input)` for
    /// accounts of other servers, which staff here cannot act on.
    async fn staff_user_exists(&self, _user_id: &str) -> Result<bool> {
        Err(no_staff_mode())
    }

    /// Platform staff: does the server know this room (by ID)?
    async fn staff_room_exists(&self, _room_id: &str) -> Result<bool> {
        Err(no_staff_mode())
    }

    /// Where the group's shared case log is (the moderation room of its admins on Matrix): the
    /// room the group points at when that pointer is trustworthy, else `trusted` (the room I
    /// last trusted) with a warning saying why the pointer was not followed. With `create`, a
    /// group that has no log yet gets one.
    async fn case_log_room(&self, _group_id: &str, _trusted: Option<&str>, _create: bool) -> Result<CaseLogRoom> {
        Ok(CaseLogRoom::default())
    }

    /// Posts one of my case records to the group's shared case log in `room` (from
    /// [`Platform::case_log_room`]); `txn_id` makes a retry a no-op.
    async fn publish_case(
        &self,
        _group_id: &str,
        _room: &str,
        _content: &serde_json::Value,
        _txn_id: &str,
    ) -> Result<()> {
        Ok(())
    }

    /// The group's shared case log in `room`: every admin's published chain head (read first),
    /// and the records and removals since `since` (a [`SharedLog::next`] from an earlier read;
    /// `None`: from the start), oldest first.
    async fn shared_cases(&self, _group_id: &str, _room: &str, _since: Option<&str>) -> Result<SharedLog> {
        Ok(SharedLog::default())
    }

    /// States where my chain of this group now ends (`{group, hash, count}`), after the
    /// records it names were posted, so the other admins can tell when newer ones go missing.
    async fn publish_chain_head(&self, _group_id: &str, _room: &str, _head: &serde_json::Value) -> Result<()> {
        Ok(())
    }

    /// Sets the group's own report words and emoji (in the group's state, for every console).
    async fn set_report_words(&self, _group_id: &str, _words: &crate::report::ReportWords) -> Result<()> {
        Err(cannot_follow())
    }

    /// Sets the group's written rules (checked; in the group's state, for every console).
    async fn set_rules(&self, _group_id: &str, _text: &str) -> Result<()> {
        Err(cannot_follow())
    }

    /// Sets the group's own credit policy (in the group's state, shared by its admins).
    async fn set_credit_policy(&self, _group_id: &str, _policy: &crate::credit::CreditPolicy) -> Result<()> {
        Err(cannot_follow())
    }

    /// The claims on queue items in a group's moderation room `room` (see [`crate::queue::Claim`]).
    async fn claims(&self, _room: &str) -> Result<Vec<crate::queue::Claim>> {
        Ok(Vec::new())
    }

    /// Writes my claim on `item` (holding it until `until_ms`), or with `None` releases it.
    async fn put_claim(&self, _room: &str, _group: &str, _item: &str, _until_ms: Option<i64>) -> Result<()> {
        Err(cannot_follow())
    }

    /// One round of following `groups` and the case-log rooms `log_rooms` (see [`crate::sync`]):
    /// from `since`, the `next` of the previous round (`None`: the first), waiting up to
    /// `timeout_ms` for something new in any of them.
    async fn sync(
        &self,
        _since: Option<&str>,
        _groups: &[String],
        _log_rooms: &[String],
        _timeout_ms: u64,
    ) -> Result<SyncBatch> {
        Err(cannot_follow())
    }

    /// Up to `limit` events of a group before `from` (a [`crate::sync::GroupBatch::gap`] or an
    /// earlier [`Backfill::earlier`]), for filling a gap; an empty `from`: before the latest
    /// (a history back-fill's first page).
    async fn backfill(&self, _group_id: &str, _from: &str, _limit: u32) -> Result<Backfill> {
        Err(cannot_follow())
    }
}

fn cannot_follow() -> crate::ApiError {
    crate::ApiError::internal("this platform cannot follow groups")
}

/// Where a group's shared case log is, as far as it can be trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseLogRoom {
    /// The room to read and post to; `None`: none yet (or none I can trust or join).
    pub room: Option<String>,
    /// Why the group's pointer was not followed (it names a room someone without the standing
    /// to choose it chose), in English; `None` when it was.
    pub warning: Option<String>,
}

/// One case record as it came from the shared case log, with what the platform vouches for.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedEntry {
    /// Who posted it (authenticated by the homeserver).
    pub sender: String,
    /// The event that carries the record.
    pub event_id: String,
    /// The record as posted (parsed and checked by the engine).
    pub content: serde_json::Value,
    /// When the server received it (Unix ms): imported records are ordered by this, never by
    /// the `created_at` their writer chose.
    pub received_at_ms: i64,
    /// Whether the sender managed the group (moderator or above) by the power levels in force
    /// when it was received; a record from anyone else is kept, marked untrusted.
    pub sender_managed: bool,
}

/// One read of a group's shared case log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedLog {
    /// `(admin, content)`: where each admin says their chain ends, read before `records`, so
    /// every record a head names was already there when the records were read.
    pub heads: Vec<(String, serde_json::Value)>,
    /// The case records, oldest first.
    pub records: Vec<SharedEntry>,
    /// Event IDs of records removed from the log: redacted by the server, or named by a
    /// redaction whose sender could redact them (a redaction the server did not apply is none).
    pub removed: Vec<String>,
    /// Where the next read continues (opaque); `None`: from the start again.
    pub next: Option<String>,
}

fn no_staff_mode() -> crate::ApiError {
    crate::ApiError::new(crate::ErrorCode::Forbidden, "this platform has no staff mode")
}

/// What a successful sign-in hands back: the account and its access token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who signed in, where.
    pub account: Account,
    /// The session's token, for the keyring.
    pub access_token: Secret,
}

/// Which kind of platform identifier a value must be (see [`Connector::check_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A member (`@name:server` on Matrix).
    User,
    /// A group by its ID (`!opaque` or `!opaque:server`).
    Room,
    /// A group by its ID or an alias (`#name:server`).
    RoomOrAlias,
    /// A message (`$opaque`).
    Event,
}

impl IdKind {
    /// What the value should have been, for the error message.
    pub fn describe(self) -> &'static str {
        match self {
            IdKind::User => "user ID",
            IdKind::Room => "room ID",
            IdKind::RoomOrAlias => "room ID or alias",
            IdKind::Event => "event ID",
        }
    }
}

/// Signs in and opens platform connections.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Checks an identifier with the platform's own grammar, before anything is recorded: an
    /// ID the adapter would refuse at send time must never reach the outbox, where it could
    /// only fail. `Err(invalid_input)` names the value and what it should have been.
    fn check_id(&self, kind: IdKind, value: &str) -> Result<()>;

    /// Signs in with a user name (or full ID) and password.
    async fn login_password(&self, homeserver: &str, user: &str, password: &Secret) -> Result<SignedIn>;

    /// Signs in with an existing access token (checked with the server).
    async fn login_token(&self, homeserver: &str, token: &Secret) -> Result<SignedIn>;

    /// Opens a platform connection for a signed-in account (no network call).
    fn open(&self, signed_in: SignedIn) -> Arc<dyn Platform>;
}
