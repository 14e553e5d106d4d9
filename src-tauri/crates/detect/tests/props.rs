//! Property tests: offsets always land on character boundaries of the original text, evasions of
//! any term are found, and nothing panics on any input (the fuzz-at-volume target).
//!
//! Case counts scale with `QG_PROPTEST_CASES` (default 256; the fuzz properties run 8× that, the
//! chat fuzzer 2× in debug builds).
//! A heavier run: `QG_PROPTEST_CASES=20000 cargo test -p qunguan-detect --release --test props`.

use std::sync::OnceLock;

use proptest::prelude::*;
use qunguan_detect::normalize::normalize;
use qunguan_detect::{Engine, Lexicon, scan_jsonl};

fn cases(mult: u32) -> ProptestConfig {
    let base: u32 = std::env::var("QG_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases: base.saturating_mul(mult), failure_persistence: None, ..ProptestConfig::default() }
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut lex = Lexicon::builtin();
        lex.add_tsv("t.tsv", "drugs\t冰毒\ndrugs\tmeth\nx\tfree money\nx\tAV女优\n").unwrap();
        Engine::new(&lex, Default::default())
    })
}

/// Characters chat is made of, weighted towards the tricky ones.
fn chat_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        3 => proptest::char::range('0', '9'),
        4 => proptest::char::range('\u{4E00}', '\u{9FFF}'),
        3 => proptest::sample::select(vec![
            ' ', '.', '-', '@', '+', '#', '(', ')', '*', '_', '/', ':', 'X', 'x', '\n', '\t',
            '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{00AD}', '\u{FE0F}', '\u{20E3}', '\u{0301}',
            '\u{3000}', '，', '。', '＠', '１', '８', 'Ａ', 'ß', 'İ', 'ﬁ', '①', '㎏', '⼈',
            '💰', '🎰', '👨', '🇨', '𝐚', '𝟏', 'а', 'о', 'с', '網', '賭', '幺', '三', '八',
        ]),
        1 => any::<char>(),
    ]
}

fn chat_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(chat_char(), 0..80).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(cases(1))]

    /// Every normalised byte maps to a character boundary of the original, in order.
    #[test]
    fn offset_map_lands_on_char_boundaries(text in chat_text()) {
        let n = normalize(&text);
        let mut last = 0;
        for i in 0..n.len() {
            let s = n.source(i);
            prop_assert!(s < text.len(), "source {s} inside {text:?}");
            prop_assert!(text.is_char_boundary(s), "source {s} is a boundary of {text:?}");
            prop_assert!(s >= last, "sources are monotonic");
            last = s;
        }
        prop_assert_eq!(n.source(n.len()), text.len());
        // Every char-aligned normalised range maps back to a char-aligned original range.
        let bounds: Vec<usize> = n.as_str().char_indices().map(|(i, _)| i).chain([n.len()]).collect();
        for w in bounds.windows(2) {
            let (s, e) = n.original_span(&text, w[0], w[1]);
            prop_assert!(s < e && e <= text.len());
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
        }
    }

    /// Every finding is a non-empty, char-aligned slice of the original text.
    #[test]
    fn findings_are_slices_of_the_original(text in chat_text()) {
        for f in engine().scan(&text) {
            prop_assert!(f.start < f.end && f.end <= text.len(), "{f:?} in {text:?}");
            prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        }
    }

    /// A term with separators, zero-width characters or emoji between its characters is found,
    /// and its span covers the whole evaded term.
    #[test]
    fn evaded_terms_are_found(
        term in proptest::sample::select(vec!["冰毒", "百家乐", "网络赌博", "meth", "casino", "AV女优"]),
        seps in proptest::collection::vec(proptest::sample::select(vec![
            "", ".", " ", "💰", "\u{200B}", "*", "·", "🎰", "\u{FEFF}", "_", "~",
        ]), 8),
        prefix in proptest::sample::select(vec!["", "来", "hey ", "【", "看"]),
        suffix in proptest::sample::select(vec!["", "吧", " now", "！", "】"]),
        upper in any::<bool>(),
    ) {
        let latin = term.is_ascii();
        // Latin terms: one separator kind everywhere (a spaced-out word), else insertions.
        let mut evaded = String::new();
        for (i, c) in term.chars().enumerate() {
            if i > 0 {
                let sep = if latin && seps[0] == " " { " " } else if latin && seps[i] == " " { "" } else { seps[i] };
                evaded.push_str(sep);
            }
            evaded.push(if upper { c.to_ascii_uppercase() } else { c });
        }
        let text = format!("{prefix}{evaded}{suffix}");
        let start = prefix.len();
        let end = start + evaded.len();
        let found = engine().scan(&text);
        prop_assert!(
            found.iter().any(|f| f.start <= start && f.end >= end - term.chars().last().unwrap().len_utf8() && f.start < end),
            "{term:?} in {text:?}: {found:?}"
        );
    }
}

proptest! {
    #![proptest_config(cases(2))]

    /// The engine's gated personal-data pass finds exactly what a full scan finds.
    #[test]
    fn gated_pii_scan_matches_full_scan(
        parts in proptest::collection::vec(proptest::sample::select(vec![
            "13812345678", "138 1234 5678", "+86-139-1234-5678", "11010519491231002X",
            "4111 1111 1111 1111", "１３８１２３４５６７８", "幺三八一二三四五六七八", "订单号",
            " ", "-", ".", "x", "X", "SF", "电话", "a@b.com", "2024-11-23 13:45", "💰", "\u{200B}",
            "12", "345", "6789", "一", "abc", " at ", " dot ", "(at)", "[dot]", "qq", "com", "#",
            "163.com", "＠", "．", "。", "gmail",
        ]), 0..12)
    ) {
        let text: String = parts.concat();
        let mut full = Vec::new();
        qunguan_detect::pii::scan(&text, usize::MAX, &[], &mut full);
        let mut gated = Vec::new();
        qunguan_detect::pii::scan_normalized(&text, &normalize(&text), &[], &mut gated);
        prop_assert_eq!(full, gated, "{:?}", text);
    }
}

proptest! {
    #![proptest_config(cases(8))]

    /// Fuzz: any Unicode string, no panic.
    #[test]
    fn fuzz_any_string(text in any::<String>()) {
        let _ = engine().scan(&text);
    }

    /// Fuzz: any bytes as a JSONL document and as a lexicon; all-or-nothing, no panic.
    #[test]
    fn fuzz_scan_jsonl(input in proptest::collection::vec(any::<u8>(), 0..200), lex in proptest::collection::vec(any::<u8>(), 0..60)) {
        let input = String::from_utf8_lossy(&input);
        let lex = String::from_utf8_lossy(&lex);
        if let Ok(lines) = scan_jsonl(&input, "in.jsonl", Some(("l.tsv", &lex))) {
            prop_assert!(lines.len() <= input.lines().count());
        }
    }
}

proptest! {
    #![proptest_config(cases(if cfg!(debug_assertions) { 2 } else { 8 }))]

    /// Fuzz: chat-like strings (denser in digits, separators and evasions), no panic.
    /// (The longest-running property in debug builds; it gets the same 8× in `--release` runs
    /// through `QG_PROPTEST_CASES`.)
    #[test]
    fn fuzz_chat(text in proptest::collection::vec(chat_char(), 0..300).prop_map(|v| v.into_iter().collect::<String>())) {
        let _ = engine().scan(&text);
    }

}

proptest! {
    #![proptest_config(cases(1))]

    /// Arbitrary user terms compile and scan; hits are slices of the text.
    #[test]
    fn fuzz_user_lexicons(terms in proptest::collection::vec(chat_text(), 1..6), text in chat_text()) {
        let mut lex = Lexicon::empty();
        for t in &terms {
            let _ = lex.add_term("c", t, qunguan_detect::lexicon::Origin::User);
        }
        let m = lex.compile();
        let n = normalize(&text);
        let mut hits = Vec::new();
        m.find(&text, &n, &mut hits);
        for h in hits {
            prop_assert!(h.start < h.end && text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
        }
    }
}

#[test]
fn huge_and_degenerate_inputs_do_not_panic() {
    let e = engine();
    for text in [
        "1 ".repeat(20_000),
        "8".repeat(100_000),
        "@".repeat(10_000),
        "a@".repeat(10_000),
        "百.".repeat(20_000),
        "\u{200B}".repeat(10_000),
        "https://".repeat(5_000),
        "(at)".repeat(5_000),
        "x".repeat(200_000),
        "1️⃣".repeat(5_000),
        "13812345678 a.com ".repeat(10_000),
        "他叫王小明，电话13812345678，住在中山路8号。".repeat(2_000),
        "a@b.com @x ".repeat(10_000),
    ] {
        let _ = e.scan(&text);
    }
}
