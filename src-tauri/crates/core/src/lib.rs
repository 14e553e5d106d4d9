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

pub mod account;
pub mod action;
pub mod canonical;
pub mod case;
pub mod duration;
pub mod error;
pub mod group;
pub mod lang;
pub mod member;
pub mod message;
pub mod outcome;
pub mod platform;
pub mod policy;
pub mod role;
pub mod secret;
pub mod staff;
pub mod status;
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
