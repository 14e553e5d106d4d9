//! The case log's outside anchors, against a real Synapse: the hashes in the moderation room
//! recompute with an RFC 8785 implementation nobody here wrote (Python's `rfc8785`), and a
//! local log whose rows *and* head were deleted is still caught, because the room remembers.

use std::sync::OnceLock;

use qunguan_testkit::oracles::run_oracle;
use qunguan_testkit::{Client, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, timeline, unique};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::Value;

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// A group the owner created, with `members` joined; returns (room, owner, owner's client, members).
fn group(members: usize) -> (String, TestUser, Client, Vec<TestUser>) {
    let s = synapse();
    let owner = user("owner");
    let members: Vec<TestUser> = (0..members).map(|_| user("member")).collect();
    let joiners: Vec<&TestUser> = members.iter().collect();
    let room = create_group(&s.base_url, &owner, &[], &joiners, "audit");
    let o = Client::new(&s.base_url, &owner.access_token);
    (room, owner, o, members)
}

/// The `org.qunguan.case` events of the group's moderation room, oldest first.
fn shared_records(owner: &Client, room: &str) -> Vec<Value> {
    RUNTIME
        .block_on(async {
            let pointer = owner.get_state(room, "org.qunguan.moderation_room", "").await?;
            let log = pointer.and_then(|p| p["room_id"].as_str().map(str::to_owned)).expect("a moderation room");
            let events = timeline(owner, &log).await?;
            anyhow::Ok(events.into_iter().filter(|e| e["type"] == "org.qunguan.case").collect())
        })
        .expect("read the moderation room")
}

/// Re-hashes each `{record, prev_hash, hash}` with Python's `rfc8785` and checks the links:
/// prints one line per record, `ok` or what differs.
const REHASH: &str = r#"
import hashlib, json, sys, rfc8785
prev = "0" * 64
for line in sys.stdin:
    e = json.loads(line)
    jcs = rfc8785.dumps(e["record"])
    mine = hashlib.sha256(e["prev_hash"].encode() + b"\n" + jcs).hexdigest()
    if e["prev_hash"] != prev:
        print("unlinked", e["record"]["case_id"])
    elif mine != e["hash"]:
        print("hash differs", e["record"]["case_id"], mine, e["hash"])
    else:
        print("ok")
    prev = e["hash"]
"#;

#[test]
fn case_hashes_recompute_with_an_independent_rfc8785() {
    require_keyring();
    let (room, owner, o, members) = group(2);
    let c = Console::sign_in(&synapse().base_url, &owner);
    // Reasons that a careless serialiser gets wrong: quotes, backslashes, controls, U+2028,
    // astral characters, Chinese.
    let reasons = ["刷屏 \"广告\" \\ 反斜杠", "tab\there\nnew line\u{2028}sep 😀 𝄞", "控制字符\u{1}\u{1f}结束"];
    for (i, reason) in reasons.iter().enumerate() {
        let o = c.act(&["warn", &room, &members[i % 2].user_id, "--reason", reason]);
        assert_eq!(o.status, "done", "{o:#?}");
    }
    let m = c.act(&["mute", &room, &members[0].user_id, "--for", "1h", "--reason", "禁言 1 小时"]);
    assert_eq!(m.status, "done", "{m:#?}");
    assert_eq!(c.run(&["cases", "--json"]).code, 0, "a round that publishes everything");

    let events = shared_records(&o, &room);
    assert_eq!(events.len(), 8, "four decisions and four outcomes in the room: {events:#?}");
    assert!(events.iter().all(|e| e["content"]["record"]["v"] == 1), "every new record is format 1: {events:#?}");
    let input: String = events.iter().map(|e| format!("{}\n", e["content"])).collect();
    let verdicts = run_oracle(REHASH, &input).expect("run the rfc8785 oracle");
    let lines: Vec<&str> = verdicts.lines().collect();
    assert_eq!(lines, vec!["ok"; 8], "every hash recomputes from the RFC 8785 form, and every link holds");
}

#[test]
fn deleting_a_groups_rows_and_head_locally_is_caught_by_the_room() {
    require_keyring();
    let (room, owner, _o, members) = group(1);
    let c = Console::sign_in(&synapse().base_url, &owner);
    for reason in ["第一次警告", "第二次警告"] {
        let o = c.act(&["warn", &room, &members[0].user_id, "--reason", reason]);
        assert_eq!(o.status, "done", "{o:#?}");
    }
    let ok = c.run(&["audit", "verify", "--json"]);
    assert_eq!(ok.code, 0, "an untouched log verifies, anchors included: {ok:#?}");

    // Someone with the store's key removes every trace of the group: rows, head, announcement.
    let copy = c.copy();
    let store = copy.open_store();
    for table in ["case_log", "chain_heads", "announced_heads"] {
        store.tamper(&format!("DELETE FROM {table} WHERE group_id = '{room}'")).expect("tamper");
    }
    drop(store);
    let r = copy.run(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 6, "the room still holds the records and the head: a broken log: {r:#?}");
    let report = r.json();
    let broken = &report["broken"];
    assert_eq!(broken["group"], room.as_str(), "names the group: {report}");
    assert_eq!(broken["actor"], Value::Null, "it is my own chain: {report}");
    assert_eq!(
        (broken["kind"].as_str(), broken["index"].as_u64(), broken["published"].as_u64()),
        (Some("truncated"), Some(0), Some(4)),
        "nothing left of the 4 records the room's head names: {report}"
    );
    let human = copy.run(&["audit", "verify"]);
    assert!(human.stdout.contains("moderation room"), "the human report says where the proof is: {}", human.stdout);

    // Deleting only the newest rows of a chain whose local head was rewritten to match is
    // caught the same way: the room's head is further on.
    let copy = c.copy();
    let store = copy.open_store();
    store
        .tamper(&format!(
            "DELETE FROM case_log WHERE seq IN (SELECT seq FROM case_log WHERE group_id = '{room}' ORDER BY seq DESC LIMIT 2);
             UPDATE chain_heads SET hash = (SELECT hash FROM case_log WHERE group_id = '{room}' ORDER BY seq DESC LIMIT 1),
                                    length = 2 WHERE group_id = '{room}';"
        ))
        .expect("tamper");
    drop(store);
    let r = copy.run(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 6, "a consistent but shorter local log is still short of the room's head: {r:#?}");
    assert_eq!(r.json()["broken"]["kind"], "truncated", "{}", r.stdout);

    assert_eq!(c.run(&["audit", "verify"]).code, 0, "the original is untouched");
}

#[test]
fn a_chain_about_no_group_is_anchored_in_my_account_log() {
    require_keyring();
    let (_room, owner, o, members) = group(1);
    let c = Console::sign_in(&synapse().base_url, &owner);
    let reported = c.act(&["report", "member", &members[0].user_id, "--reason", "冒充客服诈骗"]);
    assert_eq!(reported.status, "done", "{reported:#?}");
    assert_eq!(c.run(&["audit", "verify"]).code, 0, "untouched: verifies");

    // The platform chain's records are in a private room of the owner's own, marked as a log.
    let log_room = RUNTIME
        .block_on(async {
            for room in o.joined_rooms().await? {
                if o.get_state(&room, "org.qunguan.room", "").await?.is_some_and(|m| m["kind"] == "log") {
                    return anyhow::Ok(Some(room));
                }
            }
            anyhow::Ok(None)
        })
        .expect("list rooms")
        .expect("an account log room was created");
    let events = RUNTIME.block_on(timeline(&o, &log_room)).expect("read the account log");
    let records: Vec<&Value> = events.iter().filter(|e| e["type"] == "org.qunguan.case").collect();
    assert_eq!(records.len(), 2, "the report's decision and outcome: {events:#?}");
    assert!(records.iter().all(|e| e["content"]["record"]["group"] == "platform"), "{records:#?}");
    let head = RUNTIME.block_on(o.get_state(&log_room, "org.qunguan.chain_head", "platform")).expect("read head");
    assert_eq!(head.as_ref().and_then(|h| h["count"].as_u64()), Some(2), "the head names both: {head:?}");
    let groups = c.run(&["groups", "--json"]).json();
    assert!(
        groups.as_array().unwrap().iter().all(|g| g["id"] != log_room.as_str()),
        "the account log is never listed as a group: {groups}"
    );

    let copy = c.copy();
    let store = copy.open_store();
    for table in ["case_log", "chain_heads", "announced_heads"] {
        store.tamper(&format!("DELETE FROM {table} WHERE group_id = 'platform'")).expect("tamper");
    }
    drop(store);
    let r = copy.run(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 6, "the account log still holds the platform chain: {r:#?}");
    assert_eq!(r.json()["broken"]["group"], "platform", "{}", r.stdout);
}
