//! IPC commands, one file per screen. Each is a one-liner over the engine; the error type is
//! `qunguan_core::ApiError`, which serialises as `{code, message}` for the UI to switch on.

pub mod cases;
pub mod credit;
pub mod groups;
pub mod messages;
pub mod queue;
pub mod session;
pub mod settings;
pub mod staff;
pub mod stewardship;
