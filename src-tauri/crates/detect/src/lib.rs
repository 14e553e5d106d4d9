//! # qunguan-detect
//!
//! The detection engine of Qunguan: what a group manager must see, in Chinese and English,
//! through evasion. Every message that enters a managed group runs through it.
//!
//! ## DESIGN
//!
//! * **Pure.** No I/O, no async, no clock, no logging: text in, findings out. The built-in
//!   lists are compiled in (`include_str!`); callers pass file *contents*. Personal data found
//!   in a message is reported as spans of the caller's text and kept nowhere.
//! * **Normalise once, map back exactly.** [`normalize`] folds each character (NFKC, case,
//!   look-alikes, traditional → simplified, ignorables and separators dropped) and records, for
//!   every normalised byte, the original character it came from and the gaps in between.
//!   Findings always point at the *original* text, evasion included (`百💰家乐`).
//! * **Leetspeak as a second view.** [`leet`] replaces digits and symbols standing for letters
//!   inside mixed tokens (`p0rn`, `ca$ino`, `v1agra`) byte for byte, so offsets are unchanged;
//!   the same automaton runs over that view only when the normaliser saw such a token, and the
//!   personal-data detectors never see it.
//! * **One pass over all terms.** [`lexicon`] puts every term of every category into one
//!   leftmost-longest Aho-Corasick automaton (a DFA within a memory budget, else a contiguous
//!   NFA) and judges each hit with gap and word-boundary rules, so separators inside a term are
//!   evasion but `was sad` is not `ass`.
//! * **Validate, don't pattern-match, personal data.** [`pii`] checks the GB 11643 check digit and
//!   birth date of IDs, the numbering plan of phones, Luhn and issuer ranges of cards, the TLD of
//!   e-mail addresses, so order numbers, timestamps, prices and versions are not flagged.
//! * **Rules are data.** Every finding names a rule ([`rules`]); a group's rule set is JSON over
//!   defaults (severity, suggested action, enabled, link lists, thresholds).
//! * **Behaviour needs a stream.** [`stream`] keeps bounded per-group state for flooding; the
//!   per-message engine ([`Engine`]) has none and is `Sync`.
//!
//! Entry points: [`Engine::scan`] for one message, [`Stream::observe`] for flooding,
//! [`scan_jsonl`] for `qg scan`.
//!
//! Quality is measured by the labelled corpus in `corpus/` (`tests/corpus.rs` prints per-kind
//! precision and recall and fails under 0.97); speed by `benches/detect.rs` (`BENCH.md`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The per-message engine: every detector over one message, with reusable scratch space.
pub mod engine;
/// What a detector reports: kind, category, rule, severity and the original byte span.
pub mod finding;
/// A leetspeak view of the text (`p0rn` → `porn`), byte for byte, for a second pass.
pub mod leet;
/// Category term lists and the one-pass Aho-Corasick matcher over them.
pub mod lexicon;
/// URLs in a message, judged against a group's allow and deny lists.
pub mod links;
/// Mention spam: one message that pings many people, or everyone.
pub mod mentions;
/// Folding evasion away (NFKC, case, look-alikes, traditional → simplified) with an exact map back.
pub mod normalize;
/// Personal-data detectors (IDs, phones, cards, e-mail, doxxing), validated rather than pattern-matched.
pub mod pii;
/// A group's rule set: what each kind of finding means there (severity, action, thresholds).
pub mod rules;
/// `qg scan`: JSON Lines in, one result line per input line out.
pub mod scan;
/// Search terms: what a message is indexed under, and the check that confirms a match.
pub mod search;
/// Behaviour over a stream of messages (flooding), with bounded per-group state.
pub mod stream;

pub use engine::{Engine, Scratch};
pub use finding::{Finding, Kind, Severity, category};
pub use lexicon::{Lexicon, LexiconError, Matcher};
pub use rules::{Action, Rule, RuleSet, RulesError};
pub use scan::{ScanError, ScanLine, scan_jsonl, scan_lines};
pub use stream::Stream;
