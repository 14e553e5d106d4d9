use unicode_properties::UnicodeGeneralCategory;

use super::fold::is_attached;
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
