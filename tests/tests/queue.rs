//! The live queue against a real Synapse: members driven by matrix-nio (a Matrix client
//! nobody here wrote) post, reply `!举报` and react 🚩; `qg sync --follow` turns what needs a
//! look into items, merged per message; two admins with their own `qg` homes see the same
//! items, and one admin's dismissal or removal closes the item for both.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use qunguan_core::Secret;
use qunguan_engine::{Engine, EngineConfig, EnvOverride, MemorySecrets};
use qunguan_testkit::nio::{Step, member_does};
use qunguan_testkit::{Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, random_key, unique};
use qunguan_tests::proxy::{Proxy, Tally};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::Value;

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// `member` does `steps` through matrix-nio; the event IDs.
fn nio(member: &TestUser, steps: &[Step]) -> Vec<String> {
    member_does(&synapse().base_url, &member.user_id, PASSWORD, steps).expect("matrix-nio carries out the steps")
}

/// `qg queue --json` (open items).
fn queue(c: &Console) -> Vec<Value> {
    let r = c.run(&["queue", "--json"]);
    assert_eq!(r.code, 0, "qg queue: {r:#?}");
    r.json().as_array().cloned().unwrap_or_else(|| panic!("the queue is a JSON array: {r:#?}"))
}

/// Polls the queue until `ready` holds for the item about `event` (or `secs` pass); the item.
fn item_when(c: &Console, event: &str, secs: u64, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(item) = queue(c).into_iter().find(|i| i["event_id"] == event).filter(|i| ready(i)) {
            return item;
        }
        assert!(Instant::now() < deadline, "{what}: not in the queue within {secs} s: {:#?}", queue(c));
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn text(item: &Value) -> String {
    item["segments"].as_array().into_iter().flatten().filter_map(|s| s["text"].as_str()).collect()
}

#[test]
fn messages_and_members_reports_become_items_and_a_dismissal_closes_them_for_both_admins() {
    require_keyring();
    let s = synapse();
    let (owner, admin) = (user("owner"), user("admin"));
    let members: Vec<TestUser> = (0..4).map(|_| user("member")).collect();
    let joiners: Vec<&TestUser> = std::iter::once(&admin).chain(&members).collect();
    let room = create_group(&s.base_url, &owner, &[(&admin, 100)], &joiners, "queue");
    let a = Console::sign_in(&s.base_url, &owner);
    let b = Console::sign_in(&s.base_url, &admin);
    let first = a.run(&["sync", "--json"]);
    assert_eq!(first.code, 0, "the first round: {first:#?}");

    // Followed live: how long from a member's message to an item in the queue.
    let mut follow = a.qg.command(&["sync", "--follow", "--json"]).spawn().expect("spawn qg sync --follow");
    let sent_at = Instant::now();
    let ids = nio(
        &members[0],
        &[
            Step::Send { room: room.clone(), body: "我的身份证 11010519491231002X，帮我查查".into() },
            Step::Send { room: room.clone(), body: "加我微信 领红包 每天稳赚".into() },
        ],
    );
    let id_item = item_when(&a, &ids[0], 30, "the message with an ID", |_| true);
    eprintln!("queue latency: an item {:.2} s after matrix-nio sent the message", sent_at.elapsed().as_secs_f64());
    assert_eq!(id_item["kind"], "cn_resident_id", "{id_item:#}");
    assert_eq!(id_item["severity"], "high", "{id_item:#}");
    assert_eq!(id_item["sender"], members[0].user_id.as_str());
    assert_eq!(text(&id_item), "我的身份证 110105********002X，帮我查查", "masked in the queue");

    // A reply with the quoted fallback and a 🚩 reaction, as clients send them.
    let fallback = format!("> <{}> 加我微信 领红包 每天稳赚\n\n!举报 发广告骗人", members[0].user_id);
    nio(&members[1], &[Step::Reply { room: room.clone(), to: ids[1].clone(), body: fallback }]);
    nio(&members[2], &[Step::React { room: room.clone(), to: ids[1].clone(), key: "🚩".into() }]);
    let ad = item_when(&a, &ids[1], 30, "the reported message", |i| i["count"] == 2);
    let reporters: Vec<(String, String, Value)> = ad["reporters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["reporter"].as_str().unwrap().to_owned(), r["via"].as_str().unwrap().to_owned(), r["reason"].clone())
        })
        .collect();
    assert_eq!(
        reporters,
        [
            (members[1].user_id.clone(), "reply".into(), Value::from("发广告骗人")),
            (members[2].user_id.clone(), "reaction".into(), Value::Null)
        ],
        "each reporter named, the reply's reason without its quote: {ad:#}"
    );
    // A third reporter raises the count, not the number of items.
    nio(&members[3], &[Step::React { room: room.clone(), to: ids[1].clone(), key: "🚩\u{FE0F}".into() }]);
    item_when(&a, &ids[1], 30, "the third report", |i| i["count"] == 3);
    let open = queue(&a);
    assert_eq!(open.len(), 2, "one item per message, whatever the number of reports: {open:#?}");
    assert!(open.iter().all(|i| i["event_id"] != ids[1].as_str() || i["source"] == "member_report"));
    stop(&mut follow);

    // The other admin, with their own home and their own sync, sees the same items by the same IDs.
    assert_eq!(b.run(&["sync"]).code, 0);
    let mut seen: Vec<String> = queue(&b).iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let mut mine: Vec<String> = open.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    seen.sort();
    mine.sort();
    assert_eq!(seen, mine, "every console names an item the same");

    // A claims the reported message: B's console shows who holds it, and B is asked first.
    let ad_id = ad["id"].as_str().unwrap();
    let claimed = a.run(&["claim", ad_id, "--json"]);
    assert_eq!(claimed.code, 0, "{claimed:#?}");
    assert_eq!(claimed.json()["claimed_by"], owner.user_id.as_str());
    assert_eq!(b.run(&["sync"]).code, 0);
    let held = queue(&b).into_iter().find(|i| i["id"] == ad_id).expect("the item in B's queue");
    assert_eq!(held["claimed_by"], owner.user_id.as_str(), "B sees A holds it: {held:#}");
    let taken = b.run(&["claim", ad_id]);
    assert_eq!(taken.code, 2, "B's claim asks first: {taken:#?}");
    assert!(taken.stderr.contains(&owner.user_id), "and names who holds it: {taken:#?}");
    let b_dismiss = b.run(&["dismiss", ad_id, "--reason", "not spam"]);
    assert_eq!(b_dismiss.code, 2, "B's dismissal of A's item asks first too: {b_dismiss:#?}");

    // A dismisses the reported message; B removes the ID: each closes the item for both.
    let dismissed = a.act(&["dismiss", ad_id, "--reason", "红包是群里的活动"]);
    assert_eq!(dismissed.status, "done", "{dismissed:#?}");
    assert_eq!(a.case(&dismissed.case_id)["action"], "dismiss");
    let removed = b.act(&["remove", &room, &ids[0], "--reason", "身份证号泄露"]);
    assert_eq!(removed.status, "done", "{removed:#?}");
    assert_eq!(a.run(&["sync"]).code, 0);
    assert_eq!(b.run(&["sync"]).code, 0);
    assert!(queue(&a).is_empty(), "A's queue: the dismissal here, the removal imported from B: {:#?}", queue(&a));
    assert!(queue(&b).is_empty(), "B's queue: the removal here, the dismissal imported from A: {:#?}", queue(&b));
    let again = a.run(&["dismiss", ad_id, "--reason", "again"]);
    assert_eq!(again.code, 2, "a closed item cannot be dismissed again: {again:#?}");
}

#[test]
fn qg_show_masks_unless_unmasked_with_a_reason_which_is_recorded() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "show");
    let a = Console::sign_in(&s.base_url, &owner);
    assert_eq!(a.run(&["sync"]).code, 0);
    let ids = nio(
        &member,
        &[
            Step::Send { room: room.clone(), body: "大家好".into() },
            Step::Send { room: room.clone(), body: "电话 13812345678 找我".into() },
            Step::Send { room: room.clone(), body: "谢谢".into() },
        ],
    );
    let one = a.run(&["sync", &room, "--json"]);
    assert_eq!(one.code, 0, "a round over this group only: {one:#?}");
    assert_eq!(one.json()["groups"], 1, "{one:#?}");
    // Its first round is an initial sync identical to the main feed's first (one group here),
    // which Synapse answers from its response cache for a while: the next round catches up.
    let again = a.run(&["sync", &room, "--json"]);
    assert_eq!(again.code, 0, "{again:#?}");
    let read = one.json()["new_messages"].as_u64().unwrap() + again.json()["new_messages"].as_u64().unwrap();
    assert_eq!(read, 3, "the three messages, read once: {one:#?} {again:#?}");
    let item = item_when(&a, &ids[1], 5, "the phone number", |_| true);
    let id = item["id"].as_str().unwrap();
    let shown = a.run(&["show", id, "--json"]);
    assert_eq!(shown.code, 0, "{shown:#?}");
    let v = shown.json();
    assert_eq!(text(&v["item"]), "电话 138****5678 找我");
    let context: Vec<&str> = v["context"].as_array().unwrap().iter().map(|m| m["event_id"].as_str().unwrap()).collect();
    assert_eq!(context, [ids[0].as_str(), ids[2].as_str()], "the messages around it, in order");
    assert!(v["reveal_case"].is_null());

    let refused = a.run(&["show", id, "--unmask"]);
    assert_eq!(refused.code, 2, "unmasking needs a reason: {refused:#?}");
    let unmasked = a.run(&["show", id, "--unmask", "--reason", "核实号码", "--json"]);
    assert_eq!(unmasked.code, 0, "{unmasked:#?}");
    let v = unmasked.json();
    assert_eq!(text(&v["item"]), "电话 13812345678 找我");
    let case = a.case(v["reveal_case"].as_str().expect("a reveal case"));
    assert_eq!((case["action"].as_str(), case["reason"].as_str()), (Some("reveal"), Some("核实号码")));

    // An action on the item's sender, naming the item, decides it.
    let wrong = a.run(&["warn", &room, &owner.user_id, "--reason", "x", "--item", id]);
    assert_eq!(wrong.code, 2, "an action on someone else than the item's sender is refused: {wrong:#?}");
    let muted = a.act(&["mute", &room, &member.user_id, "--for", "10m", "--reason", "公开他人电话", "--item", id]);
    assert_eq!(muted.status, "done", "{muted:#?}");
    assert!(queue(&a).is_empty(), "the item left the open queue with the mute");
    assert_eq!(a.case(&muted.case_id)["detail"]["item"], id, "the case names the item it decided");
}

#[test]
fn a_serve_killed_again_and_again_mid_ingestion_loses_no_message_and_doubles_no_item() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "crash");
    let a = Console::sign_in(&s.base_url, &owner);
    assert_eq!(a.run(&["sync"]).code, 0);

    const MESSAGES: usize = 60;
    let poster = {
        let (base, token, room) = (s.base_url.clone(), member.access_token.clone(), room.clone());
        std::thread::spawn(move || {
            let client = qunguan_testkit::Client::new(&base, &token);
            (0..MESSAGES)
                .map(|i| {
                    std::thread::sleep(Duration::from_millis(15));
                    RUNTIME.block_on(client.send_text(&room, &format!("第{i}条：我的身份证 11010519491231002X")))
                })
                .collect::<anyhow::Result<Vec<String>>>()
        })
    };
    // SIGKILL `qg serve` at seeded random points while the messages arrive.
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("kill seed {seed}");
    let mut kills = 0;
    while !poster.is_finished() || kills < 5 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(50 + (seed >> 33) % 700);
        let mut serve = a.qg.command(&["serve", "--interval", "1"]).spawn().expect("spawn qg serve");
        std::thread::sleep(delay);
        serve.kill().expect("SIGKILL qg serve");
        serve.wait().expect("reap qg serve");
        kills += 1;
    }
    let posted = poster.join().expect("the poster thread").expect("post the messages");
    // Whatever the kills left, the next rounds catch up from the stored token.
    for _ in 0..3 {
        assert_eq!(a.run(&["sync"]).code, 0);
    }
    eprintln!("{kills} kills during {MESSAGES} messages");
    let items = queue(&a);
    let mut events: Vec<&str> = items.iter().filter_map(|i| i["event_id"].as_str()).collect();
    events.sort_unstable();
    let mut want: Vec<&str> = posted.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(events, want, "one item per message, none lost, none doubled, after {kills} kills");
    let store = a.open_store();
    let missing: Vec<&String> = posted.iter().filter(|e| !store.has_message(&room, e).unwrap()).collect();
    assert!(missing.is_empty(), "every message is stored: {} missing", missing.len());
}

#[test]
fn a_report_to_the_platform_joins_the_same_item_for_a_server_admin() {
    require_keyring();
    let s = synapse();
    let owner = RUNTIME.block_on(s.register(&unique("staffowner"), PASSWORD, true)).expect("register a server admin");
    let (m1, m2) = (user("member"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&m1, &m2], "platform");
    let a = Console::sign_in(&s.base_url, &owner);
    assert_eq!(a.run(&["sync"]).code, 0);
    let ids = nio(&m1, &[Step::Send { room: room.clone(), body: "今晚约吗 私聊".into() }]);
    nio(&m2, &[Step::React { room: room.clone(), to: ids[0].clone(), key: "🚩".into() }]);
    // m2 also reports it to the platform (Synapse's report API), as clients offer.
    RUNTIME
        .block_on(qunguan_testkit::Client::new(&s.base_url, &m2.access_token).report_event(&room, &ids[0], "骚扰"))
        .expect("report the message to the server");
    assert_eq!(a.run(&["sync"]).code, 0);
    let item = item_when(&a, &ids[0], 5, "the reported message", |i| i["count"] == 2);
    let sources: Vec<&str> = item["sources"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(sources, ["member_report", "platform_report"], "one item, both sources: {item:#}");
    let via: Vec<(&str, &str)> = item["reporters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["via"].as_str().unwrap(), r["reporter"].as_str().unwrap()))
        .collect();
    assert!(via.contains(&("platform", m2.user_id.as_str())), "the platform report names its reporter: {item:#}");
    let only = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["queue", "--json"];
        all.extend_from_slice(args);
        let r = a.run(&all);
        assert_eq!(r.code, 0, "{r:#?}");
        r.json().as_array().unwrap().iter().map(|i| i["event_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(only(&["--source", "platform-report"]), [ids[0].clone()], "filtered by source");
    assert!(only(&["--source", "auto"]).is_empty(), "the detector did not flag it");
    assert!(only(&["--category", "privacy"]).is_empty(), "no finding, no category");
    let again = a.run(&["sync"]);
    assert_eq!(again.code, 0);
    assert_eq!(
        queue(&a).iter().find(|i| i["event_id"] == ids[0].as_str()).unwrap()["count"],
        2,
        "read again, counted once"
    );
}

#[test]
fn a_groups_own_report_words_replace_the_defaults_for_every_console() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member, reporter) = (user("owner"), user("admin"), user("member"), user("member"));
    let room = create_group(&s.base_url, &owner, &[(&admin, 100)], &[&admin, &member, &reporter], "words");
    let a = Console::sign_in(&s.base_url, &owner);
    let b = Console::sign_in(&s.base_url, &admin);
    let set = a.run(&["report-words", &room, "--command", "!mod", "--emoji", "⚠️", "--json"]);
    assert_eq!(set.code, 0, "{set:#?}");
    let bad = a.run(&["report-words", &room, "--command", "two words"]);
    assert_eq!(bad.code, 2, "a malformed word is refused before anything is written: {bad:#?}");
    let seen = b.run(&["report-words", &room, "--json"]);
    assert_eq!(seen.json()["commands"], serde_json::json!(["!mod"]), "the other admin's console reads them: {seen:#?}");
    for c in [&a, &b] {
        assert_eq!(c.run(&["sync"]).code, 0);
    }
    let ids = nio(
        &member,
        &[
            Step::Send { room: room.clone(), body: "第一条".into() },
            Step::Send { room: room.clone(), body: "第二条".into() },
            Step::Send { room: room.clone(), body: "第三条".into() },
        ],
    );
    nio(
        &reporter,
        &[
            Step::Reply { room: room.clone(), to: ids[0].clone(), body: "!mod 刷屏".into() },
            Step::Reply { room: room.clone(), to: ids[1].clone(), body: "!report 不算".into() },
            Step::React { room: room.clone(), to: ids[2].clone(), key: "⚠️".into() },
            Step::React { room: room.clone(), to: ids[1].clone(), key: "🚩".into() },
        ],
    );
    for c in [&a, &b] {
        assert_eq!(c.run(&["sync"]).code, 0);
        let mut events: Vec<String> = queue(c).iter().map(|i| i["event_id"].as_str().unwrap().to_owned()).collect();
        events.sort();
        let mut want = vec![ids[0].clone(), ids[2].clone()];
        want.sort();
        assert_eq!(events, want, "the group's words report, the defaults no longer do ({})", c.user_id);
    }
}

#[test]
fn a_message_edited_into_personal_data_becomes_an_item_with_the_new_text() {
    require_keyring();
    let s = synapse();
    let (owner, member) = (user("owner"), user("member"));
    let room = create_group(&s.base_url, &owner, &[], &[&member], "edit");
    let a = Console::sign_in(&s.base_url, &owner);
    assert_eq!(a.run(&["sync"]).code, 0);
    let ids = nio(&member, &[Step::Send { room: room.clone(), body: "大家好".into() }]);
    assert_eq!(a.run(&["sync"]).code, 0);
    assert!(queue(&a).is_empty(), "a greeting is not an item");
    nio(
        &member,
        &[Step::Edit { room: room.clone(), to: ids[0].clone(), body: "我的身份证 11010519491231002X".into() }],
    );
    assert_eq!(a.run(&["sync"]).code, 0);
    let item = item_when(&a, &ids[0], 5, "the edited message", |_| true);
    assert_eq!(item["kind"], "cn_resident_id", "{item:#}");
    assert_eq!(text(&item), "我的身份证 110105********002X", "the item is the original message with its new text");
}

/// Ends `qg sync --follow` with SIGTERM, as a service manager would, and waits for it.
fn stop(child: &mut std::process::Child) {
    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = child.wait().expect("qg sync --follow ends");
    assert!(status.success(), "qg sync --follow ends cleanly on SIGTERM: {status:?}");
}

/// An engine signed in as `user` in this process, reaching Synapse through `proxy`: its
/// rounds are counted on the wire, request by request.
fn engine_behind(proxy: &Proxy, user: &TestUser) -> (tempfile::TempDir, Engine) {
    let home = tempfile::tempdir().expect("a home for the engine");
    let env = EnvOverride { cache_key: Some(Secret::new(random_key())), ..EnvOverride::default() };
    let engine = Engine::new(EngineConfig {
        home: home.path().into(),
        env,
        connector: Arc::new(qunguan_matrix::MatrixConnector::default()),
        secrets: Arc::new(MemorySecrets::default()),
    });
    RUNTIME.block_on(engine.sign_in_password(&proxy.url(), &user.user_id, &Secret::new(PASSWORD))).expect("sign in");
    (home, engine)
}

/// Idle rounds of an owner following N = 3 groups, each with its moderation room (the console
/// claims an item in each), counted through a loopback proxy in front of Synapse:
/// - before (c2ddc7a), every round read every moderation room: 37 requests for N = 3, that is
///   4 + 11·N (the `/sync`; "am I a server admin"; the group list: joined rooms, `m.direct`,
///   the state of all 2·N joined rooms; per group the pointer (group state, joined rooms) and
///   the case log (room state, one page), then for the claims the pointer again, the group
///   again (`m.direct`, state) and the room's state): 3,304 a round for 300 groups, and the
///   due-work timer (`run_due`, every 15 s in the app) read every case log again, 2 + 6·N;
/// - now the moderation rooms ride in the same `/sync` and only those with news are read: an
///   idle round is 1 request, the `/sync`, whatever N; the due-work timer with nothing due, 0;
///   the round bringing the other admin's claim and dismissal (news in all 3 rooms, as the
///   admin also joined them), 14.
#[test]
fn regression_an_idle_round_read_every_moderation_room_now_it_is_one_sync() {
    require_keyring();
    const N: usize = 3;
    let s = synapse();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let rooms: Vec<String> =
        (0..N).map(|_| create_group(&s.base_url, &owner, &[(&admin, 100)], &[&admin, &member], "idle")).collect();
    let poster = qunguan_testkit::Client::new(&s.base_url, &member.access_token);
    for room in &rooms {
        RUNTIME.block_on(poster.send_text(room, "我的身份证 11010519491231002X")).expect("post");
    }
    let tally = Tally::new();
    let target: SocketAddr = s.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start_counting(target, tally.clone());
    let (_home, a) = engine_behind(&proxy, &owner);
    let round = || RUNTIME.block_on(a.sync_once(0)).expect("a round");
    let open = || RUNTIME.block_on(a.queue(None, None, None)).expect("the queue");
    round();
    let items = open();
    assert_eq!(items.len(), N, "one item per group: {items:#?}");
    // My claims make each group's moderation room (and invite the admin).
    for item in &items {
        RUNTIME.block_on(a.claim(&item.id, false)).expect("claim");
    }
    // My own writes come back once as news; then nothing happens.
    round();
    round();
    tally.take();
    round();
    let idle = tally.take();
    eprintln!("an idle round with {N} groups: {} requests: {idle:#?}", idle.len());
    assert!(
        idle.len() == 1 && idle[0].starts_with("GET /_matrix/client/v3/sync"),
        "an idle round is its /sync and nothing else: {idle:#?}"
    );
    let due = RUNTIME.block_on(a.run_due()).expect("due work");
    assert!(due.is_empty() && tally.take().is_empty(), "with nothing due and all posted, nothing is sent");

    // The other admin takes one item over and dismisses another: each arrives within two rounds.
    let b = Console::sign_in(&s.base_url, &admin);
    assert_eq!(b.run(&["sync"]).code, 0);
    let (taken, dismissed) = (&items[0].id, &items[1].id);
    let r = b.run(&["claim", taken, "--force"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = b.run(&["dismiss", dismissed, "--reason", "活动通知", "--force"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let mut rounds = 0;
    let arrived = |q: &[qunguan_core::queue::QueueItem]| {
        let held = q.iter().find(|i| i.id == *taken).and_then(|i| i.claimed_by.clone());
        held.as_deref() == Some(admin.user_id.as_str()) && q.iter().all(|i| i.id != *dismissed)
    };
    while !arrived(&open()) {
        assert!(rounds < 2, "the other admin's claim and dismissal within two rounds: {:#?}", open());
        round();
        rounds += 1;
    }
    eprintln!("the other admin's claim and dismissal arrived after {rounds} round(s): {} requests", tally.take().len());
    round();
    tally.take();
    round();
    let idle = tally.take();
    assert_eq!(idle.len(), 1, "idle again once the news was read: {idle:#?}");
}
