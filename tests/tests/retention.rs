//! Retention and privacy against a real Synapse: what `qg` caches of a group's chat is found
//! nowhere on disk in plain text, is purged past its period (with a dry run first, and the
//! message of an open queue item kept), exported for one person (masked) and erased for them,
//! every run recorded.

use std::sync::OnceLock;

use qunguan_testkit::client::Client;
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

/// Every file under `dir` (WAL, SHM, temporary files too) that holds `needle` as bytes.
fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the data directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn json(c: &Console, args: &[&str], env: &[(&str, &str)]) -> Value {
    let r = c.qg.run_with(args, "", env);
    assert_eq!(r.code, 0, "qg {args:?}: {r:#?}");
    r.json()
}

#[test]
fn cached_chat_is_never_plain_on_disk_and_is_purged_exported_and_erased_as_asked() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let name = format!("测试昵称{}", unique("n"));
    RUNTIME.block_on(Client::new(&s.base_url, &member.access_token).set_display_name(&member.user_id, &name)).unwrap();
    let room = create_group(&s.base_url, &owner, &[], &[&member], "retention");
    let c = Console::sign_in(&s.base_url, &owner);
    assert_eq!(c.run(&["sync"]).code, 0);
    let plain = format!("只在这里出现的消息{}", unique("m"));
    let ids = member_does(
        &s.base_url,
        &member.user_id,
        PASSWORD,
        &[
            Step::Send { room: room.clone(), body: plain.clone() },
            Step::Send { room: room.clone(), body: "电话 13812345678 找我".into() },
        ],
    )
    .expect("matrix-nio posts");
    // Read until both are stored (a first round may be Synapse's cached initial sync).
    let mut stored = 0;
    for _ in 0..5 {
        stored += json(&c, &["sync", "--json"], &[])["new_messages"].as_u64().unwrap();
        if stored >= 2 {
            break;
        }
    }
    assert!(stored >= 2, "both messages stored: {stored}");
    assert_eq!(c.run(&["members", &room]).code, 0, "the member list (with the display name) cached");

    // Nothing readable on disk: not the message, not the display name, not the token.
    assert!(!files_holding(c.qg.home.path(), "SQLite format 3").iter().any(|f| f.ends_with("cache.db")), "encrypted");
    for needle in [plain.as_str(), name.as_str(), owner.access_token.as_str()] {
        assert!(files_holding(c.qg.home.path(), needle).is_empty(), "{needle:?} in plain text on disk");
    }

    // One person's export: both messages, the phone number masked.
    let export = json(&c, &["person", "export", &member.user_id, "--json"], &[]);
    let group = &export["groups"][0];
    let texts: Vec<String> = group["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["segments"].as_array().unwrap().iter().filter_map(|s| s["text"].as_str()).collect())
        .collect();
    assert_eq!(texts, [plain.clone(), "电话 138****5678 找我".to_owned()], "{export:#}");
    assert_eq!(group["member"]["display_name"], name.as_str(), "their cached member entry");

    // 200 days on: a dry run counts, the purge drops the plain message and keeps the one
    // whose queue item is still open.
    let later = [("QG_TEST_NOW", "2099-01-01T00:00:00Z")];
    let dry = json(&c, &["purge", "--dry-run", "--json"], &later);
    assert_eq!((dry["dry_run"].as_bool(), dry["groups"][0]["messages"].as_u64()), (Some(true), Some(1)), "{dry:#}");
    assert_eq!(dry["groups"][0]["kept_open"], 1, "the open item's message stays: {dry:#}");
    assert_eq!(
        json(&c, &["person", "export", &member.user_id, "--json"], &[])["groups"][0]["messages"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "a dry run drops nothing"
    );
    let done = json(&c, &["purge", "--json"], &later);
    assert_eq!(done["groups"][0]["messages"], 1, "{done:#}");
    let left = json(&c, &["person", "export", &member.user_id, "--json"], &[]);
    assert_eq!(left["groups"][0]["messages"][0]["event_id"], ids[1].as_str(), "only the open item's message: {left:#}");

    // A bad retention policy is refused whole, naming the field.
    let bad = c.qg.run(&["retention", "--set", "-"], r#"{"cases_days": 90}"#);
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(bad.stderr.contains("cases_days"), "{bad:#?}");

    // The erasure needs a reason; then nothing of theirs is left, and all three runs are recorded.
    assert_eq!(c.run(&["person", "erase", &member.user_id, "--reason", " "]).code, 2);
    let erased = json(&c, &["person", "erase", &member.user_id, "--reason", "本人要求删除", "--json"], &[]);
    assert_eq!(erased["groups"][0]["messages"], 1, "{erased:#}");
    let gone = json(&c, &["person", "export", &member.user_id, "--json"], &[]);
    assert!(
        gone["groups"].as_array().unwrap().iter().all(|g| g["messages"].as_array().unwrap().is_empty()),
        "{gone:#}"
    );
    let log = json(&c, &["purge", "--log", "--json"], &[]);
    let kinds: Vec<(&str, bool)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap(), h["dry_run"].as_bool().unwrap()))
        .collect();
    assert_eq!(kinds, [("erase", false), ("purge", false), ("purge", true)], "{log:#}");
    assert_eq!(log[0]["reason"], "本人要求删除");
}
