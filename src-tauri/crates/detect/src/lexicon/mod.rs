//! Category lexicons and the one-pass matcher over them.
//!
//! A [`Lexicon`] is the category lists as written (`lists`: the built-in files, a user's TSV,
//! the allowed words); [`Lexicon::compile`] turns it into a [`Matcher`], one automaton over
//! every term (`matcher`), which reads the normalised text in its own byte encoding (`codes`)
//! and judges each hit by the gaps and word boundaries around it (`accept`).

mod accept;
mod codes;
mod lists;
mod matcher;

pub(crate) use codes::Codes;
pub use lists::{Lexicon, LexiconError, Origin, Term, is_cjk_term};
pub use matcher::{AutomatonKind, DEFAULT_DFA_BUDGET, Hit, Matcher};

#[cfg(test)]
mod tests;
