use aho_corasick::automaton::Automaton as _;
use aho_corasick::{Anchored, Input};

use super::codes::Codes;
use super::lists::BUILTIN;
use super::matcher::{Engine, dfa_find};
use super::*;
use crate::finding::category;
use crate::normalize::{self, Normalized, normalize};

/// The built-in lists compiled with the encoding, and (over the encoding's capacity, with
/// `x` terms added) reading the normalised UTF-8.
fn both_matchers() -> &'static (Matcher, Matcher) {
    static BOTH: std::sync::OnceLock<(Matcher, Matcher)> = std::sync::OnceLock::new();
    BOTH.get_or_init(|| {
        let mut lex = Lexicon::builtin();
        let many: String = (0x4E00u32..0x4E00 + Codes::CAPACITY as u32 + 10)
            .filter_map(char::from_u32)
            .map(|c| format!("x\t{c}{c}{c}\n"))
            .collect();
        lex.add_tsv("many.tsv", &many).unwrap();
        (Lexicon::builtin().compile(), lex.compile())
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    /// The search loop `dfa_find` finds what `DFA::try_find` finds, in any span.
    #[test]
    fn dfa_find_matches_try_find(
        v in proptest::collection::vec(proptest::sample::select(vec![
            "百家乐", "赌博", "大麻", "大麻烦", "casino", "casinos", "xxx videos", "porn", "a", "é",
            "💰", " ", "1", "网络赌博", "乐", "xxxvideospecial", "去死", "去死皮",
        ]), 0..10),
        cut in proptest::prelude::any::<(u16, u16)>(),
    ) {
        let (small, _) = both_matchers();
        let Engine::Dfa(d) = &small.engine else { panic!("the built-in lists compile to a DFA") };
        let n = normalize(&v.concat());
        let mut hay = Vec::new();
        small.encode(&n, &mut hay);
        let len = hay.len() + 1;
        let (a, b) = (cut.0 as usize % len, cut.1 as usize % len);
        let (from, to) = (a.min(b), a.max(b));
        let input = Input::new(&hay).span(from..to).anchored(Anchored::No);
        let want = d.try_find(&input).ok().flatten();
        proptest::prop_assert_eq!(dfa_find(d, &hay, from, to), want);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
    /// Several hits per message, allowed words, rejected matches and mixed widths: the
    /// encoded matcher (which walks its offsets from one match's end to the next) finds
    /// what the UTF-8 one (which needs no walk) finds.
    #[test]
    fn encoded_walk_matches_plain_offsets(
        v in proptest::collection::vec(proptest::sample::select(vec![
            "百家乐", "赌博", "大麻", "大麻烦", "casino", "casinos", "xxx videos", "xxxvideospecial",
            "porn", "a", "é", "ﬁ", "Ａ", "💰", " ", ".", "1", "网络赌博", "乐", "o\u{336}", "❤\u{fe0f}",
        ]), 0..12)
    ) {
        let text: String = v.concat();
        let (small, big) = both_matchers();
        let n = normalize(&text);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        small.find(&text, &n, &mut a);
        big.find(&text, &n, &mut b);
        b.retain(|h| &*h.category != "x");
        proptest::prop_assert_eq!(a, b, "{:?}", text);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The encoding written during normalisation is the one the matcher makes on its own,
    /// and the hits are the same either way.
    #[test]
    fn encoding_during_normalisation_matches(
        v in proptest::collection::vec(proptest::sample::select(vec![
            "百", "家", "乐", "樂", "赌", "博", "網", "a", "S", "e", "x", "1", "①", "ﬁ", "Ａ", "с", "é",
            "㍿", "ｶ", "한", "𠀀", " ", ".", "💰", "\u{200B}", "casino", "大麻烦", "〇", "🅲",
        ]), 0..40)
    ) {
        let text: String = v.concat();
        let m = Lexicon::builtin().compile();
        let codes = m.codes().expect("the built-in lists fit the encoding");
        let mut fused = Normalized::new();
        crate::normalize::normalize_encoded(&text, &mut fused, Some(codes));
        let plain = normalize(&text);
        let mut separate = Vec::new();
        codes.encode(plain.as_bytes(), &mut separate);
        proptest::prop_assert_eq!(fused.encoded(), &separate[..]);
        proptest::prop_assert_eq!(fused.as_str(), plain.as_str());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        m.find(&text, &plain, &mut a);
        m.find_with(&text, &fused, &mut b, &mut Vec::new());
        proptest::prop_assert_eq!(a, b);
    }
}

#[test]
fn encoded_and_plain_automata_agree() {
    let (small, big) = both_matchers();
    assert!(big.codes().is_none());
    assert!(small.codes().is_some());
    for text in ["来玩百💰家乐 casino", "大麻烦 大麻", "xxx videos here", "网络赌博"] {
        let n = normalize(text);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        small.find(text, &n, &mut a);
        big.find(text, &n, &mut b);
        let keep = |h: &Hit| &*h.category != "x";
        let b: Vec<Hit> = b.into_iter().filter(keep).collect();
        assert_eq!(a, b, "{text:?}");
    }
}

fn hits(lex: &Lexicon, text: &str) -> Vec<(String, String)> {
    let m = lex.compile();
    let n = normalize(text);
    let mut out = Vec::new();
    m.find(text, &n, &mut out);
    out.into_iter().map(|h| (h.category.to_string(), text[h.start..h.end].to_owned())).collect()
}

fn user(rows: &str) -> Lexicon {
    let mut l = Lexicon::empty();
    l.add_tsv("t.tsv", rows).unwrap();
    l
}

#[test]
fn builtin_lists_load_cleanly() {
    for (cat, contents) in BUILTIN {
        for (i, line) in contents.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (n, _) = normalize::normalize_term(t);
            assert!(!n.is_empty(), "data/{cat}.txt:{}: {t:?} normalises to nothing", i + 1);
        }
    }
    let lex = Lexicon::builtin();
    assert!(lex.len() > 300, "starter lists are not empty: {}", lex.len());
    let m = lex.compile();
    for t in lex.terms().iter().filter(|t| t.origin == Origin::Allow) {
        let mut out = Vec::new();
        m.find(&t.text, &normalize(&t.text), &mut out);
        assert!(out.is_empty(), "allowed word {:?} reports {out:?}", t.text);
    }
    for cat in category::KEYWORD {
        assert!(lex.terms().iter().any(|t| &*t.category == cat), "{cat} has terms");
    }
}

/// (rows, text, expected (category, original span) list)
/// (lexicon rows, text, expected (category, original span) list)
type Case = (&'static str, &'static str, &'static [(&'static str, &'static str)]);
const CASES: &[Case] = &[
    ("g\t百家乐", "来玩百家乐吧", &[("g", "百家乐")]),
    ("g\t百家乐", "来玩百.家.乐吧", &[("g", "百.家.乐")]),
    ("g\t百家乐", "来玩百 家 乐吧", &[("g", "百 家 乐")]),
    ("g\t百家乐", "来玩百💰家乐吧", &[("g", "百💰家乐")]),
    ("g\t百家乐", "来玩百家樂吧", &[("g", "百家樂")]),
    ("g\t百家乐", "来玩百\u{200B}家乐吧", &[("g", "百\u{200B}家乐")]),
    ("g\tcasino", "best CASINO online", &[("g", "CASINO")]),
    ("g\tcasino", "best саsinо online", &[("g", "саsinо")]),
    ("g\tcasino", "best c.a.s.i.n.o online", &[("g", "c.a.s.i.n.o")]),
    ("g\tcasino", "best c a s i n o online", &[("g", "c a s i n o")]),
    // The matcher alone does not read leetspeak; the engine's leet view does (`crate::leet`).
    ("g\tcasino", "best ca$ino online", &[]),
    ("g\tcasino", "best cas💰ino online", &[("g", "cas💰ino")]),
    (
        "g\tcasino",
        "c\u{336}a\u{336}s\u{336}i\u{336}n\u{336}o\u{336}!",
        &[("g", "c\u{336}a\u{336}s\u{336}i\u{336}n\u{336}o\u{336}")],
    ),
    ("g\tcasino", "casinos near me", &[("g", "casino")]),
    ("g\tcasino", "occasinoal", &[]),
    ("i\tass", "I passed the class", &[]),
    ("i\tass", "it was sad", &[]),
    ("i\tass", "you ass!", &[("i", "ass")]),
    ("i\tass", "you a s s", &[("i", "a s s")]),
    ("p\tsex", "it's exactly", &[]),
    ("p\tsex", "it's ex-wife", &[]),
    ("g\tcasino", "best ca sino online", &[("g", "ca sino")]),
    ("x\tpenis", "my pen is blue", &[]),
    ("d\theroin", "a hero in the story", &[]),
    ("p\twhore", "who're you", &[]),
    ("p\tsex", "Essex", &[]),
    ("p\tsex", "sexy pics", &[("p", "sex")]),
    ("s\tfree money", "get freemoney now", &[("s", "freemoney")]),
    ("s\tfree money", "get FREE MONEY now", &[("s", "FREE MONEY")]),
    ("s\tscam", "scammers everywhere", &[("s", "scam")]),
    ("s\tscam", "scampi", &[]),
    ("g\tcasino", "casino88.vip", &[("g", "casino")]),
    ("g\tbet365", "bet3650", &[]),
    ("g\tbet365", "go bet365!", &[("g", "bet365")]),
    ("p\txxx video\np\txxx videos", "[xxx video] special", &[("p", "xxx video")]),
    ("a\tAV女优", "看AV女优", &[("a", "AV女优")]),
    ("a\tAV女优", "看a v 女 优", &[("a", "a v 女 优")]),
];

#[test]
fn table() {
    for (rows, text, want) in CASES {
        let got = hits(&user(rows), text);
        let want: Vec<(String, String)> = want.iter().map(|(c, s)| (c.to_string(), s.to_string())).collect();
        assert_eq!(got, want, "lexicon {rows:?} on {text:?}");
    }
}

#[test]
fn longest_wins_and_inner_user_terms_surface() {
    let mut lex = Lexicon::empty();
    lex.add_term("gambling", "百家乐真人", Origin::Builtin).unwrap();
    lex.add_tsv("u.tsv", "mine\t百家乐\n").unwrap();
    let got = hits(&lex, "百家乐真人在线");
    assert_eq!(got, vec![("mine".to_string(), "百家乐".to_string())]);
}

#[test]
fn allowed_words_hide_inner_terms() {
    let mut lex = user("drugs\t大麻\n");
    lex.add_allowed("大麻烦").unwrap();
    assert!(hits(&lex, "这是个大麻烦").is_empty());
    assert_eq!(hits(&lex, "卖大麻，麻烦私聊"), vec![("drugs".into(), "大麻".into())]);
    let mut lex = Lexicon::empty();
    lex.add_allowed("大麻烦").unwrap();
    lex.add_tsv("u.tsv", "x\t大麻烦\n").unwrap();
    assert_eq!(hits(&lex, "大麻烦"), vec![("x".into(), "大麻烦".into())], "a listed term wins");
}

#[test]
fn user_category_replaces_builtin_for_the_same_term() {
    let mut lex = Lexicon::empty();
    lex.add_term("gambling", "百家乐", Origin::Builtin).unwrap();
    lex.add_tsv("u.tsv", "bets\t百家樂\n").unwrap();
    assert_eq!(hits(&lex, "百家乐"), vec![("bets".into(), "百家乐".into())]);
}

#[test]
fn tsv_errors_name_file_and_line() {
    let mut l = Lexicon::empty();
    let e = l.add_tsv("my.tsv", "a\tb\n\nno tab here\n").unwrap_err();
    assert_eq!(e.to_string(), "my.tsv:3: expected category<TAB>term, found no tab in \"no tab here\"");
    let e = l.add_tsv("my.tsv", "spam\t💰 . 💰\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("normalises to nothing"), "{e}");
    let e = l.add_tsv("my.tsv", "spam\t\n").unwrap_err();
    assert_eq!(e.message, "empty term");
    assert!(l.is_empty(), "nothing is added from a file with an error");
    l.add_tsv("ok.tsv", "\u{FEFF}category\tterm\r\n# note\r\nx\ty\r\n").unwrap();
    assert_eq!(l.len(), 1, "BOM, header, comment and CRLF are handled");
}

#[test]
fn nfa_fallback_finds_the_same() {
    let lex = user("g\t百家乐\ng\tcasino\n");
    let dfa = lex.compile();
    let nfa = lex.compile_with(0);
    assert_eq!(dfa.kind(), AutomatonKind::Dfa);
    assert_eq!(nfa.kind(), AutomatonKind::ContiguousNfa);
    let text = "casino 百家乐 c a s i n o";
    let n = normalize(text);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    dfa.find(text, &n, &mut a);
    nfa.find(text, &n, &mut b);
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
}
