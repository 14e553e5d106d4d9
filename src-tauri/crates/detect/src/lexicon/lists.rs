//! # Lists
//!
//! The built-in starter lists live in `data/<category>.txt` (one term a line, `#` comments),
//! written for this project in Chinese and English for the seven built-in categories
//! ([`crate::category::KEYWORD`]). They are compiled in with `include_str!`: this crate reads no
//! files. Users add terms as TSV, `category<TAB>term` a line ([`Lexicon::add_tsv`]); a category
//! may be new. Every term is normalised by the same pipeline as message text
//! ([`crate::normalize::normalize_term`]); a term that normalises to nothing (only
//! punctuation, emoji or invisible characters) is an error that names its line.
//!
//! # Allowed words
//!
//! `data/allow.txt` lists ordinary words that contain a listed term (`大麻烦` ⊃ `大麻`,
//! `去死皮` ⊃ `去死`, `废物利用` ⊃ `废物`). They are patterns without a category in the same
//! automaton: leftmost-longest makes them win over the shorter term that starts at the same
//! place, and they report nothing. Word segmentation would be the general answer; a short list
//! of the collisions that chat actually produces is cheaper and keeps the one pass.

use std::collections::HashMap;
use std::sync::Arc;

use super::matcher::{DEFAULT_DFA_BUDGET, Matcher};
use crate::finding::category;
use crate::normalize::{self, is_cjk};

/// The built-in lists: (category, file contents).
pub(super) const BUILTIN: [(&str, &str); 7] = [
    (category::PORN, include_str!("../../data/porn.txt")),
    (category::VIOLENCE, include_str!("../../data/violence.txt")),
    (category::FRAUD, include_str!("../../data/fraud.txt")),
    (category::PYRAMID, include_str!("../../data/pyramid.txt")),
    (category::GAMBLING, include_str!("../../data/gambling.txt")),
    (category::INSULT, include_str!("../../data/insult.txt")),
    (category::SPAM, include_str!("../../data/spam.txt")),
];

/// Ordinary words that contain a listed term (see `data/allow.txt`).
const ALLOW: &str = include_str!("../../data/allow.txt");

/// A lexicon error, naming the file and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LexiconError {
    /// File name as given by the caller.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Where a term came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The built-in lists.
    Builtin,
    /// A user's list (`--lexicon`, a group's list).
    User,
    /// An allowed word: matched so that it hides the shorter terms inside it, reports nothing.
    Allow,
}

/// One term of a lexicon, normalised.
#[derive(Debug, Clone)]
pub struct Term {
    /// Category ID.
    pub category: Arc<str>,
    /// The term as written.
    pub text: String,
    /// The term normalised.
    pub normalized: String,
    /// Normalised byte offsets where the written term had a separator.
    pub breaks: Vec<usize>,
    /// Built-in or user.
    pub origin: Origin,
}

/// A set of category lists, before compilation.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub(super) terms: Vec<Term>,
}

impl Lexicon {
    /// No terms at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in starter lists.
    pub fn builtin() -> Self {
        let mut lex = Self::empty();
        for (cat, contents) in BUILTIN {
            let cat: Arc<str> = Arc::from(cat);
            for (i, line) in contents.lines().enumerate() {
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                // The built-in files are tested to load cleanly (see tests below).
                let _ = lex.push(cat.clone(), t, Origin::Builtin, || (format!("data/{cat}.txt"), i + 1));
            }
        }
        for line in ALLOW.lines() {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                let _ = lex.add_allowed(t);
            }
        }
        lex
    }

    /// Add an allowed word: an ordinary word containing a listed term (`大麻烦` ⊃ `大麻`). Where
    /// it matches, the terms that start at the same place or inside it are not reported. A
    /// term of any list with the same normalised form takes precedence over it.
    pub fn add_allowed(&mut self, word: &str) -> Result<(), LexiconError> {
        let (normalized, breaks) = normalize::normalize_term(word);
        if normalized.is_empty() {
            return Err(LexiconError {
                file: "<allow>".into(),
                line: 1,
                message: format!("word {:?} normalises to nothing", shorten(word)),
            });
        }
        self.terms.push(Term {
            category: Arc::from(""),
            text: word.trim().to_owned(),
            normalized,
            breaks,
            origin: Origin::Allow,
        });
        Ok(())
    }

    /// Add the terms of a `category<TAB>term` file. Blank lines and lines starting with `#`
    /// are skipped, as is a first line reading `category<TAB>term` (a header). Columns after
    /// the second are ignored. A line without a tab, an empty category or term, or a term that
    /// normalises to nothing is an error naming `file_name` and the line; on error nothing
    /// from this file is added.
    pub fn add_tsv(&mut self, file_name: &str, contents: &str) -> Result<(), LexiconError> {
        let contents = contents.strip_prefix('\u{FEFF}').unwrap_or(contents);
        let mut added = Vec::new();
        let mut cats: HashMap<String, Arc<str>> = HashMap::new();
        for (i, raw) in contents.split('\n').enumerate() {
            let line_no = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let err = |message: String| LexiconError { file: file_name.to_owned(), line: line_no, message };
            let Some((cat, rest)) = line.split_once('\t') else {
                return Err(err(format!("expected category<TAB>term, found no tab in {:?}", shorten(trimmed))));
            };
            let term = rest.split('\t').next().unwrap_or("");
            let (cat, term) = (cat.trim(), term.trim());
            if line_no == 1 && cat.eq_ignore_ascii_case("category") && term.eq_ignore_ascii_case("term") {
                continue;
            }
            if cat.is_empty() {
                return Err(err("empty category".into()));
            }
            if term.is_empty() {
                return Err(err("empty term".into()));
            }
            let cat = cats.entry(cat.to_owned()).or_insert_with(|| Arc::from(cat)).clone();
            let (normalized, breaks) = normalize::normalize_term(term);
            if normalized.is_empty() {
                return Err(err(format!(
                    "term {:?} normalises to nothing (only separators, emoji or invisible characters)",
                    shorten(term)
                )));
            }
            added.push(Term { category: cat, text: term.to_owned(), normalized, breaks, origin: Origin::User });
        }
        self.terms.extend(added);
        Ok(())
    }

    /// Add one term programmatically. Errors like [`Lexicon::add_tsv`], naming `source`.
    pub fn add_term(&mut self, category: &str, term: &str, origin: Origin) -> Result<(), LexiconError> {
        self.push(Arc::from(category.trim()), term.trim(), origin, || ("<term>".to_owned(), 1))
    }

    fn push(
        &mut self,
        category: Arc<str>,
        term: &str,
        origin: Origin,
        at: impl Fn() -> (String, usize),
    ) -> Result<(), LexiconError> {
        let (normalized, breaks) = normalize::normalize_term(term);
        if normalized.is_empty() || category.is_empty() {
            let (file, line) = at();
            return Err(LexiconError {
                file,
                line,
                message: format!("term {:?} normalises to nothing", shorten(term)),
            });
        }
        self.terms.push(Term { category, text: term.to_owned(), normalized, breaks, origin });
        Ok(())
    }

    /// The terms, in insertion order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Compile into a [`Matcher`] with the default DFA budget.
    pub fn compile(&self) -> Matcher {
        self.compile_with(DEFAULT_DFA_BUDGET)
    }

    /// Compile with an explicit DFA memory budget in bytes (0 forces the contiguous NFA).
    pub fn compile_with(&self, dfa_budget: usize) -> Matcher {
        Matcher::build(self, dfa_budget)
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    }
}

/// Whether a term is written (after normalisation) with CJK characters.
pub fn is_cjk_term(normalized: &str) -> bool {
    normalized.chars().any(is_cjk)
}
