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

use super::fold::is_attached;
use super::utf8_width;

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
    pub(super) bytes: Vec<u8>,
    /// The offset map, run by run (see [`Seg`]), in normalised order.
    pub(super) segs: Vec<Seg>,
    /// Original length | the gap that trails the last kept character (the sentinel).
    pub(super) end: u32,
    /// Number of digits (ASCII or Chinese numerals) in the normalised text: a cheap gate for the
    /// personal-data pass.
    pub(super) digits: usize,
    /// Which cheap signals the text carries (see [`signals`](super::signals)).
    pub(super) signals: u8,
    /// How many of `digits` are Chinese numerals.
    pub(super) numerals: usize,
    /// Normalised byte ranges of the runs of at least [`LONG_DIGIT_RUN`] digits.
    pub(super) long_runs: Vec<(usize, usize)>,
    /// The text in a matcher's encoding ([`normalize_encoded`](super::normalize_encoded)), and which one (0: none).
    pub(super) enc: Vec<u8>,
    pub(super) enc_id: u64,
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
pub(super) struct Seg {
    /// First normalised byte.
    norm: usize,
    /// Original byte offset of that byte (low 30 bits) | gap flags before it.
    src: u32,
    linear: bool,
}

impl Normalized {
    /// An empty buffer, to be filled with [`normalize_into`](super::normalize_into) and reused across messages.
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

    /// The [`signals`](super::signals) seen in the original text.
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

    /// The text in a matcher's encoding, if it was normalised with [`normalize_encoded`](super::normalize_encoded).
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

    pub(super) fn clear(&mut self) {
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

/// Start a stretch of the offset map at normalised byte `norm` for the character at original
/// byte `src`, unless a linear stretch simply continues (no gap, nothing dropped in between).
#[inline]
pub(super) fn open(segs: &mut Vec<Seg>, norm: usize, src: usize, pending: u32, linear: bool) {
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

pub(super) fn truncate(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
