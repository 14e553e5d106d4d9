//! The Synapse admin API, for platform-staff mode (see `qunguan_core::staff`).
//!
//! ## Design
//! - Report contents (reasons, message text, who reported whom) are personal data: nothing read
//!   here is logged; a skipped row is counted, never printed.
//!
//! `parse` reads the answers, `measures` makes the calls.

mod measures;
mod parse;

pub use measures::{DELETE_FOLLOW_LIMIT, encode};
pub use parse::{DeleteState, Page, Row, delete_state, parse_delete_tasks, parse_detail, parse_page};
