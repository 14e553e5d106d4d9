//! # One pass
//!
//! All terms go into one Aho-Corasick automaton over normalised bytes, leftmost-longest.
//! The automaton is a DFA when its estimated transition table fits the memory budget
//! ([`DEFAULT_DFA_BUDGET`]), otherwise a contiguous NFA (slower per byte, a fraction of the
//! memory; tens of thousands of CJK terms need it). The estimate is made before building, from
//! the trie size and the byte alphabet, so an oversized DFA is never built.
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

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{Anchored, Input, MatchKind, StartKind};

use super::accept::accept;
use super::codes::Codes;
use super::lists::{Lexicon, Origin};
use crate::normalize::{Normalized, is_word};

/// DFA memory budget by default: 32 MiB of transitions (about 10,000 mixed Chinese/English
/// terms; beyond that the contiguous NFA is used, which is also faster once the DFA no longer
/// fits in cache).
pub const DEFAULT_DFA_BUDGET: usize = 32 << 20;

/// One category a pattern reports.
#[derive(Debug, Clone)]
struct Cat {
    category: Arc<str>,
    origin: Origin,
    /// Index into [`Matcher::categories`].
    index: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
    cats: Vec<Cat>,
    /// Every character is a word character: boundary rules apply.
    pub(super) wordy: bool,
    /// First / last character is a word character.
    pub(super) word_start: bool,
    pub(super) word_end: bool,
    /// Union of the breaks of every term with this normalised form.
    pub(super) breaks: Vec<usize>,
    /// Other-category patterns inside this one: (pattern, byte offset, byte length).
    inner: Vec<(u32, u32, u32)>,
    /// Byte length of the last character (for the doubled-letter inflection check).
    pub(super) last: Option<char>,
}

pub(super) enum Engine {
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
    pub(super) engine: Engine,
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
    pub(super) fn build(lex: &Lexicon, budget: usize) -> Matcher {
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
pub(super) fn dfa_find(d: &aho_corasick::dfa::DFA, hay: &[u8], from: usize, to: usize) -> Option<aho_corasick::Match> {
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
