//! Personal-data detectors: mainland resident IDs, mainland mobile numbers, payment cards,
//! e-mail addresses, and doxxing (a name or address paired with an ID or phone number).
//!
//! # Design
//!
//! Numbers are validated, not just shaped, so that the numbers chat is full of (order numbers,
//! timestamps, prices, version strings, tracking numbers, IP addresses) are not flagged:
//!
//! * `numbers` cuts the text into digit runs and their groups, remembering what touches them.
//! * Every contiguous range of groups is tried, longest first from the left, so that
//!   `联系 13812345678 13987654321` yields two phones and `订单 2 13812345678` still yields one.
//! * `cn_id`: 18 characters, GB 11643 check digit, a province code, a real birth date; or
//!   the first-generation 15 digits (`YYMMDD` in the 1900s, no check digit), which also need an
//!   ID word (`身份证`, `证件号`, `ID`, …) within 20 characters before or 10 after.
//! * `cn_mobile`: 11 digits in the current numbering plan, optional `+86`/`86`/`0086`.
//!   There is no checksum, so a number right after "订单号", "tracking", etc. is not a phone.
//! * `bank_card`: 13–19 digits, Luhn, and an issuer prefix valid for that length.
//! * Groups must look like how people write these numbers (each group ≥ 3 digits; dots only as
//!   `138.1234.5678`), which rules out dates, times, versions and IP addresses.
//! * A run glued to a letter (`SF1234…`, `v13812345678`) is a code, not personal data. Numbers
//!   inside a URL are the URL's, not a person's (the caller passes URL spans to skip).
//!
//! Nothing here logs or keeps the data: hits are spans into the caller's text.

pub(crate) mod bank_card;
pub(crate) mod cn_id;
pub(crate) mod cn_mobile;
pub(crate) mod doxxing;
pub(crate) mod email;
pub(crate) mod numbers;

use crate::finding::Kind;
use crate::normalize::Normalized;
use numbers::{Candidate, Group};

/// A personal-data hit: kind and original byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiHit {
    /// Which kind of personal data.
    pub kind: Kind,
    /// Byte offsets into the scanned text.
    pub start: usize,
    /// Byte offsets into the scanned text.
    pub end: usize,
}

/// Find personal data in `text`. `digits` is how many digits the text has (from normalisation;
/// pass `usize::MAX` if unknown); `skip` lists byte spans (URLs) whose numbers are not reported.
pub fn scan(text: &str, digits: usize, skip: &[(usize, usize)], out: &mut Vec<PiiHit>) {
    let before = out.len();
    if digits >= 11 {
        let mut cands = Vec::new();
        numbers::candidates(text, 11, &mut cands);
        for c in &cands {
            evaluate(text, c, out);
        }
    }
    finish(text, before, skip, true, out);
}

/// [`scan`] for a text already normalised (by the engine): numbers are only looked for where the
/// normalised text has a run of at least 11 digits (separators are gone there, so every phone,
/// ID or card number is such a run), which skips the digit scan for almost every message.
pub fn scan_normalized(text: &str, norm: &Normalized, skip: &[(usize, usize)], out: &mut Vec<PiiHit>) {
    let before = out.len();
    if !norm.long_digit_runs().is_empty() {
        let mut cands = Vec::new();
        for (s, e) in digit_regions(text, norm) {
            numbers::candidates_in(text, s, e, 11, &mut cands);
        }
        cands.dedup();
        for c in &cands {
            evaluate(text, c, out);
        }
    }
    // An address needs an "at" (`@`, `＠`, `#`, the word `at`) and a dot (`.`, `．`, `。`, the
    // word `dot`); the normaliser noted which of those characters the text has.
    use crate::normalize::signals::{AT, DOT, HASH, T, WIDE_DOT};
    let s = norm.signals();
    // Spelled-out forms (` at `, ` dot `) need a `t`; without one only the signs count.
    let emails = if s & T != 0 {
        email::possible(text, s & (AT | HASH) != 0, s & (DOT | WIDE_DOT) != 0)
    } else {
        s & (AT | HASH) != 0 && s & (DOT | WIDE_DOT) != 0
    };
    finish(text, before, skip, emails, out);
}

/// Original byte ranges of the normalised runs of at least 11 digits (ASCII or Chinese
/// numerals), which the normaliser listed.
fn digit_regions<'a>(text: &'a str, norm: &'a Normalized) -> impl Iterator<Item = (usize, usize)> + 'a {
    norm.long_digit_runs().iter().map(move |&(s, e)| {
        // The last digit is one ASCII byte or a three-byte numeral.
        let last = if norm.as_bytes()[e - 1] < 0x80 { e - 1 } else { e - 3 };
        (norm.source(s), norm.original_span(text, last, e).1)
    })
}

fn finish(text: &str, before: usize, skip: &[(usize, usize)], emails: bool, out: &mut Vec<PiiHit>) {
    if emails {
        email::find(text, out);
    }
    out[before..].sort_by_key(|h| (h.start, h.end));
    if !skip.is_empty() {
        // Both lists are sorted by start (URLs come out of the text in order): one sweep.
        let mut k = 0;
        let mut w = before;
        for r in before..out.len() {
            let h = out[r];
            while k < skip.len() && skip[k].1 <= h.start {
                k += 1;
            }
            let inside = skip[k..].iter().take_while(|&&(s, _)| s < h.end).any(|&(_, e)| h.start < e);
            if h.kind == Kind::Email || !inside {
                out[w] = h;
                w += 1;
            }
        }
        out.truncate(w);
    }
}

fn evaluate(text: &str, cand: &Candidate, out: &mut Vec<PiiHit>) {
    let n = cand.groups.len();
    let mut i = 0;
    'outer: while i < n {
        // Only ranges of at most 19 digits can be anything: bound the work per start.
        let mut last = i;
        while last + 1 < n && cand.groups[last + 1].to - cand.groups[i].from <= 19 {
            last += 1;
        }
        for j in (i..=last).rev() {
            if let Some(hit) = classify(text, cand, i, j) {
                out.push(hit);
                i = j + 1;
                continue 'outer;
            }
        }
        i += 1;
    }
}

fn classify(text: &str, cand: &Candidate, i: usize, j: usize) -> Option<PiiHit> {
    let groups = &cand.groups[i..=j];
    let first = &groups[0];
    let last = &groups[groups.len() - 1];
    let digits = &cand.digits[first.from..last.to];
    let at_start = i == 0;
    let at_end = j + 1 == cand.groups.len();
    if digits.len() < 11 || digits.len() > 19 || (at_start && cand.glued_before) {
        return None;
    }
    if at_end && cand.glued_after {
        return None;
    }
    let x = if at_end { cand.x_suffix } else { None };
    let lens: Vec<usize> = groups.iter().map(Group::len).collect();
    // Digits written one by one (`1 3 8 1 2 …`) are a deliberate spelling, not a list.
    let spaced = lens.iter().all(|&l| l == 1);
    let min3 = spaced || lens.iter().all(|&l| l >= 3);
    // Resident ID: 17 digits + X, or 18 digits.
    if let Some((_, xe)) = x {
        if digits.len() == 17 && min3 && cn_id::valid(digits, 10) {
            return Some(hit(Kind::CnResidentId, first.start, xe));
        }
        // A trailing X that is not a check character glues the run to a word.
        return None;
    }
    if digits.len() == 18 && min3 && cn_id::valid(&digits[..17], digits[17]) {
        return Some(hit(Kind::CnResidentId, first.start, last.end));
    }
    // First-generation resident ID: 15 digits, no check digit, so a context word is required.
    if digits.len() == 15
        && min3
        && cn_id::valid15(digits)
        && id_context(text, first.start, last.end)
        && !negative_context(text, first.start)
    {
        return Some(hit(Kind::CnResidentId, first.start, last.end));
    }
    // Mobile.
    let plus = if at_start { cand.plus } else { None };
    let prefix = match (digits.len(), plus.is_some()) {
        (11, false) => Some(0),
        (13, _) if digits.starts_with(&[8, 6]) => Some(2),
        (15, false) if digits.starts_with(&[0, 0, 8, 6]) => Some(4),
        _ => None,
    };
    if let Some(p) = prefix
        && cn_mobile::valid(&digits[p..])
        && phone_groups_ok(groups, p)
        && !negative_context(text, plus.unwrap_or(first.start))
    {
        return Some(hit(Kind::CnMobile, plus.unwrap_or(first.start), last.end));
    }
    // Payment card.
    let card_groups = spaced || (lens[..lens.len() - 1].iter().all(|&l| l >= 3) && lens[lens.len() - 1] >= 2);
    if plus.is_none()
        && (13..=19).contains(&digits.len())
        && card_groups
        && bank_card::valid(digits)
        && !negative_context(text, first.start)
    {
        return Some(hit(Kind::BankCard, first.start, last.end));
    }
    None
}

fn hit(kind: Kind, start: usize, end: usize) -> PiiHit {
    PiiHit { kind, start, end }
}

/// Groups of a phone number after its country code: each at least 3 digits, and `3-4-4`
/// when written with dots.
fn phone_groups_ok(groups: &[Group], prefix: usize) -> bool {
    let mut lens: Vec<usize> = groups.iter().map(Group::len).collect();
    let mut dots: Vec<bool> = groups.iter().map(|g| g.dot_before).collect();
    let mut p = prefix;
    while p > 0 && !lens.is_empty() {
        if lens[0] <= p {
            p -= lens[0];
            lens.remove(0);
            dots.remove(0);
            if let Some(d) = dots.first_mut() {
                *d = false; // the separator after the country code may be anything
            }
        } else {
            lens[0] -= p;
            p = 0;
        }
    }
    if lens.iter().all(|&l| l == 1) {
        return true;
    }
    if lens.iter().any(|&l| l < 3) {
        return false;
    }
    !dots.iter().any(|&d| d) || lens == [3, 4, 4]
}

/// Words that, right before a number, say it is a reference rather than a person's.
const NOT_PERSONAL: [&str; 30] = [
    "订单",
    "订单号",
    "单号",
    "编号",
    "运单",
    "快递",
    "物流",
    "流水号",
    "工单",
    "发票",
    "发票号",
    "交易号",
    "序列号",
    "批次",
    "批号",
    "货号",
    "型号",
    "order",
    "order no",
    "order number",
    "order id",
    "tracking",
    "tracking no",
    "tracking number",
    "invoice",
    "ref",
    "reference",
    "serial",
    "serial no",
    "sku",
];

/// Words that say a number is an identity number.
const ID_WORDS: [&str; 10] =
    ["身份证", "身份號", "身份号", "证件号", "證件號", "身分證", "id card", "identity", "id no", "id"];

/// Whether an ID word is within 20 characters before `start` or 10 after `end` (`身份证：…`,
/// `… 是我的身份证号`). Latin words must stand alone (`paid` is not `id`).
fn id_context(text: &str, start: usize, end: usize) -> bool {
    let before: String = text[..start].chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[end..].chars().take(10).collect();
    [before, after].iter().any(|w| {
        let w = w.to_lowercase();
        ID_WORDS.iter().any(|k| {
            w.match_indices(k).any(|(i, _)| {
                !k.is_ascii()
                    || (w[..i].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric())
                        && w[i + k.len()..].chars().next().is_none_or(|c| !c.is_ascii_alphabetic()))
            })
        })
    })
}

fn negative_context(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | '=' | '是' | '为' | '.' | '#' | '＃')
    });
    // Compared on bytes, ASCII case-insensitively: no allocation per number.
    let b = before.as_bytes();
    NOT_PERSONAL.iter().any(|k| {
        let k = k.as_bytes();
        b.len() >= k.len()
            && b[b.len() - k.len()..].eq_ignore_ascii_case(k)
            && (!k[0].is_ascii_alphabetic() || b.len() == k.len() || !b[b.len() - k.len() - 1].is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-run scan the normaliser replaced (kept as the reference): original byte
    /// ranges of the normalised runs of at least `min` digits.
    fn digit_regions_by_scan(text: &str, norm: &Normalized, min: usize) -> Vec<(usize, usize)> {
        let b = norm.as_bytes();
        let mut out = Vec::new();
        let (mut run_start, mut run_len, mut last) = (0usize, 0usize, 0usize);
        let mut i = 0;
        while i <= b.len() {
            let (is_digit, w) = match b.get(i) {
                None => (false, 1),
                Some(&c) if c < 0x80 => (c.is_ascii_digit(), 1),
                Some(_) if norm.numeral_count() == 0 => (false, 1),
                Some(_) => match crate::normalize::decode_at(b, i) {
                    Some(ch) => (crate::normalize::is_chinese_numeral(ch), ch.len_utf8()),
                    None => (false, 1),
                },
            };
            if is_digit {
                if run_len == 0 {
                    run_start = i;
                }
                run_len += 1;
                last = i;
            } else {
                if run_len >= min {
                    let (s, _) = norm.original_span(text, run_start, run_start + 1);
                    let (_, e) = norm.original_span(text, last, last + 1);
                    out.push((s, e));
                }
                run_len = 0;
            }
            i += w;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Random digit-heavy text: the runs the normaliser lists are the ones a scan finds.
        #[test]
        fn long_digit_runs_match_a_byte_scan_on_random_text(
            v in proptest::collection::vec(proptest::sample::select(vec![
                "1", "3", "8", "0", "一", "三", "八", "幺", "〇", "貳", "１", "３", "①", "⑩", "㈠", " ", "-", ".",
                "\u{200B}", "a", "X", "中", "💰", "+", "Ｘ", "\u{20E3}",
            ]), 0..60)
        ) {
            let text: String = v.concat();
            let n = crate::normalize::normalize(&text);
            let got: Vec<(usize, usize)> = digit_regions(&text, &n).collect();
            proptest::prop_assert_eq!(got, digit_regions_by_scan(&text, &n, 11));
        }
    }

    #[test]
    fn long_digit_runs_match_a_byte_scan() {
        for text in [
            "电话13812345678",
            "138 1234 5678 和 13987654321",
            "幺三八一二三四五六七八",
            "一三八1234五六七八",
            "ＩＤ１１０１０１１９９００３０７１２３Ｘ",
            "①③⑧①②③④⑤⑥⑦⑧ ok",
            "1234567890 1234567890a12345678901",
            "订单 2 13812345678",
            "abc12345678901def 一二三四五六七八九〇一",
            "⑩⑪⑫⑬⑭⑮",
            "1\u{200B}3812345678 x",
            "",
        ] {
            let n = crate::normalize::normalize(text);
            let got: Vec<(usize, usize)> = digit_regions(text, &n).collect();
            assert_eq!(got, digit_regions_by_scan(text, &n, 11), "{text:?}");
        }
    }

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        let mut out = Vec::new();
        scan(text, usize::MAX, &[], &mut out);
        out.iter().map(|h| (h.kind, &text[h.start..h.end])).collect()
    }

    /// (text, expected hits). Valid test numbers are synthetic (checksums computed).
    const CASES: &[(&str, &[(Kind, &str)])] = &[
        // resident IDs
        ("身份证 11010519491231002X 请核实", &[(Kind::CnResidentId, "11010519491231002X")]),
        ("id: 110105 19491231 002x", &[(Kind::CnResidentId, "110105 19491231 002x")]),
        ("号码110105-19491231-002X", &[(Kind::CnResidentId, "110105-19491231-002X")]),
        ("１１０１０５１９４９１２３１００２Ｘ", &[(Kind::CnResidentId, "１１０１０５１９４９１２３１００２Ｘ")]),
        ("11010519491231002Y", &[]),
        ("110105194912310021", &[]), // wrong check digit
        ("110105194902300025", &[]), // 30 February
        // first-generation (15 digits): only with a context word
        ("身份证 110105491231002", &[(Kind::CnResidentId, "110105491231002")]),
        ("旧身份证号：110105 491231 002 请核实", &[(Kind::CnResidentId, "110105 491231 002")]),
        ("ID: 440305920229123", &[(Kind::CnResidentId, "440305920229123")]),
        ("110105491231002 是他的身份证", &[(Kind::CnResidentId, "110105491231002")]),
        ("110105491231002", &[]),               // no context
        ("paid 110105491231002", &[]),          // `id` inside a word
        ("身份证 110105491331002", &[]),        // month 13
        ("身份证 990105491231002", &[]),        // no province
        ("订单号 110105491231002 身份证", &[]), // a reference number
        // mobiles
        ("call 13812345678 now", &[(Kind::CnMobile, "13812345678")]),
        ("电话：138 1234 5678", &[(Kind::CnMobile, "138 1234 5678")]),
        ("+86 138-1234-5678", &[(Kind::CnMobile, "+86 138-1234-5678")]),
        ("8613812345678", &[(Kind::CnMobile, "8613812345678")]),
        ("(+86)19912345678", &[(Kind::CnMobile, "+86)19912345678")]),
        ("138.1234.5678", &[(Kind::CnMobile, "138.1234.5678")]),
        ("联系 13812345678 或 13987654321", &[(Kind::CnMobile, "13812345678"), (Kind::CnMobile, "13987654321")]),
        ("12812345678", &[]), // no 12x numbers
        ("15412345678", &[]), // 154 unallocated
        ("订单号：13812345678", &[]),
        ("tracking 13812345678", &[]),
        ("SF13812345678", &[]),
        ("加vx13812345678", &[(Kind::CnMobile, "13812345678")]),
        ("tel13812345678", &[(Kind::CnMobile, "13812345678")]),
        ("13812345678wx同号", &[(Kind::CnMobile, "13812345678")]),
        ("YT13812345678", &[]),
        ("1381234567890", &[]), // too long
        ("1.3.8.1234.5678", &[]),
        ("1 3 8 1 2 3 4 5 6 7 8", &[(Kind::CnMobile, "1 3 8 1 2 3 4 5 6 7 8")]),
        ("138💰1234💰5678", &[(Kind::CnMobile, "138💰1234💰5678")]),
        ("138*1234*5678", &[(Kind::CnMobile, "138*1234*5678")]),
        ("2024/11/23", &[]),
        // cards
        ("卡号 6222 0212 3456 7890 128", &[(Kind::BankCard, "6222 0212 3456 7890 128")]),
        ("visa 4111 1111 1111 1111", &[(Kind::BankCard, "4111 1111 1111 1111")]),
        ("4111111111111112", &[]), // Luhn fails
        ("1700000000000", &[]),    // a millisecond timestamp
        ("2023112612345678", &[]), // date-prefixed order number
        // hard negatives
        ("price ¥1,299.00 and 13,800,000", &[]),
        ("version 13.8.1234 build 5678", &[]),
        ("2024-11-23 13:45:12", &[]),
        ("ip 192.168.100.123", &[]),
    ];

    #[test]
    fn table() {
        for (text, want) in CASES {
            assert_eq!(kinds(text), want.to_vec(), "scanning {text:?}");
        }
    }

    #[test]
    fn url_spans_are_skipped() {
        let text = "https://shop.example/item/13812345678";
        let mut out = Vec::new();
        scan(text, usize::MAX, &[(0, text.len())], &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
