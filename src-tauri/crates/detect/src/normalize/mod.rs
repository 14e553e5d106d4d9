//! Normalisation: turn a chat message into the form lexicon terms are matched against, and
//! remember where every normalised byte came from.
//!
//! The parts: what each character folds to (`fold`), the table that makes the fold one lookup
//! (`table`), and the offset map a `Normalized` keeps back to the original (`offsets`); this
//! file is the pass that reads a text once and writes all of it.

mod fold;
mod offsets;
mod table;

pub(crate) use fold::{is_chinese_numeral, is_cjk, is_default_ignorable, is_han, is_word};
pub(crate) use offsets::{GAP, NATURAL};
pub use offsets::{LONG_DIGIT_RUN, MAX_TEXT, Normalized};
pub use table::warm_up;

use crate::lexicon::Codes;
use offsets::{open, truncate};
use table::{A_INSERT, A_NATURAL, ASCII, Tag, table};

/// Characters whose presence decides whether the link, e-mail and mention detectors need to
/// look at a message at all. Collected during normalisation, which sees every byte anyway.
pub mod signals {
    /// An ASCII `.`.
    pub const DOT: u8 = 1;
    /// `@` or `＠`.
    pub const AT: u8 = 2;
    /// `#`.
    pub const HASH: u8 = 4;
    /// `．` or `。`.
    pub const WIDE_DOT: u8 = 8;
    /// An ASCII `t` or `T` (in `at`, `dot`).
    pub const T: u8 = 16;
    /// Possible leetspeak ([`crate::leet`]): a run of ASCII letters and digits with a single
    /// or doubled digit before a letter, a full-width digit, `$` before a letter, or `@ ! |`
    /// between letters or digits (not the `@` of an e-mail address).
    pub const LEET: u8 = 32;
}
use signals as sig;

pub(crate) fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Normalise `text` into a fresh [`Normalized`].
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::new();
    normalize_into(text, &mut out);
    out
}

/// Normalise a lexicon term: the same fold as [`normalize`], returning the normalised string
/// and the normalised byte offsets where the term itself had a separator (its word breaks).
pub fn normalize_term(term: &str) -> (String, Vec<usize>) {
    let n = normalize(term);
    let breaks = n
        .bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| i > 0 && (b & 0xC0) != 0x80 && n.gap_before(i) & GAP != 0)
        .map(|(i, _)| i)
        .collect();
    (n.as_str().to_owned(), breaks)
}

/// The digit run being read (for [`Normalized::long_digit_runs`]).
#[derive(Default)]
struct DigitRun {
    len: usize,
    start: usize,
}

impl DigitRun {
    /// A digit at normalised byte `at`.
    #[inline]
    fn digit(&mut self, at: usize) {
        if self.len == 0 {
            self.start = at;
        }
        self.len += 1;
    }

    /// Any other kept character at `at` (or the end of the text): the run, if any, ends there.
    #[inline]
    fn other(&mut self, at: usize, long: &mut Vec<(usize, usize)>) {
        if self.len >= LONG_DIGIT_RUN {
            long.push((self.start, at));
        }
        self.len = 0;
    }

    /// A normalised character `c` at `at`.
    #[inline]
    fn char(&mut self, c: char, at: usize, long: &mut Vec<(usize, usize)>) {
        if c.is_ascii_digit() || is_chinese_numeral(c) {
            self.digit(at);
        } else {
            self.other(at, long);
        }
    }
}

/// Normalise `text` into `out`, reusing its buffers.
pub fn normalize_into(text: &str, out: &mut Normalized) {
    normalize_encoded(text, out, None);
}

/// Bytes of encoding staged on the stack in the CJK fast path before they are appended.
const ENC_STAGE: usize = 64;

/// [`normalize_into`], also writing the text in a matcher's encoding (one pass instead of two).
pub(crate) fn normalize_encoded(text: &str, out: &mut Normalized, codes: Option<&Codes>) {
    out.clear();
    if let Some(c) = codes {
        out.enc_id = c.id;
        out.enc.reserve(text.len());
    }
    let text = truncate(text);
    let table = table();
    let bytes = text.as_bytes();
    out.bytes.reserve(bytes.len());
    let mut pending: u32 = 0;
    let mut digits = 0usize;
    let mut signals = 0u8;
    let mut numerals = 0usize;
    let mut run = DigitRun::default();
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            let e = ASCII[b as usize];
            match e >> 8 {
                0 => {
                    // A run of kept ASCII, in one pass; case folding keeps it a copy.
                    let norm_start = out.bytes.len();
                    open(&mut out.segs, norm_start, i, pending, true);
                    pending = 0;
                    let (mut d, mut t) = (0usize, false);
                    out.bytes.push(e as u8);
                    d += b.is_ascii_digit() as usize;
                    t |= b | 0x20 == b't';
                    let mut j = i + 1;
                    while let Some(&b) = bytes.get(j) {
                        let e = ASCII[(b & 0x7F) as usize];
                        if b >= 0x80 || e >> 8 != 0 {
                            break;
                        }
                        out.bytes.push(e as u8);
                        d += b.is_ascii_digit() as usize;
                        t |= b | 0x20 == b't';
                        j += 1;
                    }
                    digits += d;
                    if codes.is_some() {
                        out.enc.extend_from_slice(&out.bytes[norm_start..]);
                    }
                    if t {
                        signals |= sig::T;
                    }
                    if d == 0 {
                        run.other(norm_start, &mut out.long_runs);
                    } else {
                        for (k, &c) in out.bytes[norm_start..].iter().enumerate() {
                            if c.is_ascii_digit() {
                                run.digit(norm_start + k);
                            } else {
                                run.other(norm_start + k, &mut out.long_runs);
                            }
                        }
                        if d < j - i && leet_run(&bytes[i..j]) {
                            signals |= sig::LEET;
                        }
                    }
                    i = j;
                    continue;
                }
                A_NATURAL => {
                    pending |= GAP | NATURAL;
                    if b == b'!' && leet_between(bytes, i) {
                        signals |= sig::LEET;
                    }
                }
                A_INSERT => {
                    pending |= GAP;
                    signals |= match b {
                        b'.' => sig::DOT,
                        b'@' => {
                            sig::AT | if leet_between(bytes, i) && !before_dot(bytes, i + 1) { sig::LEET } else { 0 }
                        }
                        b'#' => sig::HASH,
                        b'|' if leet_between(bytes, i) => sig::LEET,
                        b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => sig::LEET,
                        _ => 0,
                    };
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let w = utf8_width(b);
        if w == 3 {
            // Fast path for the Basic Multilingual Plane's common case (CJK): a run of
            // three-byte characters that fold to themselves, copied in one go.
            let run_start = i;
            let base = out.bytes.len();
            // The encoding of the run is staged in a small stack buffer (two unconditional byte
            // writes per character, no capacity check) and appended in chunks.
            let mut stage = [0u8; ENC_STAGE + 2];
            let mut staged = 0usize;
            while let Some(&[b0, b1, b2]) = bytes.get(i..i + 3).and_then(|s| <&[u8; 3]>::try_from(s).ok())
                && b0 & 0xF0 == 0xE0
            {
                let cp = ((b0 as u32 & 0x0F) << 12) | ((b1 as u32 & 0x3F) << 6) | (b2 as u32 & 0x3F);
                // The 8 KiB bitmap answers for the common case; the 512 KiB table only for the rest.
                let numeral = if table.plain[(cp >> 6) as usize] >> (cp & 63) & 1 != 0 {
                    false
                } else {
                    let entry = table.entries[cp as usize];
                    if entry.0 >> 29 != Tag::Same as u32 {
                        break;
                    }
                    entry.0 & 1 != 0
                };
                let at = base + (i - run_start);
                if let Some(c) = codes {
                    let v = c.bmp[cp as usize];
                    let pair = if v == 0 { Codes::OTHER as u16 } else { v };
                    let t = staged % ENC_STAGE;
                    stage[t..t + 2].copy_from_slice(&pair.to_le_bytes());
                    staged = t + 1 + (v != 0) as usize;
                    if staged >= ENC_STAGE {
                        out.enc.extend_from_slice(&stage[..staged]);
                        staged = 0;
                    }
                }
                if numeral {
                    numerals += 1;
                    run.digit(at);
                } else if run.len != 0 {
                    run.other(at, &mut out.long_runs);
                }
                i += 3;
            }
            out.enc.extend_from_slice(&stage[..staged]);
            if i > run_start {
                open(&mut out.segs, base, run_start, pending, true);
                out.bytes.extend_from_slice(&bytes[run_start..i]);
                pending = 0;
                continue;
            }
        }
        let Some(c) = decode(bytes, i, w) else {
            break;
        };
        let entry = table.lookup(c);
        let at = out.bytes.len();
        if let Some(codes) = codes {
            let mut put = |m: char| {
                if m.is_ascii() {
                    out.enc.push(m as u8);
                } else {
                    codes.push(m, &mut out.enc);
                }
            };
            match entry.tag() {
                Tag::Same => put(c),
                Tag::One => put(entry.char()),
                Tag::Many => table.pool_str(entry).chars().for_each(put),
                _ => {}
            }
        }
        match entry.tag() {
            Tag::Same => {
                // Payload bit 0 marks Chinese numerals (`一三八…` phone numbers).
                if entry.0 & 1 != 0 {
                    numerals += 1;
                    run.digit(at);
                } else {
                    run.other(at, &mut out.long_runs);
                }
                open(&mut out.segs, at, i, pending, true);
                out.bytes.extend_from_slice(&bytes[i..i + w]);
                pending = 0;
            }
            Tag::One => {
                let m = entry.char();
                let mut buf = [0u8; 4];
                let s = m.encode_utf8(&mut buf);
                digits += m.is_ascii_digit() as usize;
                if m.is_ascii_digit() {
                    signals |= sig::LEET;
                }
                numerals += is_chinese_numeral(m) as usize;
                run.char(m, at, &mut out.long_runs);
                open(&mut out.segs, at, i, pending, s.len() == w);
                out.bytes.extend_from_slice(s.as_bytes());
                pending = 0;
            }
            Tag::Many => {
                let s = table.pool_str(entry);
                digits += s.bytes().filter(u8::is_ascii_digit).count();
                for (k, m) in s.char_indices() {
                    run.char(m, at + k, &mut out.long_runs);
                }
                open(&mut out.segs, at, i, pending, false);
                out.bytes.extend_from_slice(s.as_bytes());
                pending = 0;
            }
            Tag::Ignore => {}
            Tag::Natural => {
                pending |= GAP | NATURAL;
                if c == '。' {
                    signals |= sig::WIDE_DOT;
                } else if c == '！' && i >= 3 && fw_alnum(bytes, i - 3) && fw_alnum(bytes, i + 3) {
                    signals |= sig::LEET;
                }
            }
            Tag::Insert => {
                pending |= GAP;
                signals |= match c {
                    '＠' => sig::AT | sig::LEET,
                    '．' => sig::WIDE_DOT,
                    '＄' | '｜' => sig::LEET,
                    _ => 0,
                };
            }
        }
        i += w;
    }
    run.other(out.bytes.len(), &mut out.long_runs);
    out.end = text.len() as u32 | pending;
    out.digits = digits + numerals;
    out.numerals = numerals;
    out.signals = signals;
}

/// Whether the byte at `i` sits between ASCII letters or digits (`c@sino`, `v!agra`).
#[inline]
fn leet_between(bytes: &[u8], i: usize) -> bool {
    i > 0 && bytes[i - 1].is_ascii_alphanumeric() && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether a run of ASCII letters and digits has what [`crate::leet`] replaces: one digit, or
/// a doubled one, followed by a letter (`p0rn`, `b00bs`, `5ex`; not `abc123`, `l10n`, `mp3`).
fn leet_run(run: &[u8]) -> bool {
    let mut k = 0;
    while k < run.len() {
        if !run[k].is_ascii_digit() {
            k += 1;
            continue;
        }
        let mut e = k + 1;
        while e < run.len() && run[e].is_ascii_digit() {
            e += 1;
        }
        let short = e - k == 1 || (e - k == 2 && run[k] == run[k + 1]);
        if short && e < run.len() {
            return true;
        }
        k = e;
    }
    false
}

/// Whether the word starting at `i` ends in a dot (`qq.com` after the `@` of an address).
fn before_dot(bytes: &[u8], mut i: usize) -> bool {
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b'_')) {
        i += 1;
    }
    bytes.get(i) == Some(&b'.') || bytes[i.min(bytes.len())..].starts_with("．".as_bytes())
}

/// Whether a full-width letter or digit (U+FF10..U+FF19, U+FF21..U+FF3A, U+FF41..U+FF5A) starts
/// at byte `i`.
fn fw_alnum(bytes: &[u8], i: usize) -> bool {
    matches!(bytes.get(i..i + 3), Some([0xEF, 0xBC, 0x90..=0x99 | 0xA1..=0xBA] | [0xEF, 0xBD, 0x81..=0x9A]))
}

/// Decode the character starting at byte `i` of a `&str`'s bytes.
#[inline]
pub(crate) fn decode_at(bytes: &[u8], i: usize) -> Option<char> {
    decode(bytes, i, utf8_width(*bytes.get(i)?))
}

/// Decode the character of width `w` starting at `i` (the input is a `&str`, so well formed).
#[inline]
fn decode(bytes: &[u8], i: usize, w: usize) -> Option<char> {
    let b = bytes.get(i..i + w)?;
    let cp = match w {
        2 => ((b[0] as u32 & 0x1F) << 6) | (b[1] as u32 & 0x3F),
        3 => ((b[0] as u32 & 0x0F) << 12) | ((b[1] as u32 & 0x3F) << 6) | (b[2] as u32 & 0x3F),
        _ => {
            ((b[0] as u32 & 0x07) << 18)
                | ((b[1] as u32 & 0x3F) << 12)
                | ((b[2] as u32 & 0x3F) << 6)
                | (b[3] as u32 & 0x3F)
        }
    };
    char::from_u32(cp)
}

#[cfg(test)]
mod tests;
