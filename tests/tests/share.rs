//! Two admins, each with their own `qg` home: a case one of them makes appears in the other's
//! `qg cases`, through the group's moderation room on the real Synapse.

use std::sync::OnceLock;

use qunguan_testkit::{Client, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, timeline, unique};
use qunguan_tests::{RUNTIME, require_keyring};

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

#[test]
fn a_case_made_by_one_admin_appears_in_the_others_cases() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let room = group_of(&owner, &admin, &member);
    let (owner_qg, admin_qg) = (Console::sign_in(&s.base_url, &owner), Console::sign_in(&s.base_url, &admin));

    let warned = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "请勿刷屏"]);
    assert_eq!(warned.status, "done", "{warned:#?}");
    let seen = admin_qg.case(&warned.case_id);
    assert_eq!(
        (seen["actor"].as_str(), seen["status"].as_str()),
        (Some(owner.user_id.as_str()), Some("done")),
        "{seen}"
    );
    assert_eq!(seen["reason"], "请勿刷屏");
    assert_eq!(seen["group"], room.as_str());

    let muted = admin_qg.act(&["mute", &room, &member.user_id, "--for", "1h", "--reason", "又刷屏了"]);
    assert_eq!(muted.status, "done", "{muted:#?}");
    let seen = owner_qg.case(&muted.case_id);
    assert_eq!(seen["actor"], admin.user_id.as_str(), "the other admin's case, signed by them: {seen}");
    let by_admin = owner_qg.cases(&["--admin", &admin.user_id]);
    assert_eq!(by_admin.len(), 1, "filter by acting admin: {by_admin:#?}");

    // Both consoles' logs verify, imported chains included; nothing is imported twice.
    for c in [&owner_qg, &admin_qg] {
        let r = c.run(&["audit", "verify", "--json"]);
        assert_eq!(r.code, 0, "{r:#?}");
        assert!(r.json()["ok"].as_bool().unwrap(), "audit verify should report ok for both admins' chains");
    }
    assert_eq!(owner_qg.cases(&[]).len(), 2, "each console should list its own case and the other admin's");
    assert_eq!(admin_qg.cases(&[]).len(), 2, "each console should list its own case and the other admin's");

    // The moderation room is the console's own: never listed as a group.
    let groups = admin_qg.run(&["groups", "--json"]).json();
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups:#}");

    // Imports are incremental: a round after one that saw everything reads one empty page.
    let reads = |c: &Console| {
        let out =
            c.qg.command(&["cases", "--json"]).env("QG_LOG", "qunguan_matrix=debug").env("NO_COLOR", "1").output();
        let err = String::from_utf8_lossy(&out.expect("run qg cases").stderr).into_owned();
        err.lines().filter(|l| l.contains("moderation room read")).map(str::to_owned).collect::<Vec<_>>()
    };
    reads(&admin_qg);
    let again = reads(&admin_qg);
    assert_eq!(again.len(), 1, "one moderation room: {again:#?}");
    assert!(again[0].contains("events=0") && again[0].contains("from_start=false"), "{again:#?}");
    let w = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "第三次"]);
    let next = reads(&admin_qg);
    assert!(next[0].contains("from_start=false") && !next[0].contains("events=0"), "only the new events: {next:#?}");
    assert_eq!(admin_qg.case(&w.case_id)["status"], "done", "and the new case came with them");
}

/// A group where `owner` and `admin` (level 100) manage and `member` is a member.
fn group_of(owner: &TestUser, admin: &TestUser, member: &TestUser) -> String {
    create_group(&synapse().base_url, owner, &[(admin, 100)], &[admin, member], "head")
}

#[test]
fn a_redacted_record_leaves_the_chain_short_of_the_head_its_admin_published() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let room = group_of(&owner, &admin, &member);
    let (o, a) = (Client::new(&s.base_url, &owner.access_token), Client::new(&s.base_url, &admin.access_token));
    let (owner_qg, admin_qg) = (Console::sign_in(&s.base_url, &owner), Console::sign_in(&s.base_url, &admin));

    for reason in ["第一次警告", "第二次警告"] {
        let w = owner_qg.act(&["warn", &room, &member.user_id, "--reason", reason]);
        assert_eq!(w.status, "done", "{w:#?}");
    }
    let w = admin_qg.act(&["warn", &room, &member.user_id, "--reason", "第三次警告"]);
    assert_eq!(w.status, "done", "{w:#?}");
    assert_eq!(admin_qg.cases(&["--admin", &owner.user_id]).len(), 2, "both of the owner's cases imported");
    let r = admin_qg.run(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 0, "intact before anything is removed: {r:#?}");

    // Each admin's head is their own state in the moderation room: a decision and an outcome per warning.
    let mod_room = RUNTIME
        .block_on(o.get_state(&room, "org.qunguan.moderation_room", ""))
        .unwrap()
        .and_then(|c| c["room_id"].as_str().map(str::to_owned))
        .expect("the group points at its moderation room");
    let head = |who: &TestUser| {
        RUNTIME.block_on(o.get_state(&mod_room, "org.qunguan.chain_head", &who.user_id)).unwrap().unwrap_or_default()
    };
    let owner_head = head(&owner);
    assert_eq!(
        (owner_head["group"].as_str(), owner_head["count"].as_u64()),
        (Some(room.as_str()), Some(4)),
        "{owner_head}"
    );
    assert_eq!(head(&admin)["count"], 2, "an invited admin can write their own head too");
    let forged = RUNTIME.block_on(a.set_state(
        &mod_room,
        "org.qunguan.chain_head",
        &owner.user_id,
        serde_json::json!({"group": room, "hash": "0", "count": 1}),
    ));
    assert!(forged.is_err(), "nobody else may move the owner's head (state key = their user ID): {forged:?}");
    assert_eq!(head(&owner), owner_head);

    // The owner's newest record goes: redacted from the room.
    let timeline = RUNTIME.block_on(timeline(&o, &mod_room)).unwrap();
    let last = timeline
        .iter()
        .rev()
        .find(|e| e["type"] == "org.qunguan.case" && e["sender"] == owner.user_id.as_str())
        .expect("the owner's records are in the room");
    RUNTIME.block_on(o.redact(&mod_room, last["event_id"].as_str().unwrap(), "gone")).unwrap();

    // The admin who had imported it, and a console of theirs that never saw it, both notice.
    let fresh = Console::sign_in(&s.base_url, &admin);
    for (who, console) in [("the admin who imported it", &admin_qg), ("a fresh console", &fresh)] {
        let r = console.run(&["audit", "verify", "--json"]);
        assert_eq!(r.code, 6, "{who}: a broken chain is exit 6: {r:#?}");
        let b = &r.json()["broken"];
        assert_eq!(
            (
                b["actor"].as_str(),
                b["group"].as_str(),
                b["kind"].as_str(),
                b["index"].as_u64(),
                b["published"].as_u64()
            ),
            (Some(owner.user_id.as_str()), Some(room.as_str()), Some("truncated"), Some(3), Some(4)),
            "{who}: {b}"
        );
        let r = console.run(&["audit", "verify"]);
        assert_eq!(r.code, 6, "{r:#?}");
        let says = format!("records of {} in {room} end before the head they published: 3 of 4", owner.user_id);
        assert!(r.stdout.contains(&says), "{who}: names the admin and the group: {r:#?}");
    }
    // The owner's own log is intact (their local chain does not depend on the room).
    assert_eq!(owner_qg.run(&["audit", "verify"]).code, 0, "the owner's own log should verify without the room");
}
