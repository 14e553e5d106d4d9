//! # qunguan-testkit — the proving ground
//!
//! Every promise Qunguan makes about Matrix is checked against a **real Synapse**, never a mock:
//! - [`Synapse`]: a server per caller (own temp dir, free loopback port, SQLite, fast bcrypt,
//!   rate limits raised or deliberately low), shared-secret registration, stop / crash / restart
//!   on the same data for outage tests.
//! - [`Client`]: raw client-server calls for *seeding and checking* worlds, independent of the
//!   product's own Matrix adapter so a test never grades the code with itself.
//! - [`demo`]: the realistic demo world (1,200 members, four groups, moderation-worthy history),
//!   built once per seed version and started from a cached copy in milliseconds.
//!
//! - [`oracles`]: pinned third-party packages (a venv of their own) that re-check our output.
//!
//! Nothing here skips: a missing Synapse is an error that says to run `cargo xtask setup`.

#![warn(missing_docs)]

/// A raw client-server API helper for seeding and checking worlds (not the product's adapter).
pub mod client;
/// The demo world (owner, admins, 1,200 members, four groups), built once and cached.
pub mod demo;
/// A group member driven by matrix-nio, a third-party Matrix client.
pub mod nio;
/// Pinned third-party packages that re-check our output.
pub mod oracles;
/// A real Synapse per caller on a free loopback port, with stop / crash / restart.
pub mod synapse;

pub use client::{ApiError, Client, RoomSpec};
pub use synapse::{
    Fixture, SERVER_NAME, SYNAPSE_VERSION, Synapse, SynapseOptions, TestUser, cache_dir, synapse_python, synapse_venv,
};
