//! # qunguan-matrix — the Matrix platform adapter
//!
//! The only crate that knows Matrix. It turns the platform trait's vocabulary (groups,
//! members, roles) into typed `ruma` requests sent with `reqwest`, and Matrix answers back
//! into `qunguan-core` types.
//!
//! ## Design
//! - [`http::HttpClient`] is the one place requests are sent: it builds them from ruma's
//!   typed endpoints, honours `429` answers (`retry_after_ms` / `Retry-After`) with bounded
//!   retries, and classifies every failure into an [`ApiError`](qunguan_core::ApiError) code,
//!   because only this layer can tell a revoked token from a wrong password, and whether a
//!   retry can help ([`http::Failure::retry_kind`], read by the outbox).
//! - A homeserver's answers are bounded: no redirect is followed with a token or a body, only
//!   `https` (or `http` to this machine) is spoken, bodies stop at [`http::MAX_BODY`], and every
//!   loop over pagination tokens stops at a page cap ([`paging`]).
//! - Power-level edits detect a concurrent write through `unsigned.replaces_state` and write
//!   back what it would have lost ([`power`]).
//! - Events from the homeserver (and from other servers through it) are untrusted: room
//!   state and member events are read from raw JSON by tolerant parsers in [`state`] that
//!   skip malformed events instead of failing a whole room, and never panic.
//! - Room version 12 semantics (creators outrank every power level) are decided from the
//!   create event's `room_version`, in [`state::creators_outrank`].

#![warn(missing_docs)]

/// Platform operations carried out on Matrix, each kind with its own exactly-once promise.
pub mod actions;
/// Synapse's admin API for platform-staff mode: reading reports, taking measures.
pub mod admin;
/// My shared blocklist as a Matrix policy list (`m.policy.rule.user`).
pub mod blocklist;
/// Signing in (password or token) and opening a platform connection.
pub mod connector;
/// From what the user typed to a homeserver's client API base URL (`.well-known`).
pub mod discovery;
/// The one HTTP client: typed ruma requests, 429 back-off, failure classification, answer caps.
pub mod http;
/// Matrix IDs checked with ruma's parsers before anything is recorded.
pub mod ids;
/// My account log: the room carrying my chains that are not about one group.
pub mod log_room;
/// A group's latest messages, for the Messages tab.
pub mod messages;
/// Rooms of my own (blocklist, account log), found again by their marker.
mod own_room;
/// A cap on every loop that follows pagination tokens.
pub mod paging;
/// `MatrixPlatform`: the platform trait over a signed-in Matrix account.
pub mod platform;
/// Power-level edits that never lose another admin's concurrent edit.
pub mod power;
/// The shared case log: each group's moderation room, its records, chain heads and trust.
pub mod shared;
/// Tolerant parsers for room state and member events (untrusted JSON).
pub mod state;
/// Following the groups: `/sync` filtered to them and `/messages` to fill a gap, event by event.
pub mod sync;
/// A loopback HTTP server with canned answers, for this crate's tests.
#[cfg(test)]
mod testserver;
/// Who managed a group when: power levels at a server time, to judge what others wrote.
pub mod trust;

pub use connector::MatrixConnector;
pub use platform::MatrixPlatform;
