//! Search against a real Synapse: members post through matrix-nio, `qg sync` stores and
//! indexes, and `qg search` finds with 1-, 2- and 3-character Chinese queries and English
//! words what it should and nothing it should not, masked, newest first.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use qunguan_testkit::nio::{Step, member_does};
use qunguan_testkit::{Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::Value;

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// `qg search ARGS --json`: the page.
fn search(c: &Console, args: &[&str]) -> Value {
    let r = c.run(&[&["search"], args, &["--json"]].concat());
    assert_eq!(r.code, 0, "qg search {args:?}: {r:#?}");
    r.json()
}

/// The event IDs a search found, in order.
fn found(page: &Value) -> Vec<String> {
    page["hits"].as_array().unwrap().iter().map(|h| h["event_id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn chinese_of_one_two_and_three_characters_and_english_words_find_what_they_should() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "search");
    let c = Console::sign_in(&s.base_url, &owner);
    assert_eq!(c.run(&["sync"]).code, 0);
    let bodies = [
        "北京欢迎你",              // 0
        "我在北京 大学读书",       // 1: a space between 北京 and 大学
        "北京大学的未名湖很美",    // 2
        "Meeting tomorrow at ten", // 3
        "我的手机 13812345678",    // 4
        "今天天气不错",            // 5
        "南京大学",                // 6
    ];
    let steps: Vec<Step> = bodies.iter().map(|b| Step::Send { room: room.clone(), body: (*b).into() }).collect();
    let ids = member_does(&s.base_url, &member.user_id, PASSWORD, &steps).expect("matrix-nio posts");
    // Read until all are stored (a first round may be Synapse's cached initial sync).
    let mut stored = 0;
    for _ in 0..5 {
        let r = c.run(&["sync", "--json"]);
        assert_eq!(r.code, 0, "{r:#?}");
        stored += r.json()["new_messages"].as_u64().unwrap();
        if stored >= bodies.len() as u64 {
            break;
        }
    }
    assert!(stored >= bodies.len() as u64, "every message stored: {stored}");

    let expect = |query: &str, want: &[usize]| {
        let page = search(&c, &[&room, query]);
        let got: BTreeSet<String> = found(&page).into_iter().collect();
        let want: BTreeSet<String> = want.iter().map(|&i| ids[i].clone()).collect();
        assert_eq!(got, want, "{query:?} found {page:#}");
        page
    };
    let page = expect("北", &[0, 1, 2]);
    assert_eq!(page["behind"], 0, "qg sync indexed what it stored");
    assert_eq!(found(&page), [ids[2].clone(), ids[1].clone(), ids[0].clone()], "newest first");
    expect("北京", &[0, 1, 2]);
    expect("北京大", &[2]); // not 1: the space breaks the run
    expect("京大学", &[2, 6]); // 南京大学 too
    expect("大学", &[1, 2, 6]);
    expect("天气", &[5]);
    expect("meeting", &[3]);
    expect("TOMORROW", &[3]);
    expect("meet", &[3]); // a prefix
    expect("eeting", &[]); // not a word's start
    expect("上海", &[]);
    // Masked personal data is shown masked and is not searchable; what masking leaves is.
    expect("1234", &[]);
    let page = expect("手机", &[4]);
    let hit = &page["hits"][0];
    assert_eq!(hit["text"], "我的手机 138****5678", "masked: {hit:#}");
    let marked: Vec<&str> = hit["context"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["hit"] == true)
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["手机"]);
    assert_eq!(hit["spans"], serde_json::json!([{"start": 2, "end": 4}]));

    // Across every group, by sender, by date, in pages.
    assert_eq!(found(&search(&c, &["--all-groups", "北京大"])), [ids[2].clone()]);
    assert_eq!(found(&search(&c, &[&room, "北京", "--sender", &owner.user_id])), Vec::<String>::new());
    assert_eq!(found(&search(&c, &[&room, "北京", "--sender", &member.user_id])).len(), 3);
    assert_eq!(found(&search(&c, &[&room, "北京", "--until", "2001-01-01"])), Vec::<String>::new());
    let first = search(&c, &[&room, "大学", "--limit", "2"]);
    assert_eq!(found(&first), [ids[6].clone(), ids[2].clone()]);
    let cursor = first["next_cursor"].as_str().expect("a cursor to the next page").to_owned();
    let next = search(&c, &[&room, "大学", "--limit", "2", "--cursor", &cursor]);
    assert_eq!(found(&next), [ids[1].clone()]);

    // Usage errors: exit 2 with the reason.
    for bad in [&[room.as_str(), "!!!"][..], &[room.as_str(), "北京", "--since", "2026-02-30"], &["北京"]] {
        let r = c.run(&[&["search"], bad, &["--json"]].concat());
        assert_eq!(r.code, 2, "qg search {bad:?}: {r:#?}");
    }
}
