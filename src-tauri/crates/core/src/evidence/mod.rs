//! Evidence packages: one case, or a group's cases of one month, as files anyone can check.
//!
//! ## Design
//! - A package is a folder: `manifest.json` (what it is, who exported it, and every record's
//!   place in its chain with `prev_hash`, `hash` and record number), `cases/*.json` (each record
//!   exactly as hashed), `evidence/*.json` (each sealed evidence exactly as sealed), a readable
//!   `report.html`, `verify.py` and `SHA256SUMS` over all of them. The format is in
//!   `docs/evidence.md`.
//! - Building ([`crate::evidence::package::build`]) and checking ([`crate::evidence::verify::verify`])
//!   work on files in memory, so both are pure; the engine reads the store and writes the folder.
//! - `verify.py` (standard library only) and [`crate::evidence::verify::verify`] make the same
//!   checks in the same order and name problems with the same words; tests hold them together.

/// `manifest.json`: the package's description and the chain positions.
pub mod manifest;
/// The package's files, built from the chains' spans and the evidence.
pub mod package;
/// `report.html`, in the UI language, personal data masked.
pub mod report;
mod report_text;
/// Checking a package, as its own `verify.py` does.
pub mod verify;

#[cfg(test)]
mod tests;
