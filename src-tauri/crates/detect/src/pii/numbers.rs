//! Digit runs as people write them: `138 1234 5678`, `+86-138-1234-5678`,
//! `１１０１０１ １９９００３０７ １２３Ｘ`.
//!
//! A [`Candidate`] is a maximal sequence of digit *groups* separated by short separator runs
//! (at most three of space, no-break and ideographic space, `-`, `.`, `(`, `)`, `*`, `_`, `|`,
//! `~`, `·`, `/`, emoji and other symbols, and their full-width forms; never two dots).
//! Zero-width characters and the keycap mark are transparent. Digits are any `Nd` character that folds to an ASCII digit
//! (full-width `１`, math `𝟏`) plus the circled `①`–`⑨`/`⓪`. The scanner also records what touches
//! the run on either side (an ASCII letter glued to it marks a tracking or serial number), a
//! leading `+`, and a trailing `X` (the resident-ID check character).

/// One digit group: its digits are `digits[from..to]` of the candidate, its bytes `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub from: usize,
    pub to: usize,
    pub start: usize,
    pub end: usize,
    /// The separator run in front of this group contained a dot.
    pub dot_before: bool,
}

impl Group {
    pub fn len(&self) -> usize {
        self.to - self.from
    }
}

/// A run of digit groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// Digit values, 0–9.
    pub digits: Vec<u8>,
    pub groups: Vec<Group>,
    /// Byte offset of a `+` right before the first digit.
    pub plus: Option<usize>,
    /// An ASCII letter (or `_`, `#`, `/`) touches the first digit.
    pub glued_before: bool,
    /// An ASCII letter touches the last digit (after the `X`, if any).
    pub glued_after: bool,
    /// A check character `X`/`x` right after the last digit: its byte span.
    pub x_suffix: Option<(usize, usize)>,
}

fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    match c as u32 {
        0xFF10..=0xFF19 => Some((c as u32 - 0xFF10) as u8),
        0x2460..=0x2468 => Some((c as u32 - 0x2460 + 1) as u8),
        0x24EA => Some(0),
        0x1D7CE..=0x1D7FF => Some(((c as u32 - 0x1D7CE) % 10) as u8),
        _ => chinese_digit(c),
    }
}

/// Chinese numerals written digit by digit (`一三八…`, `幺`, and the financial `壹贰叁`).
fn chinese_digit(c: char) -> Option<u8> {
    Some(match c {
        '〇' | '零' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// Characters that do not interrupt a number: zero-width and format characters, variation
/// selectors and the keycap mark (`1️⃣`).
fn is_transparent(c: char) -> bool {
    crate::normalize::is_default_ignorable(c) || c == '\u{20E3}'
}

fn is_sep(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    if crate::normalize::is_cjk(c) {
        return false;
    }
    matches!(c, '*' | '_' | '|' | '~' | '\u{B7}' | '/' | '\u{30FB}' | '\u{FF0F}')
        || (!c.is_ascii() && c.general_category() == GeneralCategory::OtherSymbol)
        || matches!(
            c,
            ' ' | '\u{A0}'
                | '\u{3000}'
                | '\u{2009}'
                | '\u{202F}'
                | '-'
                | '\u{2010}'
                | '\u{2011}'
                | '\u{2012}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{FF0D}'
                | '.'
                | '\u{FF0E}'
                | '('
                | ')'
                | '\u{FF08}'
                | '\u{FF09}'
        )
}

fn is_dot(c: char) -> bool {
    matches!(c, '.' | '\u{FF0E}')
}

/// Words that may be glued to a number without making it a code: `vx13812345678`,
/// `tel13812345678`, `ID110105…`.
const CONTACT_WORDS: [&str; 20] = [
    "v", "vx", "wx", "weixin", "wechat", "tel", "phone", "mobile", "mob", "cell", "qq", "call", "dh", "sj", "id",
    "sfz", "whatsapp", "line", "tg", "telegram",
];

/// Whether the ASCII letters ending at `end` (exclusive) or starting at `start` form a contact
/// word.
fn contact_word(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let (mut s, mut e) = (start, end);
    while s > 0 && b[s - 1].is_ascii_alphabetic() {
        s -= 1;
    }
    while e < b.len() && b[e].is_ascii_alphabetic() {
        e += 1;
    }
    let w = &text[s..e];
    !w.is_empty() && w.len() <= 8 && CONTACT_WORDS.iter().any(|c| c.eq_ignore_ascii_case(w))
}

/// A glue character before a run starting at `at` (the first digit or the `+`).
fn glued_before(text: &str, at: usize) -> bool {
    match text[..at].chars().next_back() {
        Some(c) if c.is_ascii_alphabetic() => !contact_word(text, at, at),
        Some(c) => is_glue(c),
        None => false,
    }
}

/// A glue character at `at`, right after a run.
fn glued_after(text: &str, at: usize) -> bool {
    match text[at..].chars().next() {
        Some(c) if c.is_ascii_alphabetic() => !contact_word(text, at, at),
        Some(c) => is_glue(c),
        None => false,
    }
}

fn is_glue(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '_' | '#' | '/' | '\\' | '=' | '&' | '?' | '%')
}

/// Split `text` into digit candidates with at least `min_digits` digits.
pub(crate) fn candidates(text: &str, min_digits: usize, out: &mut Vec<Candidate>) {
    candidates_in(text, 0, text.len(), min_digits, out);
}

/// [`candidates`] for the runs that touch `from..to` (char boundaries): scanning starts three
/// characters before `from` (for a `+` or a glued letter) and stops after `to` once no run is
/// open.
pub(crate) fn candidates_in(text: &str, from: usize, to: usize, min_digits: usize, out: &mut Vec<Candidate>) {
    let bytes = text.as_bytes();
    let start = text[..from].char_indices().rev().nth(2).map_or(0, |(i, _)| i);
    // The run being built; reused, so a lone digit costs no allocation. Its buffers are kept
    // per thread between calls, so a message's digit run does not allocate them again.
    thread_local! {
        static SPARE: std::cell::Cell<(Vec<u8>, Vec<Group>)> = const { std::cell::Cell::new((Vec::new(), Vec::new())) };
    }
    let (digits, groups) = SPARE.take();
    let mut cur = Candidate { digits, groups, ..Candidate::default() };
    let mut active = false;
    // Separator run since the last digit: characters and dots in it.
    let mut sep_chars = 0usize;
    let mut sep_dots = 0usize;
    let mut prev: Option<char> = text[..start].chars().next_back();
    let mut prev_pos = start.saturating_sub(prev.map_or(0, char::len_utf8));
    let mut i = start;
    while i < bytes.len() {
        let byte = bytes[i];
        if i >= to && !active {
            break;
        }
        if !active && byte < 0x80 && !byte.is_ascii_digit() {
            // Fast path: ASCII outside a run.
            prev = Some(byte as char);
            prev_pos = i;
            i += 1;
            continue;
        }
        let (pos, c) = if byte < 0x80 {
            (i, byte as char)
        } else {
            match crate::normalize::decode_at(bytes, i) {
                Some(c) => (i, c),
                None => break,
            }
        };
        i += c.len_utf8();
        if byte >= 0x80 && is_transparent(c) {
            continue;
        }
        if let Some(d) = digit_value(c) {
            let end = pos + c.len_utf8();
            if !active {
                let plus = match prev {
                    Some('+' | '\u{FF0B}') => Some(prev_pos),
                    _ => None,
                };
                cur.digits.clear();
                cur.groups.clear();
                cur.digits.push(d);
                cur.groups.push(Group { from: 0, to: 1, start: pos, end, dot_before: false });
                cur.plus = plus;
                cur.glued_before = glued_before(text, plus.unwrap_or(pos));
                cur.glued_after = false;
                cur.x_suffix = None;
                active = true;
            } else if sep_chars == 0 {
                cur.digits.push(d);
                if let Some(g) = cur.groups.last_mut() {
                    g.to += 1;
                    g.end = end;
                }
            } else {
                let from = cur.digits.len();
                cur.digits.push(d);
                cur.groups.push(Group { from, to: from + 1, start: pos, end, dot_before: sep_dots > 0 });
            }
            sep_chars = 0;
            sep_dots = 0;
        } else if active && is_sep(c) && sep_chars < 3 && !(is_dot(c) && sep_dots > 0) {
            sep_chars += 1;
            sep_dots += is_dot(c) as usize;
        } else if active {
            if sep_chars == 0 {
                if matches!(c, 'X' | 'x' | '\u{FF38}' | '\u{FF58}') {
                    cur.x_suffix = Some((pos, pos + c.len_utf8()));
                    cur.glued_after = glued_after(text, i) || text[i..].starts_with(|n: char| n.is_ascii_digit());
                } else {
                    cur.glued_after = glued_after(text, pos);
                }
            }
            if cur.digits.len() >= min_digits {
                out.push(cur.clone());
            }
            active = false;
            sep_chars = 0;
            sep_dots = 0;
        }
        prev = Some(c);
        prev_pos = pos;
    }
    if active && cur.digits.len() >= min_digits {
        out.push(cur.clone());
    }
    SPARE.set((cur.digits, cur.groups));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(text: &str) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        candidates(text, 1, &mut out);
        out.iter().map(|c| c.groups.iter().map(Group::len).collect()).collect()
    }

    #[test]
    fn splits_runs_into_groups() {
        assert_eq!(groups("call 138 1234 5678 now"), vec![vec![3, 4, 4]]);
        assert_eq!(groups("+86-138-1234-5678"), vec![vec![2, 3, 4, 4]]);
        assert_eq!(groups("１３８１２３４５６７８"), vec![vec![11]]);
        assert_eq!(groups("1,380,000"), vec![vec![1], vec![3], vec![3]]);
        assert_eq!(groups("v1..2"), vec![vec![1], vec![1]], "two dots end a run");
        assert_eq!(groups("12:30"), vec![vec![2], vec![2]]);
        assert_eq!(groups("1️⃣3️⃣8️⃣ 1\u{200B}2"), vec![vec![3, 2]], "keycaps and zero-width");
        assert_eq!(groups("幺三八一二三四五六七八"), vec![vec![11]]);
    }

    #[test]
    fn records_glue_plus_and_x() {
        let mut out = Vec::new();
        candidates("SF1234567890123 +86 138 11010119900307123X", 1, &mut out);
        assert!(out[0].glued_before);
        assert_eq!(out[1].plus, Some("SF1234567890123 ".len()));
        assert!(out[1].x_suffix.is_some());
        assert!(!out[1].glued_after);
    }
}
