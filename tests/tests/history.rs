//! A group's history back-filled into the encrypted store from a real Synapse: `qg history`
//! reads it page by page to the start of the room, keeps edits (a member's edit, sent through
//! matrix-nio, of a message that comes in an older page) and removals with who removed them,
//! stores nothing twice when run again, and queues none of it. Prints the back-fill rate.

use std::sync::OnceLock;
use std::time::Instant;

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

/// Messages posted before the console ever looked.
const POSTED: usize = 240;

#[test]
fn qg_history_reads_a_group_back_to_its_start_with_edits_and_removals_once() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "history");
    let m = Client::new(&s.base_url, &member.access_token);
    let mut ids = Vec::new();
    for i in 0..POSTED {
        ids.push(RUNTIME.block_on(m.send_text(&room, &format!("第 {i} 条 message {i}"))).expect("post"));
    }
    // The member edits their first message (through matrix-nio) and removes their second.
    member_does(
        &s.base_url,
        &member.user_id,
        PASSWORD,
        &[Step::Edit { room: room.clone(), to: ids[0].clone(), body: "改过的第一条".into() }],
    )
    .expect("matrix-nio edits");
    RUNTIME.block_on(m.redact(&room, &ids[1], "发错了")).expect("remove");

    let c = Console::sign_in(&s.base_url, &owner);
    let t = Instant::now();
    let r = c.run(&["history", &room, "--json"]);
    let took = t.elapsed();
    assert_eq!(r.code, 0, "qg history: {r:#?}");
    let marks = r.json();
    let g = &marks[0];
    assert_eq!(g["group"], room.as_str(), "{marks:#}");
    assert_eq!(g["done"], true, "read back to the start of the room: {marks:#}");
    let stored = g["messages"].as_u64().unwrap();
    assert!(stored as usize >= POSTED, "every message posted (and the edit's own event): {marks:#}");
    println!(
        "history back-fill from Synapse: {stored} messages in {} pages in {:.2} s = {:.0} messages/s (qg start-up and sign-in check included)",
        g["pages"],
        took.as_secs_f64(),
        stored as f64 / took.as_secs_f64()
    );

    // What is stored, as the member's own export shows it.
    let export = c.run(&["person", "export", &member.user_id, "--json"]).json();
    let messages = export["groups"][0]["messages"].as_array().unwrap().clone();
    let find = |id: &str| -> Value { messages.iter().find(|m| m["event_id"] == id).cloned().unwrap_or(Value::Null) };
    let text = |m: &Value| -> String {
        m["segments"].as_array().into_iter().flatten().filter_map(|s| s["text"].as_str()).collect()
    };
    assert_eq!(text(&find(&ids[0])), "改过的第一条", "the edit, read before its message, applied");
    let removed = find(&ids[1]);
    assert_eq!(removed["redacted"], true, "{removed:#}");
    assert_eq!(removed["redacted_by"], member.user_id.as_str(), "who removed it: {removed:#}");
    assert_eq!(text(&find(&ids[POSTED - 1])), format!("第 {} 条 message {}", POSTED - 1, POSTED - 1));

    // Run again: nothing read twice, nothing stored twice; and none of it is queued.
    let again = c.run(&["history", &room, "--json"]).json();
    assert_eq!(again[0]["pages"], g["pages"], "a finished history is not read again: {again:#}");
    assert_eq!(again[0]["messages"], g["messages"]);
    let queue = c.run(&["queue", "--json"]).json();
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "history is not queued: {queue:#}");
    let bad = c.run(&["history", &room, "--days", "0"]);
    assert_eq!(bad.code, 2, "a depth of 0 days is refused: {bad:#?}");
}
