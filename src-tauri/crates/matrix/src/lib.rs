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

pub mod actions;
pub mod admin;
pub mod blocklist;
pub mod connector;
pub mod discovery;
pub mod http;
pub mod ids;
pub mod log_room;
pub mod messages;
mod own_room;
pub mod paging;
pub mod platform;
pub mod power;
pub mod shared;
pub mod state;
#[cfg(test)]
mod testserver;
pub mod trust;

pub use connector::MatrixConnector;
pub use platform::MatrixPlatform;
