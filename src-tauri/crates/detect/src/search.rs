//! Search terms: what a message is indexed under, what a query looks up, and the check that
//! confirms a candidate against the real text.
//!
//! ## Design
//! - Text and query go through the same fold as the detectors ([`crate::normalize`]: NFKC,
//!   full width → half width, case, look-alikes, traditional → simplified), so `北京`, `北京`
//!   written in full width and `北京` in traditional forms all find one another. Separators
//!   (whitespace, punctuation, emoji) are dropped and leave a *break*.
//! - The folded text is cut into **runs**: a run ends at a break and where the script changes
//!   between CJK (Han, kana, Hangul) and the rest (a *word*: Latin letters, digits, …).
//! - A CJK run of `n` characters is indexed as its `n` characters and its `n − 1`
//!   overlapping bigrams; a word is indexed as itself. The three kinds cannot collide (one CJK
//!   character, two CJK characters, no CJK character), so the index needs one column and no
//!   positions (FTS5 `detail=none`: a third of the size of positions, engine/BENCH-search.md).
//!   A 1-character query is one unigram lookup, a 2-character one one bigram lookup, a longer
//!   one all its bigrams (adjacency and order are the confirm step's), a word an exact lookup,
//!   and a last word a prefix lookup ([`crate::search::Query::prefix`]: the store turns it into
//!   the words it knows that start with it, FTS5's own `"hel"*` being slow on large doclists).
//!   A query of several runs asks for all of them.
//! - **The rule for breaks.** A match is the query's folded characters, in order, with a break
//!   exactly where the query has one (any separator matches any separator): `北京大` does not
//!   match `北京 大学`, and `北京 大学` does not match `北京大学` (nor does the index offer it: the
//!   run `北京大学` has no break). Words match at their start: `hello` finds `hello` and
//!   `helloworld` but not `othello`; CJK matches anywhere.
//! - The index only offers candidates; [`crate::search::Query::find`] decides, on the real
//!   text, so no candidate that merely shares bigrams (across a break, in another order) is
//!   ever returned, and it gives the spans to highlight.
//! - A query with nothing to index (only punctuation or emoji) is not a query
//!   ([`crate::search::Query::parse`] says `None`).

use crate::normalize::{GAP, Normalized, is_cjk, is_word, normalize};

/// The terms of one message, as FTS5 token text (tokens separated by spaces).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Every CJK character, once each.
    pub uni: String,
    /// CJK bigrams, in text order.
    pub gram: String,
    /// Words, in text order.
    pub words: Vec<String>,
}

/// A run of the folded text: its byte range there, and whether it is CJK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: usize,
    end: usize,
    cjk: bool,
}

/// The runs of a folded text, in order.
fn runs(n: &Normalized) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (i, c) in n.as_str().char_indices() {
        let cjk = is_cjk(c);
        let joined = n.gap_before(i) & GAP == 0;
        match out.last_mut() {
            Some(r) if joined && r.end == i && r.cjk == cjk => r.end = i + c.len_utf8(),
            _ => out.push(Run { start: i, end: i + c.len_utf8(), cjk }),
        }
    }
    out
}

/// The bigrams of a CJK run, in order.
fn bigrams(run: &str) -> impl Iterator<Item = &str> {
    let starts: Vec<usize> = run.char_indices().map(|(i, _)| i).chain(std::iter::once(run.len())).collect();
    (0..starts.len().saturating_sub(2)).map(move |k| &run[starts[k]..starts[k + 2]])
}

fn push_token(out: &mut String, token: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(token);
}

/// What `text` is indexed under (see the module docs).
pub fn terms(text: &str) -> Terms {
    let n = normalize(text);
    let folded = n.as_str();
    let mut out = Terms::default();
    let mut seen = std::collections::HashSet::new();
    for r in runs(&n) {
        let run = &folded[r.start..r.end];
        if !r.cjk {
            out.words.push(run.to_owned());
            continue;
        }
        for c in run.chars() {
            if seen.insert(c) {
                push_token(&mut out.uni, c.encode_utf8(&mut [0; 4]));
            }
        }
        for b in bigrams(run) {
            push_token(&mut out.gram, b);
        }
    }
    out
}

/// A parsed search query: its FTS5 expression and what a match must look like.
#[derive(Debug, Clone)]
pub struct Query {
    /// The folded query.
    folded: String,
    /// Byte offsets in `folded` of the characters with a break before them.
    breaks: Vec<usize>,
    /// The query starts with a word character: it must match at a word's start.
    word_start: bool,
    /// The FTS5 expression of every run but a last word.
    exact: String,
    /// The last run, when it is a word: matched as a prefix.
    prefix: Option<String>,
}

impl Query {
    /// Parses a query; `None` when nothing in it can be searched for (empty, or only
    /// punctuation, symbols and emoji).
    pub fn parse(text: &str) -> Option<Query> {
        let n = normalize(text);
        let folded = n.as_str().to_owned();
        let mut runs = runs(&n);
        let last = runs.last().copied()?;
        // Only the last word may go on in the text (a prefix); the others end where the
        // query's do, at a break or a change of script.
        let prefix = (!last.cjk).then(|| folded[last.start..last.end].to_owned());
        if prefix.is_some() {
            runs.pop();
        }
        let parts: Vec<String> = runs
            .iter()
            .map(|r| {
                let run = &folded[r.start..r.end];
                if !r.cjk || run.chars().nth(1).is_none() {
                    return format!("\"{run}\"");
                }
                bigrams(run).map(|b| format!("\"{b}\"")).collect::<Vec<_>>().join(" AND ")
            })
            .collect();
        let breaks = folded.char_indices().map(|(i, _)| i).filter(|&i| i > 0 && n.gap_before(i) & GAP != 0).collect();
        let word_start = folded.chars().next().is_some_and(is_word);
        Some(Query { exact: parts.join(" AND "), prefix, folded, breaks, word_start })
    }

    /// The FTS5 expression that finds the candidates (over the terms of [`terms`]), a last
    /// word as an FTS5 prefix query.
    pub fn fts(&self) -> String {
        self.fts_with(self.prefix.as_ref().map(|p| format!("\"{p}\"*")))
    }

    /// The expression for the runs before a last word (empty when there are none).
    pub fn exact(&self) -> &str {
        &self.exact
    }

    /// The last word, when the query ends with one: the text's word only has to start with it.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// [`Query::exact`] and `last` (an expression for the last word), joined.
    pub fn fts_with(&self, last: Option<String>) -> String {
        [Some(self.exact.clone()).filter(|e| !e.is_empty()), last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Where the query occurs in `text`: byte ranges of `text`, in order, not overlapping.
    /// Empty when it does not (a candidate the index offered that is not a match).
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let n = normalize(text);
        let hay = n.as_str();
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        while let Some(at) = hay.get(from..).and_then(|h| h.find(&self.folded)).map(|i| i + from) {
            let end = at + self.folded.len();
            if self.matches_at(&n, at) {
                let span = n.original_span(text, at, end);
                if out.last().is_none_or(|l| l.1 <= span.0) {
                    out.push(span);
                }
                from = end;
            } else {
                from = at + hay[at..].chars().next().map_or(1, char::len_utf8);
            }
        }
        out
    }

    /// Whether the occurrence at folded byte `at` has the query's breaks and word start.
    fn matches_at(&self, n: &Normalized, at: usize) -> bool {
        let breaks_agree = self.folded.char_indices().skip(1).all(|(i, _)| {
            let text_break = n.gap_before(at + i) & GAP != 0;
            text_break == self.breaks.binary_search(&i).is_ok()
        });
        let starts_ok =
            !self.word_start || at == 0 || n.gap_before(at) & GAP != 0 || !n.char_before(at).is_some_and(is_word);
        breaks_agree && starts_ok
    }
}

#[cfg(test)]
mod tests;
