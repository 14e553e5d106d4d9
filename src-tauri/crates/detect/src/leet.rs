//! Leetspeak: digits and symbols standing in for letters inside a word (`p0rn`, `ca$ino`,
//! `c@sino`, `v1agra`, `h3ro1n`).
//!
//! # How
//!
//! [`fold`](crate::leet::fold) makes a *second view* of the original text in which such characters are replaced by
//! the letters they stand for, **byte for byte** (an ASCII character by an ASCII letter, a
//! full-width one by a full-width letter), so every byte offset of the view is the offset of the
//! same character in the original. The engine normalises the view and runs the same automaton
//! over it, and keeps only the hits that cover a replaced character and that the ordinary pass
//! did not already report. The ordinary view is untouched, so the personal-data detectors
//! (phones, IDs, cards, e-mail addresses) never see the replaced text, and the cost is paid only
//! by messages in which the normaliser saw letters glued to digits or one of `$ @ ! |` inside a
//! word ([`crate::normalize::signals::LEET`]).
//!
//! # Which characters are replaced
//!
//! A *token* is a maximal run of letters (of scripts written with spaces), digits and the
//! symbols `$ @ ! |` (and their full-width forms); zero-width characters and combining marks
//! inside it are transparent. In a token with at least two letters and no more replacements than
//! letters:
//!
//! | character | becomes | where in the token |
//! | --- | --- | --- |
//! | `0 1 3 4 5 6 7 8 9` | `o i/l e a s g t b g` | one digit or a doubled one (`b00bs`; not `l10n`) that does not end the token, or a single last digit after another replacement (`c0ca1n3`) |
//! | `$` | `s` | followed by a letter (`$ex`, `ca$ino`; not `US$50`) |
//! | `@` | `a` | between letters or digits, and not before a `.` ending the token (e-mail) |
//! | `!` | `i` | between letters or digits |
//! | <code>&#124;</code> | `l` | between letters or digits |
//!
//! `1` stands for `i` (`v1agra`) or `l` (`1oli`): the engine tries `i` first and `l` on the
//! tokens that had a `1`. `2` has no letter. What stays: runs of three or more digits (order
//! numbers, prices, years: `SF1234`, `RMB500`, `2024year`), trailing digits (`casino88`,
//! `iPhone15`, `mp3`, `v1` of `v1.2.3`) unless something else in the token was replaced, tokens with one letter (`4u`, `a55`, `$5k`, `5G`),
//! leading `@` (mentions) and e-mail addresses (`john@qq.com`: the token is followed by `.`).

use crate::normalize::{is_cjk, is_default_ignorable};

/// What a character is inside a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    /// A digit 0–9.
    Digit(u8),
    /// One of `$ @ ! |` (full-width forms mapped to ASCII).
    Sym(u8),
    /// Zero-width, combining: belongs to the token, takes no part in its rules.
    Transparent,
    /// Ends the token.
    Break,
}

fn class(c: char) -> Class {
    if c.is_ascii() {
        return match c {
            'a'..='z' | 'A'..='Z' => Class::Letter,
            '0'..='9' => Class::Digit(c as u8 - b'0'),
            '$' | '@' | '!' | '|' => Class::Sym(c as u8),
            _ => Class::Break,
        };
    }
    if is_cjk(c) {
        return Class::Break;
    }
    let cp = c as u32;
    match cp {
        0xFF10..=0xFF19 => Class::Digit((cp - 0xFF10) as u8),
        0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Class::Letter,
        0xFF04 => Class::Sym(b'$'),
        0xFF20 => Class::Sym(b'@'),
        0xFF01 => Class::Sym(b'!'),
        0xFF5C => Class::Sym(b'|'),
        _ if is_default_ignorable(c) => Class::Transparent,
        // Scripts with letters (Latin, Greek, Cyrillic, … and their combining marks) and the
        // math alphanumerics: ask Unicode. Everything else (CJK punctuation, symbols, emoji,
        // the rest of the full-width block) ends a token without a table lookup.
        0x80..=0x1FFF | 0x1D400..=0x1D7FF => {
            if is_mark(c) {
                Class::Transparent
            } else if c.is_alphabetic() {
                Class::Letter
            } else {
                Class::Break
            }
        }
        0x20D0..=0x20FF | 0xFE20..=0xFE2F => Class::Transparent,
        0x24B6..=0x24E9 => Class::Letter,
        _ => Class::Break,
    }
}

fn is_mark(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    matches!(c.general_category(), G::NonspacingMark | G::EnclosingMark) || c == '\u{20E3}'
}

/// The letter a digit stands for (`one` for `1`), if any.
fn digit_letter(d: u8, one: u8) -> Option<u8> {
    Some(match d {
        0 => b'o',
        1 => one,
        3 => b'e',
        4 => b'a',
        5 => b's',
        6 | 9 => b'g',
        7 => b't',
        8 => b'b',
        _ => return None,
    })
}

fn sym_letter(s: u8) -> u8 {
    match s {
        b'$' => b's',
        b'@' => b'a',
        b'!' => b'i',
        _ => b'l',
    }
}

/// Reusable buffers for [`fold`].
#[derive(Debug, Default, Clone)]
pub struct Leet {
    /// The view: the original text with replacements (same length, valid UTF-8).
    view: Vec<u8>,
    /// Original byte offsets of the replaced characters, ascending.
    marks: Vec<usize>,
    /// Whether some replaced character was a `1`.
    had_one: bool,
    /// The current token: (byte offset, byte length, class), transparent characters left out.
    token: Vec<(usize, usize, Class)>,
}

impl Leet {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The view built by the last [`fold`] (empty if nothing was replaced).
    pub fn view(&self) -> &str {
        std::str::from_utf8(&self.view).unwrap_or("")
    }

    /// Original byte offsets of the replaced characters, ascending.
    pub fn marks(&self) -> &[usize] {
        &self.marks
    }

    /// Whether a `1` was replaced (so a second view with `1` → `l` is worth making).
    pub fn had_one(&self) -> bool {
        self.had_one
    }

    /// Whether a replaced character lies in the byte range `start..end`.
    pub fn covers(&self, start: usize, end: usize) -> bool {
        let i = self.marks.partition_point(|&m| m < start);
        self.marks.get(i).is_some_and(|&m| m < end)
    }
}

/// Build the leet view of `text` into `leet`, `1` standing for `one` (`b'i'` or `b'l'`).
/// Returns whether anything was replaced; if not, the view is empty.
pub fn fold(text: &str, one: u8, leet: &mut Leet) -> bool {
    leet.view.clear();
    leet.marks.clear();
    leet.had_one = false;
    leet.token.clear();
    let bytes = text.as_bytes();
    // Whether the current token has a digit or symbol (a token of letters only is left alone
    // without being judged).
    let mut mixed = false;
    let mut i = 0;
    loop {
        let (c, w) = match bytes.get(i) {
            None => (Class::Break, 0),
            Some(&b) if b < 0x80 => (ASCII_CLASS[b as usize], 1),
            // U+3000..U+9FFF (CJK punctuation, kana, ideographs): no need to decode.
            Some(&(0xE3..=0xE9)) => (Class::Break, 3),
            Some(_) => match text[i..].chars().next() {
                Some(ch) => (class(ch), ch.len_utf8()),
                None => (Class::Break, 0),
            },
        };
        match c {
            Class::Transparent => {}
            Class::Letter => leet.token.push((i, w, c)),
            Class::Digit(_) | Class::Sym(_) => {
                mixed = true;
                leet.token.push((i, w, c));
            }
            Class::Break => {
                if mixed {
                    // The character after the token: `.` after a token with `@` is an e-mail.
                    let after_dot = bytes.get(i) == Some(&b'.') || text[i..].starts_with(['．', '。']);
                    token(text, one, after_dot, leet);
                }
                leet.token.clear();
                mixed = false;
                if w == 0 {
                    break;
                }
            }
        }
        i += w;
    }
    if leet.marks.is_empty() {
        leet.view.clear();
        return false;
    }
    true
}

/// [`class`] of every ASCII character.
static ASCII_CLASS: [Class; 128] = {
    let mut t = [Class::Break; 128];
    let mut b = 0u8;
    while b < 128 {
        t[b as usize] = match b {
            b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
            b'0'..=b'9' => Class::Digit(b - b'0'),
            b'$' | b'@' | b'!' | b'|' => Class::Sym(b),
            _ => Class::Break,
        };
        b += 1;
    }
    t
};

/// Judge one token and write its replacements into the view.
fn token(text: &str, one: u8, after_dot: bool, leet: &mut Leet) {
    let t = &leet.token;
    let letters = t.iter().filter(|x| x.2 == Class::Letter).count();
    if letters < 2 || t.len() == letters {
        return;
    }
    let wordish = |k: usize| matches!(t.get(k).map(|x| x.2), Some(Class::Letter | Class::Digit(_)));
    let mut subs: Vec<(usize, usize, u8)> = Vec::new();
    let mut k = 0;
    while k < t.len() {
        match t[k].2 {
            Class::Digit(_) => {
                let mut e = k;
                while e < t.len() && matches!(t[e].2, Class::Digit(_)) {
                    e += 1;
                }
                // A trailing single digit only in a token with other replacements (`c0ca1n3`,
                // not `web3`).
                let trailing_ok = e == t.len() && e - k == 1 && !subs.is_empty();
                // Two digits only when doubled (`b00bs`, `l33t`), not numeronyms (`l10n`, `i18n`).
                let doubled = e - k == 1 || t[k].2 == t[k + 1].2;
                if e - k <= 2 && doubled && (e < t.len() || trailing_ok) {
                    for x in &t[k..e] {
                        if let Class::Digit(d) = x.2
                            && let Some(l) = digit_letter(d, one)
                        {
                            subs.push((x.0, x.1, l));
                        }
                    }
                }
                k = e;
                continue;
            }
            Class::Sym(s) => {
                let ok = match s {
                    b'$' => matches!(t.get(k + 1).map(|x| x.2), Some(Class::Letter)),
                    b'@' => k > 0 && wordish(k - 1) && wordish(k + 1) && !after_dot,
                    _ => k > 0 && wordish(k - 1) && wordish(k + 1),
                };
                if ok {
                    subs.push((t[k].0, t[k].1, sym_letter(s)));
                }
            }
            _ => {}
        }
        k += 1;
    }
    if subs.is_empty() || subs.len() > letters {
        return;
    }
    if leet.view.is_empty() {
        leet.view.extend_from_slice(text.as_bytes());
    }
    for (at, len, l) in subs {
        if text.as_bytes()[at] == b'1' || text[at..].starts_with('１') {
            leet.had_one = true;
        }
        if len == 1 {
            leet.view[at] = l;
        } else {
            // Full-width: the full-width lower-case letter, also three bytes (U+FF41 + n).
            let mut buf = [0u8; 4];
            let s = char::from_u32(0xFF41 + (l - b'a') as u32).unwrap_or('ｏ').encode_utf8(&mut buf);
            if s.len() == len {
                leet.view[at..at + len].copy_from_slice(s.as_bytes());
            } else {
                continue;
            }
        }
        leet.marks.push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> String {
        let mut l = Leet::new();
        if fold(text, b'i', &mut l) { l.view().to_owned() } else { text.to_owned() }
    }

    /// (input, leet view with `1` → `i`): replacements and what must stay.
    const CASES: &[(&str, &str)] = &[
        ("p0rn", "porn"),
        ("ca$ino", "casino"),
        ("c@sino", "casino"),
        ("v1agra", "viagra"),
        ("h3ro1n", "heroin"),
        ("b00bs", "boobs"),
        ("$ex now", "sex now"),
        ("5ex", "sex"),
        ("v!agra", "viagra"),
        ("VIAGR4 sale", "VIAGR4 sale"), // trailing digit stays
        ("c4sino88", "casino88"),
        ("c0ca1n3", "cocaine"),
        ("l10n i18n k8s", "l10n i18n kbs"),
        ("h3ll0 w0rld", "hello world"),
        ("ｐ０ｒｎ", "ｐｏｒｎ"),
        ("ｐ！ｃｓ", "ｐｉｃｓ"),
        ("好！ok！", "好！ok！"),
        ("саs1nо", "саsinо"), // Cyrillic letters count as letters
        ("p\u{200B}0rn", "p\u{200B}orn"),
        // what must stay
        ("v1.2.3", "v1.2.3"),
        ("upgrade to v2.13.1", "upgrade to v2.13.1"),
        ("zhangwei@qq.com", "zhangwei@qq.com"),
        ("john.smith@gmail.com", "john.smith@gmail.com"),
        ("@alice hi", "@alice hi"),
        ("price $5 or $5k or US$50", "price $5 or $5k or US$50"),
        ("SF1234567890", "SF1234567890"),
        ("订单A20231126", "订单A20231126"),
        ("RMB500", "RMB500"),
        ("iPhone15 win10 mp3 x86 4u a55", "iPhone15 win10 mp3 x86 4u a55"),
        ("13812345678", "13812345678"),
        ("hello!", "hello!"),
        ("wow! great", "wow! great"),
        ("a|b", "alb"), // two letters, one replacement
    ];

    #[test]
    fn table() {
        for (input, want) in CASES {
            assert_eq!(view(input), *want, "leet view of {input:?}");
        }
    }

    #[test]
    fn view_keeps_every_byte_offset_and_marks_replacements() {
        for (input, _) in CASES {
            let mut l = Leet::new();
            if fold(input, b'l', &mut l) {
                assert_eq!(l.view().len(), input.len(), "{input:?}");
                for (i, _) in input.char_indices() {
                    assert!(l.view().is_char_boundary(i), "{input:?} at {i}");
                }
                assert!(l.marks().windows(2).all(|w| w[0] < w[1]));
            }
        }
        let mut l = Leet::new();
        assert!(fold("h3ro1n", b'l', &mut l));
        assert_eq!(l.view(), "herolm".replace('m', "n"), "1 → l in the second view");
        assert_eq!(l.marks(), &[1, 4]);
        assert!(l.had_one());
        assert!(l.covers(0, 2) && !l.covers(2, 4) && l.covers(4, 6));
    }

    #[test]
    fn normaliser_signal_covers_every_replacement() {
        use crate::normalize::{normalize, signals::LEET};
        for (input, _) in CASES {
            let mut l = Leet::new();
            if fold(input, b'i', &mut l) {
                assert!(normalize(input).signals() & LEET != 0, "gate misses {input:?}");
            }
        }
        assert_eq!(normalize("今天天气不错，hello world 13812345678！c@sino").signals() & LEET, LEET);
        for quiet in ["今天天气不错，hello world 13812345678！", "a@b.com", "abc123 mp3 l10n 2024year", "v1.2.3"]
        {
            assert_eq!(normalize(quiet).signals() & LEET, 0, "{quiet:?}");
        }
    }
}
