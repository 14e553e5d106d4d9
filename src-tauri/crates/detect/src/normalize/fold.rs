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

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Punctuation that ordinary prose puts between words (as opposed to characters inserted
/// into a word to break it up).
pub(super) const fn is_natural_punct(c: char) -> bool {
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

/// The fold of one character (the slow path that fills the table).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fold {
    Same,
    Out(String),
    Ignore,
    Natural,
    Insert,
}

fn decancer_options() -> decancer::Options {
    decancer::Options::default().retain_chinese().retain_japanese().retain_korean()
}

pub(super) fn fold_char(c: char) -> Fold {
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
pub(super) fn is_attached(c: char) -> bool {
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
