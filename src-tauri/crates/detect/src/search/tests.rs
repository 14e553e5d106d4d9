//! Table tests of the search terms, the query builder and the confirm step.

use super::*;

#[test]
fn what_a_message_is_indexed_under() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        // text, uni, gram, words
        ("北", "北", "", &[]),
        ("北京", "北 京", "北京", &[]),
        ("北京大学", "北 京 大 学", "北京 京大 大学", &[]),
        ("中华人民共和国", "中 华 人 民 共 和 国", "中华 华人 人民 民共 共和 和国", &[]),
        ("Hello WORLD", "", "", &["hello", "world"]),
        ("ＡＢＣ ｄｅｆ", "", "", &["abc", "def"]),
        ("加微信wx123", "加 微 信", "加微 微信", &["wx123"]),
        ("你好，世界!", "你 好 世 界", "你好 世界", &[]),
        ("好😀好", "好", "", &[]),
        ("哈哈哈", "哈", "哈哈 哈哈", &[]),
        ("國家", "国 家", "国家", &[]),
        ("!!! ...", "", "", &[]),
    ];
    for (text, uni, gram, words) in cases {
        let t = terms(text);
        let w: Vec<&str> = t.words.iter().map(String::as_str).collect();
        assert_eq!((t.uni.as_str(), t.gram.as_str(), w.as_slice()), (*uni, *gram, *words), "terms of {text:?}");
    }
}

#[test]
fn what_a_query_looks_up() {
    let cases: &[(&str, Option<&str>)] = &[
        ("北", Some("\"北\"")),
        ("北京", Some("\"北京\"")),
        ("北京大", Some("\"北京\" AND \"京大\"")),
        ("中华人民共", Some("\"中华\" AND \"华人\" AND \"人民\" AND \"民共\"")),
        ("hel", Some("\"hel\"*")),
        ("ＨＥＬＬＯ", Some("\"hello\"*")),
        ("hello world", Some("\"hello\" AND \"world\"*")),
        ("微信 wx", Some("\"微信\" AND \"wx\"*")),
        ("wx微信", Some("\"wx\" AND \"微信\"")),
        ("  北京，大  ", Some("\"北京\" AND \"大\"")),
        ("wx 北京", Some("\"wx\" AND \"北京\"")),
        ("!!!", None),
        ("😀", None),
        ("", None),
        ("   ", None),
    ];
    for (query, fts) in cases {
        assert_eq!(Query::parse(query).as_ref().map(Query::fts).as_deref(), *fts, "query {query:?}");
    }
}

#[test]
fn a_candidate_is_confirmed_against_the_real_text() {
    // query, text, spans (bytes of the text)
    type Case = (&'static str, &'static str, &'static [(usize, usize)]);
    let cases: &[Case] = &[
        ("北京大", "北京大学", &[(0, 9)]),
        ("北京大", "北京 大学", &[]),
        ("北京大", "北京，大学", &[]),
        ("北京 大学", "北京大学", &[]),
        ("北京 大学", "去北京，大学", &[(3, 18)]),
        ("大", "北京大学", &[(6, 9)]),
        ("哈", "哈哈", &[(0, 3), (3, 6)]),
        ("京大", "北京大学", &[(3, 9)]),
        ("大北", "北京大学", &[]),
        ("hello", "othello", &[]),
        ("hello", "say HELLO", &[(4, 9)]),
        ("hello", "helloworld", &[(0, 5)]),
        ("hel", "Hello world", &[(0, 3)]),
        ("wx", "加微信wx123", &[(9, 11)]),
        ("wx", "ｗｘ", &[(0, 6)]),
        ("ｗｘ", "wx", &[(0, 2)]),
        ("国", "國家", &[(0, 3)]),
        ("好好", "好😀好", &[]),
        ("好 好", "好😀好", &[(0, 10)]),
        ("北京", "", &[]),
        ("123", "a123", &[]),
        ("123", "电话123", &[(6, 9)]),
    ];
    for (query, text, spans) in cases {
        let q = Query::parse(query).expect("a query");
        assert_eq!(q.find(text), *spans, "{query:?} in {text:?}");
    }
}

#[test]
fn everything_a_match_needs_is_in_the_index_of_the_text() {
    // The index must offer every real match: each token the query looks up is among the
    // text's terms.
    let texts = ["北京大学在海淀区", "加我微信 wx123 领红包", "Hello World，你好", "國家 ＡＢＣ 哈哈哈"];
    for text in texts {
        let t = terms(text);
        let (uni, gram): (Vec<&str>, Vec<&str>) = (t.uni.split(' ').collect(), t.gram.split(' ').collect());
        for query in ["北", "海淀", "大学在海", "微信", "wx", "wx1", "hello", "你好", "国家", "abc", "哈哈"]
        {
            let q = Query::parse(query).unwrap();
            if q.find(text).is_empty() {
                continue;
            }
            for part in q.exact().split(" AND ").filter(|p| !p.is_empty()) {
                let token = part.trim_matches('"');
                let found = uni.contains(&token) || gram.contains(&token) || t.words.iter().any(|w| w == token);
                assert!(found, "{query:?} matches {text:?} but {token} is not indexed");
            }
            if let Some(p) = q.prefix() {
                assert!(
                    t.words.iter().any(|w| w.starts_with(p)),
                    "{query:?} matches {text:?}: no word starts with {p}"
                );
            }
        }
    }
}
