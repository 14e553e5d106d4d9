//! Normalisation: turn a chat message into the form lexicon terms are matched against, and
//! remember where every normalised byte came from.
//!
//! # What it folds
//!
//! Evasion in chat is mostly cosmetic: the reader still sees the word, the filter must too.
//! Each input character is folded on its own, in this order:
//!
//! 1. **Default-ignorable and format characters** (zero-width space/joiners, BOM, variation
//!    selectors, bidi controls, soft hyphen, tag characters) and **combining marks** (accents,
//!    Zalgo, the keycap mark) are dropped. They leave no gap: `s\u{200B}ex` is `sex`.
//! 2. **Separators** (whitespace, punctuation, symbols, emoji, controls) are dropped but leave a
//!    *gap* before the next kept character, so that `百.家.乐`, `百 家 乐` and `百💰家乐` all read
//!    `百家乐` while the matcher can still tell `was sad` from `ass` (see [`crate::lexicon`] for how
//!    gaps are judged). A gap is *natural* when it contains whitespace or sentence punctuation
//!    (`, ; : ! ? ' " - ( )` and their CJK forms), otherwise it is an *insertion* (`. * _ / 💰`).
//! 3. Everything else goes through **NFKC** (full width → half width, `ﬁ` → `fi`, `①` → `1`,
//!    math-styled and circled letters → plain letters, Kangxi radicals → ideographs),
//!    **full case folding** (`ß` → `ss`), **look-alike folding** with `decancer` (Cyrillic,
//!    Greek and other confusables → Latin; with `retain_chinese`/`retain_japanese`/
//!    `retain_korean`, because decancer's defaults turn `网` into `xx`), and
//!    **traditional → simplified** Chinese with `fast2s` (MIT; `zhconv` is GPL and stays out).
//!
//! Folding per character (not per string) is what makes the offset map exact: every normalised
//! byte comes from exactly one original character. The price is that NFKC composition across
//! characters (`e` + U+0301) is not performed, which is fine because combining marks are dropped.
//!
//! # Speed
//!
//! The per-character fold for the Basic Multilingual Plane and the Supplementary Multilingual
//! Plane (emoji, math alphanumerics) is computed once into a 128 Ki-entry table
//! ([`std::sync::OnceLock`], built on first use, ~0.5 MiB); rarer planes fold on the fly.
//! ASCII has its own 128-entry table. Text is copied through unchanged where the table says
//! "identity", so plain Chinese and lower-case English cost one lookup per character.
//!
//! # Offsets
//!
//! The offset map is kept run by run, not byte by byte: a stretch of normalised text that is a
//! plain copy of the original (ASCII, case-folded ASCII, characters that fold to themselves) is
//! one entry, and so is each character whose fold changes its length; a gap (two flags: any
//! separator, natural separator) starts a new stretch. [`Normalized::source`] and the gap
//! lookup binary-search the stretches, which only happens for the few bytes a finding touches.
//! The original length and the gap that trails the last kept character are kept apart. Texts
//! longer than 1 GiB are normalised up to their first 1 GiB (a chat message never is; the limit
//! keeps offsets in 30 bits without a panic).

use std::sync::OnceLock;

use crate::lexicon::Codes;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// The gap flag: at least one separator character precedes this normalised character.
pub(crate) const GAP: u32 = 1 << 31;
/// The natural-gap flag: the gap contains whitespace or sentence punctuation.
pub(crate) const NATURAL: u32 = 1 << 30;
/// Mask for the original byte offset in an offset-map entry.
pub(crate) const OFFSET: u32 = (1 << 30) - 1;
/// Longest text, in bytes, that is normalised in full.
pub const MAX_TEXT: usize = OFFSET as usize;

/// A normalised text and its map back to the original.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// Normalised text, valid UTF-8 by construction.
    bytes: Vec<u8>,
    /// The offset map, run by run (see [`Seg`]), in normalised order.
    segs: Vec<Seg>,
    /// Original length | the gap that trails the last kept character (the sentinel).
    end: u32,
    /// Number of digits (ASCII or Chinese numerals) in the normalised text: a cheap gate for the
    /// personal-data pass.
    digits: usize,
    /// Which cheap signals the text carries (see [`signals`]).
    signals: u8,
    /// How many of `digits` are Chinese numerals.
    numerals: usize,
    /// Normalised byte ranges of the runs of at least [`LONG_DIGIT_RUN`] digits.
    long_runs: Vec<(usize, usize)>,
    /// The text in a matcher's encoding ([`normalize_encoded`]), and which one (0: none).
    enc: Vec<u8>,
    enc_id: u64,
}

/// A digit run this long (ASCII digits and Chinese numerals, separators dropped) may be a phone,
/// ID or card number; [`Normalized::long_digit_runs`] lists them.
pub const LONG_DIGIT_RUN: usize = 11;

/// One stretch of the offset map. A *linear* stretch is a byte-for-byte copy (ASCII, folded
/// ASCII case, characters that fold to themselves): normalised byte `norm + k` belongs to the
/// original character containing byte `src + k`. Otherwise the stretch is one original
/// character and all its normalised bytes come from `src`. A stretch starts wherever the
/// mapping stops being a plain copy (a dropped character, a fold that changes the length) and
/// at every gap, so the gap flags sit on the stretch that follows the gap.
#[derive(Debug, Default, Clone, Copy)]
struct Seg {
    /// First normalised byte.
    norm: usize,
    /// Original byte offset of that byte (low 30 bits) | gap flags before it.
    src: u32,
    linear: bool,
}

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

impl Normalized {
    /// An empty buffer, to be filled with [`normalize_into`] and reused across messages.
    pub fn new() -> Self {
        Self::default()
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        // Invariant: `bytes` is only ever extended with whole UTF-8 encodings.
        std::str::from_utf8(&self.bytes).unwrap_or("")
    }

    /// How many Chinese numerals (`一`, `幺`, `贰`, …) the normalised text holds.
    pub fn numeral_count(&self) -> usize {
        self.numerals
    }

    /// The [`signals`] seen in the original text.
    pub fn signals(&self) -> u8 {
        self.signals
    }

    /// The normalised text as bytes (what the automaton scans).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of normalised bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing survived normalisation.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// How many digits the normalised text holds (ASCII digits and Chinese numerals).
    pub fn digit_count(&self) -> usize {
        self.digits
    }

    /// Original byte offset of the character that produced normalised byte `i`
    /// (`i == len()` gives the original length).
    pub fn source(&self, i: usize) -> usize {
        if i >= self.bytes.len() {
            return (self.end & OFFSET) as usize;
        }
        let seg = self.segs[self.segs.partition_point(|s| s.norm <= i) - 1];
        let off = (seg.src & OFFSET) as usize;
        if !seg.linear {
            return off;
        }
        // A copy: the original character starts where the normalised one does.
        let mut p = i;
        while p > seg.norm && (self.bytes[p] & 0xC0) == 0x80 {
            p -= 1;
        }
        off + (p - seg.norm)
    }

    /// Which matcher encoding [`Normalized::encoded`] is in (0: none).
    pub(crate) fn encoded_with(&self) -> u64 {
        self.enc_id
    }

    /// The text in a matcher's encoding, if it was normalised with [`normalize_encoded`].
    pub(crate) fn encoded(&self) -> &[u8] {
        &self.enc
    }

    /// Normalised byte ranges of the runs of at least [`LONG_DIGIT_RUN`] digits (ASCII digits
    /// or Chinese numerals), in order.
    pub fn long_digit_runs(&self) -> &[(usize, usize)] {
        &self.long_runs
    }

    /// Gap flags ([`GAP`], [`NATURAL`]) in front of the normalised character starting at `i`
    /// (`i == len()` gives the trailing gap).
    pub(crate) fn gap_before(&self, i: usize) -> u32 {
        if i >= self.bytes.len() {
            return self.end & (GAP | NATURAL);
        }
        let k = self.segs.partition_point(|s| s.norm < i);
        match self.segs.get(k) {
            Some(s) if s.norm == i => s.src & (GAP | NATURAL),
            _ => 0,
        }
    }

    /// Map the normalised byte range `start..end` (on char boundaries, `start < end`) back to
    /// a byte range of `original`, covering every original character that contributed to it
    /// (and the separators between them), plus the combining marks and variation selectors
    /// attached to the last one (`o̶`, `❤️`).
    pub fn original_span(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        let s = self.source(start);
        let last = self.source(end - 1);
        let mut e = last + original[last..].chars().next().map_or(0, char::len_utf8);
        for c in original[e..].chars() {
            if !is_attached(c) {
                break;
            }
            e += c.len_utf8();
        }
        (s, e)
    }

    /// The normalised character ending right before byte `i`, if any.
    pub(crate) fn char_before(&self, i: usize) -> Option<char> {
        if i == 0 {
            return None;
        }
        let mut s = i - 1;
        while s > 0 && (self.bytes[s] & 0xC0) == 0x80 {
            s -= 1;
        }
        std::str::from_utf8(&self.bytes[s..i]).ok()?.chars().next()
    }

    /// The normalised character starting at byte `i`, if any.
    pub(crate) fn char_at(&self, i: usize) -> Option<char> {
        if i >= self.bytes.len() {
            return None;
        }
        let w = utf8_width(self.bytes[i]);
        std::str::from_utf8(self.bytes.get(i..i + w)?).ok()?.chars().next()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.segs.clear();
        self.long_runs.clear();
        self.end = 0;
        self.enc.clear();
        self.enc_id = 0;
        self.digits = 0;
        self.signals = 0;
        self.numerals = 0;
    }
}

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

/// Start a stretch of the offset map at normalised byte `norm` for the character at original
/// byte `src`, unless a linear stretch simply continues (no gap, nothing dropped in between).
#[inline]
fn open(segs: &mut Vec<Seg>, norm: usize, src: usize, pending: u32, linear: bool) {
    if linear
        && pending == 0
        && let Some(l) = segs.last()
        && l.linear
        && src - (l.src & OFFSET) as usize == norm - l.norm
    {
        return;
    }
    segs.push(Seg { norm, src: src as u32 | pending, linear });
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

fn truncate(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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

// ---------------------------------------------------------------------------------------------
// The fold table.

const A_NATURAL: u16 = 1;
const A_INSERT: u16 = 2;
const A_IGNORE: u16 = 3;

/// ASCII fold: low byte = output byte when the high byte is 0, else a class.
static ASCII: [u16; 128] = build_ascii();

const fn build_ascii() -> [u16; 128] {
    let mut t = [A_IGNORE << 8; 128];
    let mut b = 0u8;
    while b < 128 {
        t[b as usize] = if b.is_ascii_alphanumeric() {
            b.to_ascii_lowercase() as u16
        } else if b.is_ascii_whitespace() || b == 0x0B {
            A_NATURAL << 8
        } else if b.is_ascii_control() {
            A_IGNORE << 8
        } else if is_natural_punct(b as char) {
            A_NATURAL << 8
        } else {
            A_INSERT << 8
        };
        b += 1;
    }
    t
}

/// Punctuation that ordinary prose puts between words (as opposed to characters inserted
/// into a word to break it up).
const fn is_natural_punct(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '!'
            | '?'
            | '"'
            | '\''
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '-'
            | '<'
            | '>'
            | '\u{2018}'..='\u{201F}'
            | '\u{2010}'..='\u{2015}'
            | '\u{2026}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{FF01}'
            | '\u{FF02}'
            | '\u{FF07}'..='\u{FF09}'
            | '\u{FF0C}'
            | '\u{FF0D}'
            | '\u{FF1A}'
            | '\u{FF1B}'
            | '\u{FF1F}'
            | '\u{FF3B}'
            | '\u{FF3D}'
            | '\u{FF5B}'
            | '\u{FF5D}'
            | '\u{FF62}'
            | '\u{FF63}'
            | '\u{FE10}'..='\u{FE19}'
            | '\u{FE30}'..='\u{FE4F}'
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Same,
    One,
    Many,
    Ignore,
    Natural,
    Insert,
}

/// One table entry: tag in the top 3 bits, payload (a char, or pool offset << 8 | len) below.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Entry(u32);

impl Entry {
    const fn new(tag: Tag, payload: u32) -> Self {
        Entry(((tag as u32) << 29) | payload)
    }
    fn tag(self) -> Tag {
        match self.0 >> 29 {
            0 => Tag::Same,
            1 => Tag::One,
            2 => Tag::Many,
            3 => Tag::Ignore,
            4 => Tag::Natural,
            _ => Tag::Insert,
        }
    }
    fn char(self) -> char {
        char::from_u32(self.0 & 0x1F_FFFF).unwrap_or('\u{FFFD}')
    }
}

struct Table {
    /// Entries for U+0000..U+1FFFF.
    entries: Vec<Entry>,
    /// Multi-character outputs, concatenated.
    pool: String,
    /// One bit per Basic Multilingual Plane code point: set when the character folds to itself
    /// and is not a Chinese numeral (a `Same` entry with payload 0).
    plain: Box<[u64; 1024]>,
}

/// Planes 0 and 1 are tabled.
const TABLED: u32 = 0x2_0000;

impl Table {
    fn lookup(&self, c: char) -> Entry {
        let cp = c as u32;
        if cp < TABLED {
            self.entries[cp as usize]
        } else {
            // Rare planes (CJK extensions, tags, private use): fold on the fly. Outputs longer
            // than one char do not occur there except through NFKC of compatibility
            // ideographs, which map to a single ideograph.
            match fold_char(c) {
                Fold::Same => Entry::new(Tag::Same, 0),
                Fold::Out(s) => {
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(m), None) => Entry::new(Tag::One, m as u32),
                        _ => Entry::new(Tag::Same, 0),
                    }
                }
                Fold::Ignore => Entry::new(Tag::Ignore, 0),
                Fold::Natural => Entry::new(Tag::Natural, 0),
                Fold::Insert => Entry::new(Tag::Insert, 0),
            }
        }
    }

    fn pool_str(&self, e: Entry) -> &str {
        let p = e.0 & 0x1FFF_FFFF;
        let off = (p >> 8) as usize;
        let len = (p & 0xFF) as usize;
        &self.pool[off..off + len]
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

/// Build the fold table now (it is otherwise built on first use, which takes a moment).
pub fn warm_up() {
    let _ = table();
}

fn build_table() -> Table {
    let mut entries = Vec::with_capacity(TABLED as usize);
    let mut pool = String::new();
    for cp in 0..TABLED {
        let e = match char::from_u32(cp) {
            None => Entry::new(Tag::Ignore, 0), // surrogates: never seen in a &str
            Some(c) if cp < 0x80 => {
                let a = ASCII[cp as usize];
                match a >> 8 {
                    0 if a as u8 == c as u8 => Entry::new(Tag::Same, 0),
                    0 => Entry::new(Tag::One, a as u32),
                    A_NATURAL => Entry::new(Tag::Natural, 0),
                    A_INSERT => Entry::new(Tag::Insert, 0),
                    _ => Entry::new(Tag::Ignore, 0),
                }
            }
            Some(c) => match fold_char(c) {
                Fold::Same => Entry::new(Tag::Same, is_chinese_numeral(c) as u32),
                Fold::Ignore => Entry::new(Tag::Ignore, 0),
                Fold::Natural => Entry::new(Tag::Natural, 0),
                Fold::Insert => Entry::new(Tag::Insert, 0),
                Fold::Out(s) => {
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(m), None) => Entry::new(Tag::One, m as u32),
                        _ => {
                            let off = pool.len() as u32;
                            pool.push_str(&s);
                            Entry::new(Tag::Many, (off << 8) | s.len().min(255) as u32)
                        }
                    }
                }
            },
        };
        entries.push(e);
    }
    let mut plain = Box::new([0u64; 1024]);
    for (cp, e) in entries.iter().take(0x1_0000).enumerate() {
        if *e == Entry::new(Tag::Same, 0) {
            plain[cp >> 6] |= 1 << (cp & 63);
        }
    }
    Table { entries, pool, plain }
}

/// The fold of one character (the slow path that fills the table).
#[derive(Debug, PartialEq, Eq)]
enum Fold {
    Same,
    Out(String),
    Ignore,
    Natural,
    Insert,
}

fn decancer_options() -> decancer::Options {
    decancer::Options::default().retain_chinese().retain_japanese().retain_korean()
}

fn fold_char(c: char) -> Fold {
    use unicode_properties::GeneralCategory as G;
    if is_default_ignorable(c) {
        return Fold::Ignore;
    }
    let cat = c.general_category();
    match cat {
        G::Format | G::NonspacingMark | G::EnclosingMark | G::Surrogate => return Fold::Ignore,
        G::Control => {
            return if c.is_whitespace() || matches!(c, '\u{85}') { Fold::Natural } else { Fold::Ignore };
        }
        G::SpaceSeparator | G::LineSeparator | G::ParagraphSeparator => return Fold::Natural,
        _ => {}
    }
    match c.general_category_group() {
        GeneralCategoryGroup::Punctuation => {
            return if is_natural_punct(c) { Fold::Natural } else { Fold::Insert };
        }
        GeneralCategoryGroup::Symbol => {
            // Enclosed and squared Latin letters and digits are letters in disguise
            // (Ⓐ, 🅰, 🄰); everything else, emoji included, is a separator.
            let letterlike =
                matches!(c as u32, 0x2460..=0x24FF | 0x1F100..=0x1F18F | 0x3200..=0x33FF | 0x2E80..=0x2FDF);
            if !letterlike {
                return Fold::Insert;
            }
        }
        GeneralCategoryGroup::Other => {
            // Unassigned and private-use code points render as boxes: separators.
            return Fold::Insert;
        }
        _ => {}
    }
    let mut out = String::new();
    for n in std::iter::once(c).nfkc() {
        if !(n.is_alphanumeric() || n.general_category() == G::SpacingMark) {
            continue;
        }
        for f in case_fold(n) {
            if f.is_ascii() {
                out.push(f);
            } else if is_han(f) {
                out.push_str(&fast2s::convert(f.encode_utf8(&mut [0u8; 4])));
            } else if is_kana_or_hangul(f) {
                out.push(f);
            } else {
                match decancer::cure_char(f, decancer_options()) {
                    decancer::Translation::Character(x) if x.is_alphanumeric() => out.push(x),
                    decancer::Translation::String(s) if s.chars().all(char::is_alphanumeric) => out.push_str(&s),
                    _ => out.push(f),
                }
            }
        }
    }
    if out.is_empty() {
        // Only marks or punctuation came out of NFKC (e.g. a lone spacing accent).
        return if cat == G::OtherSymbol { Fold::Insert } else { Fold::Ignore };
    }
    let mut it = out.chars();
    if it.next() == Some(c) && it.next().is_none() { Fold::Same } else { Fold::Out(out) }
}

fn case_fold(c: char) -> impl Iterator<Item = char> {
    let special: Option<&'static str> = match c {
        'ß' | 'ẞ' => Some("ss"),
        'ς' => Some("σ"),
        _ => None,
    };
    let (a, b) = match special {
        Some(s) => (Some(s.chars()), None),
        None => (None, Some(c.to_lowercase())),
    };
    a.into_iter()
        .flatten()
        .chain(b.into_iter().flatten())
        .filter(|ch| !is_default_ignorable(*ch) && ch.is_alphanumeric())
}

/// Chinese numerals people use to write numbers digit by digit.
pub(crate) fn is_chinese_numeral(c: char) -> bool {
    matches!(
        c,
        '〇' | '零'
            | '一'
            | '幺'
            | '壹'
            | '二'
            | '两'
            | '贰'
            | '三'
            | '叁'
            | '四'
            | '肆'
            | '五'
            | '伍'
            | '六'
            | '陆'
            | '七'
            | '柒'
            | '八'
            | '捌'
            | '九'
            | '玖'
    )
}

/// Marks that render as part of the character before them.
fn is_attached(c: char) -> bool {
    use unicode_properties::GeneralCategory as G;
    // No mark below U+0300 (Latin, spacing modifiers) and no mark among the Han ideographs:
    // the characters that most often follow a hit are answered without the category table.
    (c as u32) >= 0x300
        && !is_han(c)
        && (matches!(c as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
            || matches!(c.general_category(), G::NonspacingMark | G::EnclosingMark))
}

/// Han ideographs (CJK unified, extensions, compatibility) and the ideographic zero.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x2_0000..=0x3_FFFF)
}

fn is_kana_or_hangul(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x31F0..=0x31FF
            | 0xAC00..=0xD7AF | 0xFF66..=0xFF9F)
}

/// Characters of scripts written without spaces between words (Han, kana, Hangul).
pub(crate) fn is_cjk(c: char) -> bool {
    is_han(c) || is_kana_or_hangul(c)
}

/// A "word" character for boundary decisions: a letter or digit of a script that separates
/// words with spaces.
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphanumeric() } else { !is_cjk(c) && c.is_alphanumeric() }
}

/// Unicode `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt, Unicode 15/16).
pub(crate) fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths of `is_attached` (below U+0300, Han) agree with the category rule on
    /// every code point.
    #[test]
    fn attached_fast_paths_agree_with_the_categories() {
        use unicode_properties::GeneralCategory as G;
        for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
            let want = !c.is_ascii()
                && (matches!(c as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
                    || matches!(c.general_category(), G::NonspacingMark | G::EnclosingMark));
            assert_eq!(is_attached(c), want, "{c:?}");
        }
    }

    /// (input, expected normalised text): one row per evasion the issue names.
    const CASES: &[(&str, &str)] = &[
        ("Hello World", "helloworld"),
        ("ＡＢＣ１２３", "abc123"),
        ("百.家.乐", "百家乐"),
        ("百 家 乐", "百家乐"),
        ("百💰家乐", "百家乐"),
        ("百\u{200B}家\u{200D}乐\u{FEFF}", "百家乐"),
        ("網絡賭博", "网络赌博"),
        ("百家樂", "百家乐"),
        ("саsinо", "casino"), // Cyrillic с, а, о
        ("𝐜𝐚𝐬𝐢𝐧𝐨", "casino"), // math bold
        ("𝓬𝓪𝓼𝓲𝓷𝓸", "casino"), // math script
        ("ⓒⓐⓢⓘⓝⓞ", "casino"), // circled
        ("🅲🅰🆂🅸🅽🅾", "casino"), // negative squared
        ("c̶a̶s̶i̶n̶o̶", "casino"), // combining strikethrough
        ("CASINO", "casino"),
        ("Straße", "strasse"),
        ("ｶｼﾞﾉ", "カシノ"), // half-width katakana; the voicing mark is dropped
        ("①②③", "123"),
        ("ﬁne", "fine"),
        ("⼈", "人"), // Kangxi radical
        ("1️⃣", "1"),  // keycap
        ("", ""),
    ];

    #[test]
    fn folds_each_evasion() {
        for (input, want) in CASES {
            let n = normalize(input);
            assert_eq!(n.as_str(), *want, "normalising {input:?}");
        }
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "买百💰家乐吗";
        let n = normalize(text);
        assert_eq!(n.as_str(), "买百家乐吗");
        let start = "买".len();
        let end = "买百家乐".len();
        let (s, e) = n.original_span(text, start, end);
        assert_eq!(&text[s..e], "百💰家乐");
        assert_eq!(n.source(n.len()), text.len(), "sentinel holds the original length");
    }

    #[test]
    fn gaps_are_recorded_and_classified() {
        let n = normalize("a b.c💰d");
        assert_eq!(n.as_str(), "abcd");
        assert_eq!(n.gap_before(0), 0);
        assert_eq!(n.gap_before(1), GAP | NATURAL, "space is a natural gap");
        assert_eq!(n.gap_before(2), GAP, "dot is an insertion");
        assert_eq!(n.gap_before(3), GAP, "emoji is an insertion");
        assert_eq!(n.gap_before(4), 0, "no trailing gap");
    }

    #[test]
    fn term_breaks_are_reported() {
        let (t, breaks) = normalize_term("Free Money");
        assert_eq!(t, "freemoney");
        assert_eq!(breaks, vec![4]);
        let (t, breaks) = normalize_term(" 百家乐 ");
        assert_eq!(t, "百家乐");
        assert!(breaks.is_empty(), "leading/trailing separators are not breaks");
    }

    #[test]
    fn digits_are_counted() {
        assert_eq!(normalize("电话１３８ 1234").digit_count(), 7);
        assert_eq!(normalize("幺三八一二").digit_count(), 5, "Chinese numerals count");
    }
}
