//! The byte encoding the automaton reads.
//!
//! The automaton does not read the normalised UTF-8 itself but an encoding of it in which every
//! non-ASCII character of the patterns is two bytes and every other non-ASCII character one
//! byte no pattern contains (`Codes`; written by the normaliser in the same pass when the
//! engine asks for it): a Chinese character is two steps instead of three, and the DFA for
//! the benchmark's 5,000 terms shrinks from 14.9 to 11.5 MiB.

use std::collections::HashMap;

/// The byte encoding the automaton reads: ASCII as it is, every other character that occurs in
/// some pattern as two bytes (a lead byte `0xC0..=0xFD`, a trail byte `0x80..=0xBF`), every
/// other character as the single byte [`Codes::OTHER`], which no pattern contains. The byte
/// kinds do not overlap, so a match can only start and end on character boundaries, and the
/// order of matches (leftmost, then longest) is the same as over the normalised UTF-8. A
/// Chinese character costs the automaton two steps instead of three, and its trie a third
/// fewer states: a smaller, faster DFA. Beyond [`Codes::CAPACITY`] distinct characters the
/// matcher reads the normalised UTF-8 itself.
pub(crate) struct Codes {
    /// Distinguishes encodings, so that a [`Normalized`](crate::normalize::Normalized) encoded for another matcher is not
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
    pub(super) const CAPACITY: usize = (Self::OTHER - Self::LEAD) as usize * 64;

    pub(super) fn build(patterns: &[&str]) -> Option<Codes> {
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
    pub(super) fn width(b: u8) -> usize {
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

    pub(super) fn encode_str(&self, s: &str) -> Vec<u8> {
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
    pub(super) fn encode(&self, b: &[u8], out: &mut Vec<u8>) {
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
