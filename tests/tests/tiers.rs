//! Group tiers and the managers' record against a real Synapse: `qg compliance` finds a group
//! without written rules, `qg rules` sets them for every admin's console (a rules event from a
//! plain member is ignored), and `qg admins` / `qg cases --admin` show what each admin did.

use std::sync::OnceLock;

use qunguan_testkit::{Client, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, unique};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::{Value, json};

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// The kinds of the group's shortfalls, from `qg compliance GROUP --json`.
fn shortfalls(c: &Console, room: &str) -> Vec<String> {
    let r = c.run(&["compliance", room, "--json"]);
    assert_eq!(r.code, 0, "qg compliance: {r:#?}");
    let v = r.json();
    assert_eq!(v["group"], room, "one group, as an object: {v:#}");
    v["shortfalls"]
        .as_array()
        .unwrap_or_else(|| panic!("shortfalls is an array: {v:#}"))
        .iter()
        .map(|s| s["kind"].as_str().expect("every shortfall names its kind").to_owned())
        .collect()
}

fn rules_text(c: &Console, room: &str) -> Value {
    let r = c.run(&["rules", room, "--json"]);
    assert_eq!(r.code, 0, "qg rules: {r:#?}");
    r.json()["text"].clone()
}

#[test]
fn a_group_without_rules_falls_short_until_a_manager_writes_them_and_a_members_rules_are_ignored() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let room = create_group(&s.base_url, &owner, &[(&admin, 100)], &[&admin, &member], "tiers");
    let a = Console::sign_in(&s.base_url, &owner);
    let b = Console::sign_in(&s.base_url, &admin);

    let kinds = shortfalls(&a, &room);
    assert!(kinds.contains(&"no_rules".to_owned()), "a new group has no written rules: {kinds:?}");
    assert!(!kinds.contains(&"owner_absent".to_owned()), "the owner is in the group: {kinds:?}");
    let all = a.run(&["compliance", "--json"]);
    assert_eq!(all.code, 0, "{all:#?}");
    let listed = all.json().as_array().cloned().expect("without GROUP, an array of every group");
    let mine = listed.iter().find(|g| g["group"] == room.as_str()).expect("the group is listed");
    assert_eq!((mine["tier"].as_str(), mine["members"].as_u64()), (Some("small"), Some(3)), "{mine:#}");
    assert_eq!(mine["expectations"]["rules"], true);

    // A plain member allowed (by the power levels) to send the rules event: it is not the group's rules.
    let (owner_client, member_client) =
        (Client::new(&s.base_url, &owner.access_token), Client::new(&s.base_url, &member.access_token));
    RUNTIME
        .block_on(async {
            let mut pl = owner_client.power_levels(&room).await?;
            pl["events"]["org.qunguan.rules"] = json!(0);
            owner_client.set_state(&room, "m.room.power_levels", "", pl).await?;
            member_client.set_state(&room, "org.qunguan.rules", "", json!({"text": "群里什么都可以发"})).await
        })
        .expect("the member's rules event is accepted by the server");
    assert_eq!(rules_text(&a, &room), Value::Null, "a member's rules event is ignored");
    assert!(shortfalls(&a, &room).contains(&"no_rules".to_owned()), "and the group still has no rules");

    let bad = a.run(&["rules", &room, "--set", " \n "]);
    assert_eq!(bad.code, 2, "blank rules are a usage error, nothing written: {bad:#?}");
    let rules = "1. 不发广告\n2. 不发他人隐私（身份证号、电话）\n3. Be kind";
    let set = a.run(&["rules", &room, "--set", rules, "--json"]);
    assert_eq!(set.code, 0, "{set:#?}");
    assert_eq!(set.json(), json!({"group": room, "text": rules}));
    assert_eq!(rules_text(&b, &room), rules, "the other admin's console reads the group's rules");
    let kinds = shortfalls(&b, &room);
    assert!(!kinds.contains(&"no_rules".to_owned()), "written rules clear the shortfall: {kinds:?}");
    let shown = b.run(&["rules", &room]);
    assert_eq!(shown.stdout.trim(), rules, "the table form prints the text: {shown:#?}");
}

#[test]
fn the_owner_reads_each_admins_record_and_cases_by_admin() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member, other) = (user("owner"), user("admin"), user("member"), user("member"));
    let room = create_group(&s.base_url, &owner, &[(&admin, 100)], &[&admin, &member, &other], "admins");
    let a = Console::sign_in(&s.base_url, &owner);
    let b = Console::sign_in(&s.base_url, &admin);

    // The admin warns one member and dismisses an item about another's message.
    let warned = b.act(&["warn", &room, &member.user_id, "--reason", "刷屏"]);
    assert_eq!(warned.status, "done", "{warned:#?}");
    assert_eq!(b.run(&["sync"]).code, 0);
    let leak = RUNTIME
        .block_on(Client::new(&s.base_url, &other.access_token).send_text(&room, "我的身份证 11010519491231002X"))
        .expect("send");
    // Both consoles read the message (each has the item), then the admin dismisses it.
    for c in [&a, &b] {
        assert_eq!(c.run(&["sync"]).code, 0);
    }
    let queue = b.run(&["queue", "--json"]).json();
    let item = queue
        .as_array()
        .and_then(|q| q.iter().find(|i| i["event_id"] == leak.as_str()))
        .unwrap_or_else(|| panic!("the leak is an item: {queue:#}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dismissed = b.act(&["dismiss", &item, "--reason", "本人自己发的，已提醒"]);
    assert_eq!(dismissed.status, "done", "{dismissed:#?}");
    assert_eq!(a.run(&["sync"]).code, 0, "the owner's console imports the dismissal");
    // The owner warns too: the admin's record must not count it.
    assert_eq!(a.act(&["warn", &room, &other.user_id, "--reason", "注意隐私"]).status, "done");

    let r = a.run(&["admins", &room, "--json"]);
    assert_eq!(r.code, 0, "qg admins: {r:#?}");
    let records = r.json();
    let of = |user: &str| {
        records
            .as_array()
            .and_then(|all| all.iter().find(|x| x["user_id"] == user))
            .cloned()
            .unwrap_or_else(|| panic!("no record of {user}: {records:#}"))
    };
    let rec = of(&admin.user_id);
    assert_eq!(rec["role"], "admin");
    assert_eq!(rec["actions"], json!({"warn": 1}), "one warning, the dismissal apart: {rec:#}");
    assert_eq!((rec["dismissals"].as_u64(), rec["decided_items"].as_u64()), (Some(1), Some(1)), "{rec:#}");
    assert_eq!((rec["refused"].as_u64(), rec["reversed"].as_u64()), (Some(0), Some(0)), "{rec:#}");
    assert!(rec["median_decision_seconds"].is_u64(), "the item was decided, so there is a time: {rec:#}");
    let mine = of(&owner.user_id);
    assert_eq!((mine["role"].as_str(), &mine["actions"]), (Some("owner"), &json!({"warn": 1})), "{mine:#}");

    let by_admin = a.cases(&["--admin", &admin.user_id]);
    assert_eq!(by_admin.len(), 2, "the admin's warning and dismissal: {by_admin:#?}");
    assert!(by_admin.iter().all(|c| c["actor"] == admin.user_id.as_str()), "{by_admin:#?}");
    let by_owner = a.cases(&["--admin", &owner.user_id, "--group", &room]);
    assert_eq!(by_owner.len(), 1, "{by_owner:#?}");
    assert_eq!(by_owner[0]["target"], other.user_id.as_str());
}
