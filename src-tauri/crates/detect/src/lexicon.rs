//! Category lexicons and the one-pass matcher over them.
//!
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
//! # One pass
//!
//! All terms go into one Aho-Corasick automaton over normalised bytes, leftmost-longest.
//! The automaton is a DFA when its estimated transition table fits the memory budget
//! ([`DEFAULT_DFA_BUDGET`]), otherwise a contiguous NFA (slower per byte, a fraction of the
//! memory; tens of thousands of CJK terms need it). The estimate is made before building, from
//! the trie size and the byte alphabet, so an oversized DFA is never built.
//!
//! The automaton does not read the normalised UTF-8 itself but an encoding of it in which every
//! non-ASCII character of the patterns is two bytes and every other non-ASCII character one
//! byte no pattern contains (`Codes`; written by the normaliser in the same pass when the
//! engine asks for it): a Chinese character is two steps instead of three, and the DFA for
//! the benchmark's 5,000 terms shrinks from 14.9 to 11.5 MiB.
//!
//! # Deciding whether a hit is a hit
//!
//! Normalisation drops separators, so the automaton sees `百家乐` in `百.家.乐` but also `ass`
//! in `was sad`. Each hit is checked against the gaps the normaliser recorded:
//!
//! * **Terms written in CJK** (any CJK character in the term): any gaps are accepted: Chinese
//!   has no spaces between words, and separators inside a term are the evasion.
//! * **Terms made only of word characters** (Latin, digits, folded look-alikes) must start at a
//!   word boundary and end at one (or before a short inflection: `s`, `es`, `ed`, `ing`, `er`,
//!   `ers`, `y`, with the last letter doubled or not), so `class` and `Essex` are not hits. A
//!   change between letters and digits is a boundary (`casino88`).
//!   Inside the hit, an *insertion* gap (`c.a.s*i*no`, `s💰ex`) is always accepted; a *natural*
//!   gap (space, comma, apostrophe, hyphen) where the term itself has a break (`free money`
//!   matches `freemoney` and `free, money`), when every character is separated
//!   (`c a s i n o`, `s-e-x`), or when the pieces it cuts are not all ordinary English words
//!   (`ca sino` is a hit; `pen is`, `hero in`, `who're`, `it's ex` are not; the word list is
//!   `data/common_en.txt`). And `was sad` is not `ass`: the hit must start at a word start.
//!
//! A rejected hit is retried with the shorter terms that start at the same place (inside a span
//! ending before it), then the search resumes one character later, so a rejected long term never
//! hides a valid shorter one that starts at or inside it.
//!
//! # Built-in versus user terms
//!
//! The same normalised term in both lists takes the user's category (the caller's file is
//! authoritative). When a longer built-in term contains a user term of another category
//! (`百家乐真人` ⊃ `百家乐`), leftmost-longest would hide the user's term; each pattern therefore
//! carries the list of other-category patterns inside it (computed at build time), and a hit
//! reports those too, the user's category replacing the built-in one.
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

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{Anchored, Input, MatchKind, StartKind};

use crate::finding::category;
use crate::normalize::{self, GAP, NATURAL, Normalized, is_cjk, is_word};

/// DFA memory budget by default: 32 MiB of transitions (about 10,000 mixed Chinese/English
/// terms; beyond that the contiguous NFA is used, which is also faster once the DFA no longer
/// fits in cache).
pub const DEFAULT_DFA_BUDGET: usize = 32 << 20;

/// The built-in lists: (category, file contents).
const BUILTIN: [(&str, &str); 7] = [
    (category::PORN, include_str!("../data/porn.txt")),
    (category::VIOLENCE, include_str!("../data/violence.txt")),
    (category::FRAUD, include_str!("../data/fraud.txt")),
    (category::PYRAMID, include_str!("../data/pyramid.txt")),
    (category::GAMBLING, include_str!("../data/gambling.txt")),
    (category::INSULT, include_str!("../data/insult.txt")),
    (category::SPAM, include_str!("../data/spam.txt")),
];

/// Ordinary words that contain a listed term (see `data/allow.txt`).
const ALLOW: &str = include_str!("../data/allow.txt");

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
    terms: Vec<Term>,
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

/// One category a pattern reports.
#[derive(Debug, Clone)]
struct Cat {
    category: Arc<str>,
    origin: Origin,
    /// Index into [`Matcher::categories`].
    index: usize,
}

#[derive(Debug, Clone)]
struct Pattern {
    cats: Vec<Cat>,
    /// Every character is a word character: boundary rules apply.
    wordy: bool,
    /// First / last character is a word character.
    word_start: bool,
    word_end: bool,
    /// Union of the breaks of every term with this normalised form.
    breaks: Vec<usize>,
    /// Other-category patterns inside this one: (pattern, byte offset, byte length).
    inner: Vec<(u32, u32, u32)>,
    /// Byte length of the last character (for the doubled-letter inflection check).
    last: Option<char>,
}

enum Engine {
    Dfa(aho_corasick::dfa::DFA),
    Nfa(aho_corasick::nfa::contiguous::NFA),
    None,
}

/// Which automaton a [`Matcher`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomatonKind {
    /// Deterministic: fastest, largest.
    Dfa,
    /// Contiguous NFA: for lexicons whose DFA would exceed the budget.
    ContiguousNfa,
    /// No terms.
    Empty,
}

/// A keyword hit: a category and an original byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The category.
    pub category: Arc<str>,
    /// Original byte offsets.
    pub start: usize,
    /// Original byte offsets.
    pub end: usize,
    /// Built-in or user.
    pub origin: Origin,
    /// Index of `category` in [`Matcher::categories`].
    pub category_index: usize,
}

/// A compiled lexicon.
pub struct Matcher {
    engine: Engine,
    /// The byte encoding the automaton reads (`None`: the normalised UTF-8 itself).
    codes: Option<Codes>,
    patterns: Vec<Pattern>,
    categories: Vec<Arc<str>>,
    estimate: usize,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("kind", &self.kind())
            .field("patterns", &self.patterns.len())
            .field("memory", &self.memory_usage())
            .finish()
    }
}

impl Matcher {
    fn build(lex: &Lexicon, budget: usize) -> Matcher {
        // Deduplicate by normalised form; the user's categories replace built-in ones.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut pats: Vec<(&str, Pattern)> = Vec::new();
        for t in &lex.terms {
            let i = *index.entry(t.normalized.as_str()).or_insert_with(|| {
                let chars: Vec<char> = t.normalized.chars().collect();
                pats.push((
                    t.normalized.as_str(),
                    Pattern {
                        cats: Vec::new(),
                        wordy: chars.iter().all(|&c| is_word(c)),
                        word_start: chars.first().is_some_and(|&c| is_word(c)),
                        word_end: chars.last().is_some_and(|&c| is_word(c)),
                        breaks: Vec::new(),
                        inner: Vec::new(),
                        last: chars.last().copied(),
                    },
                ));
                pats.len() - 1
            });
            let p = &mut pats[i].1;
            if t.origin == Origin::Allow {
                continue;
            }
            if t.origin == Origin::User {
                p.cats.retain(|c| c.origin == Origin::User);
            } else if p.cats.iter().any(|c| c.origin == Origin::User) {
                continue;
            }
            if !p.cats.iter().any(|c| c.category == t.category) {
                p.cats.push(Cat { category: t.category.clone(), origin: t.origin, index: 0 });
            }
            for b in &t.breaks {
                if !p.breaks.contains(b) {
                    p.breaks.push(*b);
                }
            }
        }
        let mut categories: Vec<Arc<str>> = Vec::new();
        let mut by_name: HashMap<Arc<str>, usize> = HashMap::new();
        for (_, p) in &mut pats {
            for c in &mut p.cats {
                c.index = *by_name.entry(c.category.clone()).or_insert_with(|| {
                    categories.push(c.category.clone());
                    categories.len() - 1
                });
            }
        }
        let strings: Vec<&str> = pats.iter().map(|(s, _)| *s).collect();
        let mut patterns: Vec<Pattern> = pats.into_iter().map(|(_, p)| p).collect();
        if strings.is_empty() {
            return Matcher { engine: Engine::None, codes: None, patterns, categories, estimate: 0 };
        }
        // Other-category patterns contained in each pattern.
        if let Ok(all) = aho_corasick::AhoCorasick::builder().match_kind(MatchKind::Standard).build(&strings) {
            for (pi, s) in strings.iter().enumerate() {
                if patterns[pi].cats.is_empty() {
                    continue;
                }
                for m in all.find_overlapping_iter(s) {
                    let qi = m.pattern().as_usize();
                    if qi == pi {
                        continue;
                    }
                    let differs =
                        patterns[qi].cats.iter().any(|q| !patterns[pi].cats.iter().any(|p| p.category == q.category));
                    if differs {
                        patterns[pi].inner.push((qi as u32, m.start() as u32, m.len() as u32));
                    }
                }
            }
        }
        let codes = Codes::build(&strings);
        let encoded: Vec<Vec<u8>> = match &codes {
            Some(c) => strings.iter().map(|s| c.encode_str(s)).collect(),
            None => strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        };
        let estimate = estimate_dfa_bytes(&encoded);
        let nnfa = aho_corasick::nfa::noncontiguous::Builder::new()
            .match_kind(MatchKind::LeftmostLongest)
            // With thousands of terms, most of them CJK, no prefilter pays for itself.
            .prefilter(false)
            .build(&encoded);
        let engine = match nnfa {
            Err(_) => Engine::None,
            Ok(nnfa) => {
                let dfa = if estimate <= budget {
                    aho_corasick::dfa::Builder::new()
                        .start_kind(StartKind::Unanchored)
                        .build_from_noncontiguous(&nnfa)
                        .ok()
                } else {
                    None
                };
                match dfa {
                    Some(d) => Engine::Dfa(d),
                    None => match aho_corasick::nfa::contiguous::Builder::new().build_from_noncontiguous(&nnfa) {
                        Ok(n) => Engine::Nfa(n),
                        Err(_) => Engine::None,
                    },
                }
            }
        };
        Matcher { engine, codes, patterns, categories, estimate }
    }

    /// Which automaton was chosen.
    pub fn kind(&self) -> AutomatonKind {
        match self.engine {
            Engine::Dfa(_) => AutomatonKind::Dfa,
            Engine::Nfa(_) => AutomatonKind::ContiguousNfa,
            Engine::None => AutomatonKind::Empty,
        }
    }

    /// Heap bytes used by the automaton.
    pub fn memory_usage(&self) -> usize {
        match &self.engine {
            Engine::Dfa(d) => d.memory_usage(),
            Engine::Nfa(n) => n.memory_usage(),
            Engine::None => 0,
        }
    }

    /// The DFA size estimated before building (what the budget is compared with).
    pub fn dfa_estimate(&self) -> usize {
        self.estimate
    }

    /// Number of distinct normalised patterns.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Every category some pattern reports.
    pub fn categories(&self) -> &[Arc<str>] {
        &self.categories
    }

    fn find_at(&self, hay: &[u8], at: usize) -> Option<aho_corasick::Match> {
        self.find_in(hay, at, hay.len())
    }

    #[inline]
    fn find_in(&self, hay: &[u8], from: usize, to: usize) -> Option<aho_corasick::Match> {
        let input = Input::new(hay).span(from..to).anchored(Anchored::No);
        match &self.engine {
            Engine::Dfa(d) => dfa_find(d, hay, from, to),
            Engine::Nfa(n) => n.try_find(&input).ok().flatten(),
            Engine::None => None,
        }
    }

    /// Find every keyword hit in a normalised text. `original` is the text `norm` was made from.
    pub fn find(&self, original: &str, norm: &Normalized, out: &mut Vec<Hit>) {
        self.find_with(original, norm, out, &mut Vec::new());
    }

    /// [`Matcher::find`] with a reusable buffer for the encoded text.
    pub fn find_with(&self, original: &str, norm: &Normalized, out: &mut Vec<Hit>, buf: &mut Vec<u8>) {
        match &self.codes {
            // Encoded during normalisation ([`crate::normalize::normalize_encoded`]).
            Some(c) if norm.encoded_with() == c.id => self.find_encoded(original, norm, out, norm.encoded()),
            _ => {
                self.encode(norm, buf);
                self.find_encoded(original, norm, out, buf);
            }
        }
    }

    /// The encoding to hand to [`crate::normalize::normalize_encoded`].
    pub(crate) fn codes(&self) -> Option<&Codes> {
        self.codes.as_ref()
    }

    /// The matcher's encoding of `norm` into `buf` (for [`Matcher::find_encoded`]).
    pub fn encode(&self, norm: &Normalized, buf: &mut Vec<u8>) {
        match &self.codes {
            Some(c) if norm.encoded_with() == c.id => {
                buf.clear();
                buf.extend_from_slice(norm.encoded());
            }
            Some(c) => c.encode(norm.as_bytes(), buf),
            None => {
                buf.clear();
                buf.extend_from_slice(norm.as_bytes());
            }
        }
    }

    /// [`Matcher::find`] over `encoded`, which [`Matcher::encode`] made from `norm`.
    pub fn find_encoded(&self, original: &str, norm: &Normalized, out: &mut Vec<Hit>, encoded: &[u8]) {
        let hay = encoded;
        // Where the last converted match started: (encoded, normalised) offsets.
        let mut cur = (0usize, 0usize);
        let mut at = 0;
        while at < hay.len() {
            let Some(m) = self.find_at(hay, at) else {
                break;
            };
            let mut m = m;
            let mut p = &self.patterns[m.pattern().as_usize()];
            self.advance(hay, norm, &mut cur, m.start());
            let start = cur.1;
            let mut end_pos = self.to_pos(hay, norm, cur, m.end());
            let mut end = end_pos.1;
            if !accept(p, norm, start, end) {
                // A shorter term at the same start may still be a hit (`xxx video` in
                // `xxxvideospecial`, where `xxx videos` was longest): search again inside a
                // span that ends before the rejected hit.
                let mut found = false;
                while let Some(m2) = self.find_in(hay, m.start(), m.end() - 1).filter(|m2| m2.start() == m.start()) {
                    m = m2;
                    p = &self.patterns[m.pattern().as_usize()];
                    end_pos = self.to_pos(hay, norm, cur, m.end());
                    end = end_pos.1;
                    if accept(p, norm, start, end) {
                        found = true;
                        break;
                    }
                }
                if !found {
                    at = m.start() + self.char_len(hay, norm, cur);
                    continue;
                }
            }
            // The next search starts at the match's end: so does the walk to the next match.
            if p.cats.is_empty() {
                // An allowed word: it hides what is inside it.
                at = m.end();
                cur = end_pos;
                continue;
            }
            let (s, e) = norm.original_span(original, start, end);
            let before = out.len();
            let mut user_inner = false;
            for &(qi, off, len) in &p.inner {
                let q = &self.patterns[qi as usize];
                let qs = start + off as usize;
                let qe = qs + len as usize;
                if !accept(q, norm, qs, qe) {
                    continue;
                }
                let (os, oe) = norm.original_span(original, qs, qe);
                for c in &q.cats {
                    if p.cats.iter().any(|pc| pc.category == c.category)
                        || out[before..].iter().any(|h| h.category == c.category)
                    {
                        continue;
                    }
                    user_inner |= c.origin == Origin::User;
                    out.push(Hit {
                        category: c.category.clone(),
                        start: os,
                        end: oe,
                        origin: c.origin,
                        category_index: c.index,
                    });
                }
            }
            for c in &p.cats {
                if user_inner && c.origin == Origin::Builtin {
                    continue;
                }
                out.push(Hit {
                    category: c.category.clone(),
                    start: s,
                    end: e,
                    origin: c.origin,
                    category_index: c.index,
                });
            }
            at = m.end();
            cur = end_pos;
        }
    }

    /// Move `pos` (encoded, normalised offsets on a character boundary) to encoded offset
    /// `target`, a character boundary.
    #[inline]
    fn advance(&self, hay: &[u8], norm: &Normalized, pos: &mut (usize, usize), target: usize) {
        if self.codes.is_none() {
            *pos = (target, target);
            return;
        }
        if target < pos.0 {
            *pos = (0, 0);
        }
        let nb = norm.as_bytes();
        while pos.0 < target {
            let b = hay[pos.0];
            if b < 0x80 {
                // ASCII: one byte in both.
                pos.0 += 1;
                pos.1 += 1;
                continue;
            }
            pos.0 += Codes::width(b);
            pos.1 += crate::normalize::utf8_width(nb[pos.1]);
        }
    }

    /// The (encoded, normalised) offsets of encoded offset `target`, at or after `pos`.
    #[inline]
    fn to_pos(&self, hay: &[u8], norm: &Normalized, mut pos: (usize, usize), target: usize) -> (usize, usize) {
        self.advance(hay, norm, &mut pos, target);
        pos
    }

    /// Encoded length of the character at `pos`.
    #[inline]
    fn char_len(&self, hay: &[u8], norm: &Normalized, pos: (usize, usize)) -> usize {
        match self.codes {
            Some(_) => Codes::width(hay[pos.0]),
            None => norm.char_at(pos.0).map_or(1, char::len_utf8),
        }
    }
}

/// The leftmost-longest match in `hay[from..to]`: `DFA::try_find` (no prefilter, unanchored)
/// with the haystack and its bounds in locals, which the generic search re-reads through its
/// `Input` at every byte.
#[inline]
fn dfa_find(d: &aho_corasick::dfa::DFA, hay: &[u8], from: usize, to: usize) -> Option<aho_corasick::Match> {
    let bytes = hay.get(from..to)?;
    let mut sid = d.start_state(Anchored::No).ok()?;
    // The last match state seen and how many bytes had been read; the match is built once,
    // at the end, so the loop carries two registers instead of a whole `Option<Match>`.
    let mut last = None;
    if d.is_match(sid) {
        // Only with an empty pattern, which the lexicon never has.
        last = Some((sid, 0));
    }
    let mut i = 0;
    while i < bytes.len() {
        sid = d.next_state(Anchored::No, sid, bytes[i]);
        i += 1;
        if d.is_special(sid) {
            if d.is_dead(sid) {
                break;
            }
            if d.is_match(sid) {
                last = Some((sid, i));
            }
        }
    }
    last.map(|(sid, i)| {
        let pid = d.match_pattern(sid, 0);
        let end = from + i;
        aho_corasick::Match::new(pid, end - d.pattern_len(pid)..end)
    })
}

/// The byte encoding the automaton reads: ASCII as it is, every other character that occurs in
/// some pattern as two bytes (a lead byte `0xC0..=0xFD`, a trail byte `0x80..=0xBF`), every
/// other character as the single byte [`Codes::OTHER`], which no pattern contains. The byte
/// kinds do not overlap, so a match can only start and end on character boundaries, and the
/// order of matches (leftmost, then longest) is the same as over the normalised UTF-8. A
/// Chinese character costs the automaton two steps instead of three, and its trie a third
/// fewer states: a smaller, faster DFA. Beyond [`Codes::CAPACITY`] distinct characters the
/// matcher reads the normalised UTF-8 itself.
pub(crate) struct Codes {
    /// Distinguishes encodings, so that a [`Normalized`] encoded for another matcher is not
    /// taken for this one's.
    pub(crate) id: u64,
    /// For each Basic Multilingual Plane code point of a pattern character, its two bytes
    /// (lead in the low byte, trail in the high byte, as `u16::from_le_bytes`), else 0.
    pub(crate) bmp: Vec<u16>,
    /// The same for the other planes.
    astral: HashMap<char, u16>,
}

impl Codes {
    pub(crate) const LEAD: u8 = 0xC0;
    pub(crate) const TRAIL: u8 = 0x80;
    pub(crate) const OTHER: u8 = 0xFE;
    const CAPACITY: usize = (Self::OTHER - Self::LEAD) as usize * 64;

    fn build(patterns: &[&str]) -> Option<Codes> {
        let mut chars: Vec<char> = patterns.iter().flat_map(|s| s.chars()).filter(|c| !c.is_ascii()).collect();
        chars.sort_unstable();
        chars.dedup();
        if chars.len() > Self::CAPACITY {
            return None;
        }
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut codes = Codes { id, bmp: vec![0; 0x1_0000], astral: HashMap::new() };
        for (k, c) in chars.into_iter().enumerate() {
            let v = u16::from_le_bytes([Self::LEAD + (k >> 6) as u8, Self::TRAIL + (k & 63) as u8]);
            match c as u32 {
                cp @ 0..=0xFFFF => codes.bmp[cp as usize] = v,
                _ => {
                    codes.astral.insert(c, v);
                }
            }
        }
        Some(codes)
    }

    /// Encoded width of the character whose encoding starts with `b`.
    #[inline]
    fn width(b: u8) -> usize {
        if (Self::LEAD..Self::OTHER).contains(&b) { 2 } else { 1 }
    }

    /// Append the encoding of the non-ASCII character `c`.
    #[inline]
    pub(crate) fn push(&self, c: char, out: &mut Vec<u8>) {
        let v = match c as u32 {
            cp @ 0..=0xFFFF => self.bmp[cp as usize],
            _ => self.astral.get(&c).copied().unwrap_or(0),
        };
        if v == 0 {
            out.push(Self::OTHER);
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn encode_str(&self, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                out.push(c as u8);
            } else {
                self.push(c, &mut out);
            }
        }
        out
    }

    /// Encode normalised text (valid UTF-8) into `out`. The encoding is never longer.
    fn encode(&self, b: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.resize(b.len(), 0);
        let o = out.as_mut_slice();
        let (mut i, mut j) = (0usize, 0usize);
        while i < b.len() {
            let x = b[i];
            if x < 0x80 {
                o[j] = x;
                i += 1;
                j += 1;
                continue;
            }
            let (v, w) = if x & 0xF0 == 0xE0 && i + 2 < b.len() {
                let cp = ((x as u32 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F);
                (self.bmp[cp as usize], 3)
            } else {
                match crate::normalize::decode_at(b, i) {
                    Some(c) if (c as u32) < 0x1_0000 => (self.bmp[c as usize], c.len_utf8()),
                    Some(c) => (self.astral.get(&c).copied().unwrap_or(0), c.len_utf8()),
                    None => break,
                }
            };
            i += w;
            if v == 0 {
                o[j] = Self::OTHER;
                j += 1;
            } else {
                o[j..j + 2].copy_from_slice(&v.to_le_bytes());
                j += 2;
            }
        }
        out.truncate(j);
    }
}

/// Inflections a word-character term may carry and still count as a hit.
const SUFFIXES: [&str; 9] = ["s", "es", "ed", "d", "ing", "er", "ers", "y", "ies"];

/// Boundary and gap rules (see the module docs).
fn accept(p: &Pattern, norm: &Normalized, start: usize, end: usize) -> bool {
    // Two word characters are glued when both are letters or both digits: `casino88` and
    // `365bet` keep their word boundary, `casinos` and `bet3650` do not.
    let glued = |a: char, b: char| is_word(a) && is_word(b) && a.is_numeric() == b.is_numeric();
    let first = norm.char_at(start);
    if p.word_start
        && norm.gap_before(start) == 0
        && norm.char_before(start).zip(first).is_some_and(|(b, f)| glued(b, f))
    {
        return false;
    }
    if p.word_end && norm.gap_before(end) == 0 && norm.char_at(end).zip(p.last).is_some_and(|(n, l)| glued(l, n)) {
        // Only a short inflection may follow.
        let mut run = String::new();
        let mut i = end;
        while let Some(c) = norm.char_at(i) {
            if !is_word(c) || (i > end && norm.gap_before(i) != 0) || run.len() > 4 {
                break;
            }
            run.push(c);
            i += c.len_utf8();
        }
        let ok = |r: &str| SUFFIXES.contains(&r);
        let doubled = p.last.and_then(|l| run.strip_prefix(l)).is_some_and(ok);
        if !(ok(&run) || doubled) {
            return false;
        }
    }
    if !p.wordy {
        return true;
    }
    // Natural gaps inside a word-character term: at the term's own breaks, when every
    // character is separated, or when the pieces they cut are not all ordinary words.
    let mut positions = 0usize;
    let mut gapped = 0usize;
    let mut cuts: Vec<usize> = Vec::new();
    let mut i = start;
    while let Some(c) = norm.char_at(i) {
        let next = i + c.len_utf8();
        if next >= end {
            break;
        }
        positions += 1;
        let g = norm.gap_before(next);
        if g & GAP != 0 {
            gapped += 1;
            if g & NATURAL != 0 && !p.breaks.contains(&(next - start)) {
                cuts.push(next);
            }
        }
        i = next;
    }
    if cuts.is_empty() || gapped == positions {
        return true;
    }
    let words = common_words();
    let text = norm.as_str();
    let mut from = start;
    let all_common = cuts.iter().copied().chain(std::iter::once(end)).all(|to| {
        let piece = text.get(from..to).unwrap_or("");
        from = to;
        words.contains(piece)
    });
    !all_common
}

/// Ordinary English words (`data/common_en.txt`).
fn common_words() -> &'static std::collections::HashSet<&'static str> {
    static WORDS: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("../data/common_en.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

/// Estimate the DFA transition table in bytes: trie states × stride × 4.
fn estimate_dfa_bytes(patterns: &[Vec<u8>]) -> usize {
    let mut sorted: Vec<&[u8]> = patterns.iter().map(Vec::as_slice).collect();
    sorted.sort_unstable();
    let mut states = 4usize;
    let mut prev: &[u8] = &[];
    let mut used = [false; 256];
    for p in &sorted {
        let lcp = prev.iter().zip(p.iter()).take_while(|(a, b)| a == b).count();
        states += p.len() - lcp;
        prev = p;
        for &b in *p {
            used[b as usize] = true;
        }
    }
    // Byte classes: every used byte is its own class, each run of unused bytes one more.
    let mut classes = 0usize;
    let mut in_gap = false;
    for u in used {
        if u {
            classes += 1;
            in_gap = false;
        } else if !in_gap {
            classes += 1;
            in_gap = true;
        }
    }
    let stride = (classes + 1).next_power_of_two();
    states.saturating_mul(stride).saturating_mul(4)
}

/// Whether a term is written (after normalisation) with CJK characters.
pub fn is_cjk_term(normalized: &str) -> bool {
    normalized.chars().any(is_cjk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    /// The built-in lists compiled with the encoding, and (over the encoding's capacity, with
    /// `x` terms added) reading the normalised UTF-8.
    fn both_matchers() -> &'static (Matcher, Matcher) {
        static BOTH: std::sync::OnceLock<(Matcher, Matcher)> = std::sync::OnceLock::new();
        BOTH.get_or_init(|| {
            let mut lex = Lexicon::builtin();
            let many: String = (0x4E00u32..0x4E00 + Codes::CAPACITY as u32 + 10)
                .filter_map(char::from_u32)
                .map(|c| format!("x\t{c}{c}{c}\n"))
                .collect();
            lex.add_tsv("many.tsv", &many).unwrap();
            (Lexicon::builtin().compile(), lex.compile())
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The search loop `dfa_find` finds what `DFA::try_find` finds, in any span.
        #[test]
        fn dfa_find_matches_try_find(
            v in proptest::collection::vec(proptest::sample::select(vec![
                "百家乐", "赌博", "大麻", "大麻烦", "casino", "casinos", "xxx videos", "porn", "a", "é",
                "💰", " ", "1", "网络赌博", "乐", "xxxvideospecial", "去死", "去死皮",
            ]), 0..10),
            cut in proptest::prelude::any::<(u16, u16)>(),
        ) {
            let (small, _) = both_matchers();
            let Engine::Dfa(d) = &small.engine else { panic!("the built-in lists compile to a DFA") };
            let n = normalize(&v.concat());
            let mut hay = Vec::new();
            small.encode(&n, &mut hay);
            let len = hay.len() + 1;
            let (a, b) = (cut.0 as usize % len, cut.1 as usize % len);
            let (from, to) = (a.min(b), a.max(b));
            let input = Input::new(&hay).span(from..to).anchored(Anchored::No);
            let want = d.try_find(&input).ok().flatten();
            proptest::prop_assert_eq!(dfa_find(d, &hay, from, to), want);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Several hits per message, allowed words, rejected matches and mixed widths: the
        /// encoded matcher (which walks its offsets from one match's end to the next) finds
        /// what the UTF-8 one (which needs no walk) finds.
        #[test]
        fn encoded_walk_matches_plain_offsets(
            v in proptest::collection::vec(proptest::sample::select(vec![
                "百家乐", "赌博", "大麻", "大麻烦", "casino", "casinos", "xxx videos", "xxxvideospecial",
                "porn", "a", "é", "ﬁ", "Ａ", "💰", " ", ".", "1", "网络赌博", "乐", "o\u{336}", "❤\u{fe0f}",
            ]), 0..12)
        ) {
            let text: String = v.concat();
            let (small, big) = both_matchers();
            let n = normalize(&text);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            small.find(&text, &n, &mut a);
            big.find(&text, &n, &mut b);
            b.retain(|h| &*h.category != "x");
            proptest::prop_assert_eq!(a, b, "{:?}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// The encoding written during normalisation is the one the matcher makes on its own,
        /// and the hits are the same either way.
        #[test]
        fn encoding_during_normalisation_matches(
            v in proptest::collection::vec(proptest::sample::select(vec![
                "百", "家", "乐", "樂", "赌", "博", "網", "a", "S", "e", "x", "1", "①", "ﬁ", "Ａ", "с", "é",
                "㍿", "ｶ", "한", "𠀀", " ", ".", "💰", "\u{200B}", "casino", "大麻烦", "〇", "🅲",
            ]), 0..40)
        ) {
            let text: String = v.concat();
            let m = Lexicon::builtin().compile();
            let codes = m.codes().expect("the built-in lists fit the encoding");
            let mut fused = Normalized::new();
            crate::normalize::normalize_encoded(&text, &mut fused, Some(codes));
            let plain = normalize(&text);
            let mut separate = Vec::new();
            codes.encode(plain.as_bytes(), &mut separate);
            proptest::prop_assert_eq!(fused.encoded(), &separate[..]);
            proptest::prop_assert_eq!(fused.as_str(), plain.as_str());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            m.find(&text, &plain, &mut a);
            m.find_with(&text, &fused, &mut b, &mut Vec::new());
            proptest::prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn encoded_and_plain_automata_agree() {
        let (small, big) = both_matchers();
        assert!(big.codes().is_none());
        assert!(small.codes().is_some());
        for text in ["来玩百💰家乐 casino", "大麻烦 大麻", "xxx videos here", "网络赌博"] {
            let n = normalize(text);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            small.find(text, &n, &mut a);
            big.find(text, &n, &mut b);
            let keep = |h: &Hit| &*h.category != "x";
            let b: Vec<Hit> = b.into_iter().filter(keep).collect();
            assert_eq!(a, b, "{text:?}");
        }
    }

    fn hits(lex: &Lexicon, text: &str) -> Vec<(String, String)> {
        let m = lex.compile();
        let n = normalize(text);
        let mut out = Vec::new();
        m.find(text, &n, &mut out);
        out.into_iter().map(|h| (h.category.to_string(), text[h.start..h.end].to_owned())).collect()
    }

    fn user(rows: &str) -> Lexicon {
        let mut l = Lexicon::empty();
        l.add_tsv("t.tsv", rows).unwrap();
        l
    }

    #[test]
    fn builtin_lists_load_cleanly() {
        for (cat, contents) in BUILTIN {
            for (i, line) in contents.lines().enumerate() {
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let (n, _) = normalize::normalize_term(t);
                assert!(!n.is_empty(), "data/{cat}.txt:{}: {t:?} normalises to nothing", i + 1);
            }
        }
        let lex = Lexicon::builtin();
        assert!(lex.len() > 300, "starter lists are not empty: {}", lex.len());
        let m = lex.compile();
        for t in lex.terms().iter().filter(|t| t.origin == Origin::Allow) {
            let mut out = Vec::new();
            m.find(&t.text, &normalize(&t.text), &mut out);
            assert!(out.is_empty(), "allowed word {:?} reports {out:?}", t.text);
        }
        for cat in category::KEYWORD {
            assert!(lex.terms().iter().any(|t| &*t.category == cat), "{cat} has terms");
        }
    }

    /// (rows, text, expected (category, original span) list)
    /// (lexicon rows, text, expected (category, original span) list)
    type Case = (&'static str, &'static str, &'static [(&'static str, &'static str)]);
    const CASES: &[Case] = &[
        ("g\t百家乐", "来玩百家乐吧", &[("g", "百家乐")]),
        ("g\t百家乐", "来玩百.家.乐吧", &[("g", "百.家.乐")]),
        ("g\t百家乐", "来玩百 家 乐吧", &[("g", "百 家 乐")]),
        ("g\t百家乐", "来玩百💰家乐吧", &[("g", "百💰家乐")]),
        ("g\t百家乐", "来玩百家樂吧", &[("g", "百家樂")]),
        ("g\t百家乐", "来玩百\u{200B}家乐吧", &[("g", "百\u{200B}家乐")]),
        ("g\tcasino", "best CASINO online", &[("g", "CASINO")]),
        ("g\tcasino", "best саsinо online", &[("g", "саsinо")]),
        ("g\tcasino", "best c.a.s.i.n.o online", &[("g", "c.a.s.i.n.o")]),
        ("g\tcasino", "best c a s i n o online", &[("g", "c a s i n o")]),
        // The matcher alone does not read leetspeak; the engine's leet view does (`crate::leet`).
        ("g\tcasino", "best ca$ino online", &[]),
        ("g\tcasino", "best cas💰ino online", &[("g", "cas💰ino")]),
        (
            "g\tcasino",
            "c\u{336}a\u{336}s\u{336}i\u{336}n\u{336}o\u{336}!",
            &[("g", "c\u{336}a\u{336}s\u{336}i\u{336}n\u{336}o\u{336}")],
        ),
        ("g\tcasino", "casinos near me", &[("g", "casino")]),
        ("g\tcasino", "occasinoal", &[]),
        ("i\tass", "I passed the class", &[]),
        ("i\tass", "it was sad", &[]),
        ("i\tass", "you ass!", &[("i", "ass")]),
        ("i\tass", "you a s s", &[("i", "a s s")]),
        ("p\tsex", "it's exactly", &[]),
        ("p\tsex", "it's ex-wife", &[]),
        ("g\tcasino", "best ca sino online", &[("g", "ca sino")]),
        ("x\tpenis", "my pen is blue", &[]),
        ("d\theroin", "a hero in the story", &[]),
        ("p\twhore", "who're you", &[]),
        ("p\tsex", "Essex", &[]),
        ("p\tsex", "sexy pics", &[("p", "sex")]),
        ("s\tfree money", "get freemoney now", &[("s", "freemoney")]),
        ("s\tfree money", "get FREE MONEY now", &[("s", "FREE MONEY")]),
        ("s\tscam", "scammers everywhere", &[("s", "scam")]),
        ("s\tscam", "scampi", &[]),
        ("g\tcasino", "casino88.vip", &[("g", "casino")]),
        ("g\tbet365", "bet3650", &[]),
        ("g\tbet365", "go bet365!", &[("g", "bet365")]),
        ("p\txxx video\np\txxx videos", "[xxx video] special", &[("p", "xxx video")]),
        ("a\tAV女优", "看AV女优", &[("a", "AV女优")]),
        ("a\tAV女优", "看a v 女 优", &[("a", "a v 女 优")]),
    ];

    #[test]
    fn table() {
        for (rows, text, want) in CASES {
            let got = hits(&user(rows), text);
            let want: Vec<(String, String)> = want.iter().map(|(c, s)| (c.to_string(), s.to_string())).collect();
            assert_eq!(got, want, "lexicon {rows:?} on {text:?}");
        }
    }

    #[test]
    fn longest_wins_and_inner_user_terms_surface() {
        let mut lex = Lexicon::empty();
        lex.add_term("gambling", "百家乐真人", Origin::Builtin).unwrap();
        lex.add_tsv("u.tsv", "mine\t百家乐\n").unwrap();
        let got = hits(&lex, "百家乐真人在线");
        assert_eq!(got, vec![("mine".to_string(), "百家乐".to_string())]);
    }

    #[test]
    fn allowed_words_hide_inner_terms() {
        let mut lex = user("drugs\t大麻\n");
        lex.add_allowed("大麻烦").unwrap();
        assert!(hits(&lex, "这是个大麻烦").is_empty());
        assert_eq!(hits(&lex, "卖大麻，麻烦私聊"), vec![("drugs".into(), "大麻".into())]);
        let mut lex = Lexicon::empty();
        lex.add_allowed("大麻烦").unwrap();
        lex.add_tsv("u.tsv", "x\t大麻烦\n").unwrap();
        assert_eq!(hits(&lex, "大麻烦"), vec![("x".into(), "大麻烦".into())], "a listed term wins");
    }

    #[test]
    fn user_category_replaces_builtin_for_the_same_term() {
        let mut lex = Lexicon::empty();
        lex.add_term("gambling", "百家乐", Origin::Builtin).unwrap();
        lex.add_tsv("u.tsv", "bets\t百家樂\n").unwrap();
        assert_eq!(hits(&lex, "百家乐"), vec![("bets".into(), "百家乐".into())]);
    }

    #[test]
    fn tsv_errors_name_file_and_line() {
        let mut l = Lexicon::empty();
        let e = l.add_tsv("my.tsv", "a\tb\n\nno tab here\n").unwrap_err();
        assert_eq!(e.to_string(), "my.tsv:3: expected category<TAB>term, found no tab in \"no tab here\"");
        let e = l.add_tsv("my.tsv", "spam\t💰 . 💰\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("normalises to nothing"), "{e}");
        let e = l.add_tsv("my.tsv", "spam\t\n").unwrap_err();
        assert_eq!(e.message, "empty term");
        assert!(l.is_empty(), "nothing is added from a file with an error");
        l.add_tsv("ok.tsv", "\u{FEFF}category\tterm\r\n# note\r\nx\ty\r\n").unwrap();
        assert_eq!(l.len(), 1, "BOM, header, comment and CRLF are handled");
    }

    #[test]
    fn nfa_fallback_finds_the_same() {
        let lex = user("g\t百家乐\ng\tcasino\n");
        let dfa = lex.compile();
        let nfa = lex.compile_with(0);
        assert_eq!(dfa.kind(), AutomatonKind::Dfa);
        assert_eq!(nfa.kind(), AutomatonKind::ContiguousNfa);
        let text = "casino 百家乐 c a s i n o";
        let n = normalize(text);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        dfa.find(text, &n, &mut a);
        nfa.find(text, &n, &mut b);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
    }
}
