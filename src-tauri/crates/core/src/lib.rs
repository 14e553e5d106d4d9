//! # qunguan-core — the domain, with no I/O
//!
//! The vocabulary every other crate speaks: groups, members, roles, tiers, the actions a
//! role allows, accounts, and the typed errors that cross the IPC boundary. Nothing here
//! touches the network, the disk or a runtime, so it compiles fast and is tested with tables.
//!
//! ## Design
//! - Roles are *computed* from a platform-neutral [`role::PowerSnapshot`]; the Matrix adapter
//!   only translates room state into that snapshot. This keeps the rules of `docs/cli.md`
//!   ("Roles, read from power levels") in one tested function.
//! - The [`platform::Platform`] trait is the seam between the engine and a chat platform.
//!   Unit tests put fakes behind it; the end-to-end suite runs the Matrix adapter on Synapse.
//! - DTOs (`Group`, `Member`, `Account`) are what the app and `qg --json` print; with the `ts`
//!   feature they export TypeScript bindings so the UI never writes them twice.

#![warn(missing_docs)]

/// The signed-in account (homeserver, user) and its connection status.
pub mod account;
/// Actions an admin decides and the platform operations that carry them out.
pub mod action;
/// Each manager's record in a group: actions, reversals, dismissals, decision times.
pub mod admin_record;
/// RFC 8785 canonical JSON: the bytes the case log hashes, the same in every language.
pub mod canonical;
/// Case records: the append-only, hash-chained log of every action.
pub mod case;
/// What a group's size tier expects of its managers, and where a group falls short.
pub mod compliance;
/// Members' credit: score, level and every change, from the case log; the warning ladder.
pub mod credit;
/// Durations as people type them (`10m`, `2h`, `3d`), checked before anything is recorded.
pub mod duration;
/// The `{code, message}` error that crosses every boundary (IPC, `qg --json`).
pub mod error;
/// Evidence packages: a case or a month as files that verify without Qunguan.
pub mod evidence;
/// How the app's following of the groups stands, and when it may notify (the queue's live side).
pub mod follow;
/// Groups: what the platform reports about a room and the row the console shows.
pub mod group;
/// A group's written rules, checked: the text its managers hold members to.
pub mod group_rules;
/// The language a member reads a warning in (`zh` | `en`).
pub mod lang;
/// Members of a group and their membership state.
pub mod member;
/// A group's messages as the console shows them, and the rules a finding cites.
pub mod message;
/// Why an action was refused or ended in conflict, as data the app translates.
pub mod outcome;
/// The `Platform` / `Connector` traits: the seam between the engine and a chat platform.
pub mod platform;
/// Permission checks made before asking the platform, so a refusal is immediate and recorded.
pub mod policy;
/// The flagged queue: items, their sources and reporters, how they rank.
pub mod queue;
/// Reminders of open items nobody holds that have waited too long: which, and once each.
pub mod remind;
/// Members' reports inside a group: `!report` replies and 🚩 reactions.
pub mod report;
/// How long cached data is kept; purges, erasures and their record.
pub mod retention;
/// Roles and their capabilities, computed from a platform-neutral power-level snapshot.
pub mod role;
/// Searching the cached messages: the query, its hits and pages.
pub mod search;
/// Secrets whose `Debug` prints `<redacted>` and whose memory is wiped on drop.
pub mod secret;
/// Platform-staff mode: the report inbox and the measures of a server admin.
pub mod staff;
/// Where a decided action stands: one vocabulary for `qg`'s outcome, cases and the outbox.
pub mod status;
/// What one round of following the groups brings: timeline events per group, gaps, state changes.
pub mod sync;
/// RFC 3339 UTC times to and from Unix milliseconds, without a date crate.
pub mod time;
/// The warning a member reads: one template for sending and for the dialog's preview.
pub mod warning;

pub use account::{Account, ConnectionStatus};
pub use error::{ApiError, ErrorCode, Result, RetryKind};
pub use group::{Group, GroupState, Tier};
pub use lang::Lang;
pub use member::{Member, MemberState, Membership};
pub use role::{Capability, PowerLevels, PowerSnapshot, Role};
pub use secret::Secret;
pub use status::Status;
