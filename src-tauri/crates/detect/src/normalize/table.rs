//! # Speed: the fold table
//!
//! The per-character fold for the Basic Multilingual Plane and the Supplementary Multilingual
//! Plane (emoji, math alphanumerics) is computed once into a 128 Ki-entry table
//! ([`std::sync::OnceLock`], built on first use, ~0.5 MiB); rarer planes fold on the fly.
//! ASCII has its own 128-entry table. Text is copied through unchanged where the table says
//! "identity", so plain Chinese and lower-case English cost one lookup per character.

use std::sync::OnceLock;

use super::fold::{Fold, fold_char, is_chinese_numeral, is_natural_punct};

pub(super) const A_NATURAL: u16 = 1;
pub(super) const A_INSERT: u16 = 2;
const A_IGNORE: u16 = 3;

/// ASCII fold: low byte = output byte when the high byte is 0, else a class.
pub(super) static ASCII: [u16; 128] = build_ascii();

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Tag {
    Same,
    One,
    Many,
    Ignore,
    Natural,
    Insert,
}

/// One table entry: tag in the top 3 bits, payload (a char, or pool offset << 8 | len) below.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Entry(pub(super) u32);

impl Entry {
    const fn new(tag: Tag, payload: u32) -> Self {
        Entry(((tag as u32) << 29) | payload)
    }
    pub(super) fn tag(self) -> Tag {
        match self.0 >> 29 {
            0 => Tag::Same,
            1 => Tag::One,
            2 => Tag::Many,
            3 => Tag::Ignore,
            4 => Tag::Natural,
            _ => Tag::Insert,
        }
    }
    pub(super) fn char(self) -> char {
        char::from_u32(self.0 & 0x1F_FFFF).unwrap_or('\u{FFFD}')
    }
}

pub(super) struct Table {
    /// Entries for U+0000..U+1FFFF.
    pub(super) entries: Vec<Entry>,
    /// Multi-character outputs, concatenated.
    pool: String,
    /// One bit per Basic Multilingual Plane code point: set when the character folds to itself
    /// and is not a Chinese numeral (a `Same` entry with payload 0).
    pub(super) plain: Box<[u64; 1024]>,
}

/// Planes 0 and 1 are tabled.
const TABLED: u32 = 0x2_0000;

impl Table {
    pub(super) fn lookup(&self, c: char) -> Entry {
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

    pub(super) fn pool_str(&self, e: Entry) -> &str {
        let p = e.0 & 0x1FFF_FFFF;
        let off = (p >> 8) as usize;
        let len = (p & 0xFF) as usize;
        &self.pool[off..off + len]
    }
}

pub(super) fn table() -> &'static Table {
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
