//! The index caught up, kept in step with redactions, edits and deletions, and its filters.

use super::*;
use crate::{Edited, Ingest};
use qunguan_detect::search::Query;

const G: &str = "!g:hs";
const HOUR: i64 = 3_600_000;

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("cache.db"), &crate::tests::key('5')).unwrap()
}

/// Stores `(group, event, sender, ts, body)` messages in one round.
fn put(s: &mut Store, messages: &[(&str, &str, &str, i64, &str)]) {
    let round = Ingest {
        messages: messages
            .iter()
            .map(|(g, e, who, ts, b)| (g.to_string(), crate::tests::snapshot(e, who, *ts, b)))
            .collect(),
        ..Ingest::default()
    };
    s.ingest(&round, 1).unwrap();
}

fn fts(query: &str) -> SearchFilter {
    let q = qunguan_detect::search::Query::parse(query).unwrap();
    SearchFilter { exact: q.exact().to_owned(), prefix: q.prefix().map(str::to_owned), ..SearchFilter::default() }
}

/// Event IDs of every candidate for `filter`, newest first.
fn found(s: &Store, filter: &SearchFilter) -> Vec<String> {
    s.search_candidates(filter, None, 100).unwrap().0.into_iter().map(|c| c.message.event_id).collect()
}

/// Rows of the index that match `query`, whatever the timeline says.
fn indexed(s: &Store, query: &str) -> i64 {
    s.conn
        .query_row(
            "SELECT count(*) FROM search_index WHERE search_index MATCH ?1",
            [Query::parse(query).unwrap().fts()],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn the_index_catches_up_in_bounded_passes_outside_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(
        &mut s,
        &[
            (G, "$1", "@a:hs", HOUR, "北京欢迎你"),
            (G, "$2", "@a:hs", HOUR, "去北京大学"),
            (G, "$3", "@b:hs", HOUR, "hello"),
        ],
    );
    assert_eq!(indexed(&s, "北京"), 0, "ingest writes no terms");
    assert_eq!(s.index_pending(2).unwrap(), Catchup { indexed: 2, behind: 1 });
    assert_eq!(found(&s, &fts("北京")), ["$2", "$1"]);
    assert_eq!(found(&s, &fts("hello")), Vec::<String>::new(), "not indexed yet");
    assert_eq!(s.index_pending(100).unwrap(), Catchup { indexed: 1, behind: 0 });
    assert_eq!(found(&s, &fts("hel")), ["$3"]);
    assert_eq!(s.index_pending(100).unwrap(), Catchup { indexed: 0, behind: 0 }, "nothing twice");
    assert_eq!(indexed(&s, "北京"), 2);
}

#[test]
fn a_redaction_takes_the_message_out_of_the_index_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(&mut s, &[(G, "$1", "@a:hs", HOUR, "卖发票 加微信"), (G, "$2", "@a:hs", HOUR, "发票已开")]);
    s.index_pending(100).unwrap();
    let round = Ingest {
        redactions: vec![crate::Removed { group_id: G.into(), event_id: "$1".into(), by: "@a:hs".into(), any: false }],
        ..Ingest::default()
    };
    s.ingest(&round, 2).unwrap();
    assert_eq!(indexed(&s, "微信"), 0, "the redacted text's terms are gone with it");
    assert_eq!(found(&s, &fts("发票")), ["$2"]);
    assert_eq!(s.index_pending(100).unwrap().indexed, 0, "a redacted message is not indexed again");
    assert_eq!(found(&s, &fts("发票")), ["$2"]);
}

#[test]
fn an_edit_is_indexed_again_and_its_old_text_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(&mut s, &[(G, "$1", "@a:hs", HOUR, "旧的说法")]);
    s.index_pending(100).unwrap();
    let edit = |body: &str| Ingest {
        edits: vec![Edited {
            group_id: G.into(),
            target: "$1".into(),
            sender: "@a:hs".into(),
            body: body.into(),
            ts: HOUR + 1,
            flagged: None,
        }],
        ..Ingest::default()
    };
    s.ingest(&edit("新的说法"), 2).unwrap();
    assert_eq!(indexed(&s, "旧的"), 0, "the old terms leave with the edit");
    assert_eq!(s.index_pending(100).unwrap(), Catchup { indexed: 1, behind: 0 });
    assert_eq!(found(&s, &fts("新的")), ["$1"]);
    // Edited twice before the next pass, then redacted before the one after.
    s.ingest(&edit("第二次"), 3).unwrap();
    s.ingest(&edit("第三次"), 4).unwrap();
    s.index_pending(100).unwrap();
    assert_eq!((indexed(&s, "新的"), indexed(&s, "第二"), indexed(&s, "第三")), (0, 0, 1));
    s.ingest(&edit("第四次"), 5).unwrap();
    s.ingest(
        &Ingest {
            redactions: vec![crate::Removed {
                group_id: G.into(),
                event_id: "$1".into(),
                by: "@a:hs".into(),
                any: false,
            }],
            ..Ingest::default()
        },
        6,
    )
    .unwrap();
    assert_eq!(s.index_pending(100).unwrap(), Catchup { indexed: 0, behind: 0 });
    assert_eq!((indexed(&s, "第三"), indexed(&s, "第四")), (0, 0));
}

#[test]
fn deleted_messages_take_their_terms_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(&mut s, &[(G, "$1", "@a:hs", HOUR, "张三的电话"), (G, "$2", "@b:hs", HOUR, "李四的电话")]);
    s.index_pending(100).unwrap();
    // As a purge or `qg person erase` deletes rows.
    s.conn.execute("DELETE FROM timeline WHERE sender = '@a:hs'", []).unwrap();
    assert_eq!(indexed(&s, "张三"), 0);
    assert_eq!(indexed(&s, "电话"), 1);
}

#[test]
fn filters_and_pages_are_index_bounds_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    let h = |n: i64| n * HOUR;
    put(
        &mut s,
        &[
            (G, "$a", "@a:hs", h(10), "红包 一"),
            (G, "$b", "@b:hs", h(11), "红包 二"),
            ("!h:hs", "$c", "@a:hs", h(12), "红包 三"),
            // Back-filled later, written earlier: it takes its place by its hour.
            (G, "$old", "@a:hs", h(5), "红包 旧"),
        ],
    );
    s.index_pending(100).unwrap();
    let f = fts("红包");
    assert_eq!(found(&s, &f), ["$c", "$b", "$a", "$old"]);
    assert_eq!(found(&s, &SearchFilter { group: Some(G.into()), ..f.clone() }), ["$b", "$a", "$old"]);
    assert_eq!(found(&s, &SearchFilter { sender: Some("@a:hs".into()), ..f.clone() }), ["$c", "$a", "$old"]);
    assert_eq!(found(&s, &SearchFilter { since_ms: Some(h(11)), until_ms: Some(h(11) + 1), ..f.clone() }), ["$b"]);
    assert_eq!(found(&s, &SearchFilter { sender: Some("@nobody:hs".into()), ..f.clone() }), Vec::<String>::new());
    // Pages of two: the cursor is the last key seen.
    let (page, next) = s.search_candidates(&f, None, 2).unwrap();
    assert_eq!(page.iter().map(|c| c.message.event_id.as_str()).collect::<Vec<_>>(), ["$c", "$b"]);
    let (page, next) = s.search_candidates(&f, next, 2).unwrap();
    assert_eq!(page.iter().map(|c| c.message.event_id.as_str()).collect::<Vec<_>>(), ["$a", "$old"]);
    let (page, next) = s.search_candidates(&f, next, 2).unwrap();
    assert!(page.is_empty() && next.is_none(), "the end");
    // Flagged only: the messages with a queue item.
    let flag = crate::Flagged {
        group_id: G.into(),
        event_id: "$a".into(),
        kind: "keyword".into(),
        category: None,
        flags: vec![],
    };
    s.ingest(&Ingest { flagged: vec![flag], ..Ingest::default() }, 2).unwrap();
    assert_eq!(found(&s, &SearchFilter { flagged_only: true, ..f }), ["$a"]);
}

#[test]
fn a_longer_query_needs_all_its_bigrams_and_the_rest_is_the_confirm_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(
        &mut s,
        &[
            (G, "$1", "@a:hs", HOUR, "北京大学"),
            (G, "$2", "@a:hs", HOUR, "大学在北京"),
            (G, "$3", "@a:hs", HOUR, "北京 大学"),
        ],
    );
    s.index_pending(100).unwrap();
    assert_eq!(found(&s, &fts("北京大学")), ["$1"]);
    assert_eq!(found(&s, &fts("京大")), ["$1"]);
    // The index offers `$3` for "北京 大学", and `$1` and `$2` too: only the confirm step knows.
    assert_eq!(found(&s, &fts("北京 大学")), ["$3", "$2", "$1"]);
}

#[test]
fn a_last_word_is_a_prefix_of_the_words_indexed_and_a_short_common_one_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir);
    put(
        &mut s,
        &[
            (G, "$1", "@a:hs", HOUR, "ticket 北京"),
            (G, "$2", "@a:hs", HOUR, "tickle"),
            (G, "$3", "@a:hs", HOUR, "stick"),
        ],
    );
    // More words starting with `w` than a query expands to.
    let many: Vec<(String, String)> = (0..70).map(|i| (format!("$w{i}"), format!("w{i:03}"))).collect();
    let rows: Vec<(&str, &str, &str, i64, &str)> =
        many.iter().map(|(e, b)| (G, e.as_str(), "@a:hs", HOUR, b.as_str())).collect();
    put(&mut s, &rows);
    s.index_pending(1000).unwrap();
    assert_eq!(found(&s, &fts("tic")), ["$2", "$1"]);
    assert_eq!(found(&s, &fts("ticket")), ["$1"]);
    assert_eq!(found(&s, &fts("tick 北京")), Vec::<String>::new(), "a word before the end is whole");
    assert_eq!(found(&s, &fts("北京 tic")), ["$1"]);
    assert_eq!(found(&s, &fts("tix")), Vec::<String>::new(), "no word starts with it");
    assert_eq!(found(&s, &fts("w")).len(), 70, "FTS5's own prefix query past the expansion");
    assert_eq!(found(&s, &fts("w06")).len(), 10);
}
