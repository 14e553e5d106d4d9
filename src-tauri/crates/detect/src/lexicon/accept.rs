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

use super::matcher::Pattern;
use crate::normalize::{GAP, NATURAL, Normalized, is_word};

/// Inflections a word-character term may carry and still count as a hit.
const SUFFIXES: [&str; 9] = ["s", "es", "ed", "d", "ing", "er", "ers", "y", "ies"];

/// Boundary and gap rules (see the module docs).
pub(super) fn accept(p: &Pattern, norm: &Normalized, start: usize, end: usize) -> bool {
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
        include_str!("../../data/common_en.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}
