//! Trust boundaries on the real Synapse: what a moderator can write into a group (power 50
//! meets `state_default` 50 in Synapse's default power levels) must not steer the owner's
//! console — not where its case log goes, and not whether the group is listed at all.

use std::sync::OnceLock;

use qunguan_testkit::{Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, timeline, unique};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::{Value, json};

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// A group the owner created, where `moderator` is at 50 and `member` is a member.
fn group_with_moderator(owner: &TestUser, moderator: &TestUser, member: &TestUser) -> String {
    create_group(&synapse().base_url, owner, &[(moderator, 50)], &[moderator, member], "trust")
}

/// The case IDs of the case records in a room's timeline.
fn cases_in(client: &Client, room: &str) -> Vec<String> {
    RUNTIME
        .block_on(timeline(client, room))
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "org.qunguan.case")
        .filter_map(|e| e["content"]["record"]["case_id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn moderator_cannot_repoint_the_case_log() {
    require_keyring();
    let s = synapse();
    let (owner, moderator, member) = (user("owner"), user("mod"), user("member"));
    let room = group_with_moderator(&owner, &moderator, &member);
    let (o, m) = (Client::new(&s.base_url, &owner.access_token), Client::new(&s.base_url, &moderator.access_token));
    let owner_qg = Console::sign_in(&s.base_url, &owner);

    let first = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "第一次"]);
    assert_eq!(first.status, "done", "{first:#?}");
    let pointer = |c: &Client| {
        RUNTIME
            .block_on(c.get_state(&room, "org.qunguan.moderation_room", ""))
            .unwrap()
            .and_then(|p| p["room_id"].as_str().map(str::to_owned))
    };
    let original = pointer(&o).expect("the owner's console pointed the group at its case log");

    // The moderator makes a room that looks like a case log and points the group at it.
    let theirs = RUNTIME
        .block_on(m.create_room(&RoomSpec {
            preset: Some("private_chat".into()),
            initial_state: vec![(
                "org.qunguan.room".into(),
                String::new(),
                json!({"kind": "moderation", "group": room}),
            )],
            ..RoomSpec::default()
        }))
        .unwrap();
    RUNTIME
        .block_on(m.set_state(&room, "org.qunguan.moderation_room", "", json!({"room_id": theirs})))
        .expect("a moderator meets state_default and may write the pointer");
    assert_eq!(pointer(&o).as_deref(), Some(theirs.as_str()), "the server took the moderator's pointer");

    let second = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "第二次"]);
    assert_eq!(second.status, "done", "{second:#?}");
    let in_original = cases_in(&o, &original);
    assert!(
        in_original.contains(&second.case_id),
        "the owner's next case still goes to the original room: {in_original:?}"
    );
    assert!(!cases_in(&m, &theirs).contains(&second.case_id), "and never to the moderator's room");
    let stderr = &second.run.stderr;
    assert!(
        stderr.contains("warning:") && stderr.contains(&moderator.user_id) && stderr.contains(&original),
        "qg warns that the pointer was not followed, naming who set it and the room still used: {stderr}"
    );
    // Later reads keep to the trusted room too (and keep warning).
    let r = owner_qg.run(&["cases", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stderr.contains("warning:"), "{r:#?}");
    let listed: Vec<Value> = r.json().as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 2, "both cases, nothing from elsewhere: {listed:#?}");
    assert!(listed.iter().all(|c| c["trusted"] == true), "{listed:#?}");
}

#[test]
fn marker_from_a_moderator_does_not_hide_the_group() {
    require_keyring();
    let s = synapse();
    let (owner, moderator, member) = (user("owner"), user("mod"), user("member"));
    let room = group_with_moderator(&owner, &moderator, &member);
    let m = Client::new(&s.base_url, &moderator.access_token);
    let owner_qg = Console::sign_in(&s.base_url, &owner);
    let listed = |c: &Console| {
        let r = c.run(&["groups", "--json"]);
        assert_eq!(r.code, 0, "{r:#?}");
        r.json().as_array().cloned().unwrap_or_default().iter().any(|g| g["id"] == room.as_str())
    };
    assert!(listed(&owner_qg), "listed before anything was written");
    for key in ["x", ""] {
        RUNTIME
            .block_on(m.set_state(&room, "org.qunguan.room", key, json!({"kind": "moderation", "group": room})))
            .unwrap_or_else(|e| panic!("a moderator may write a marker with key {key:?}: {e}"));
        assert!(listed(&owner_qg), "a moderator's marker (key {key:?}) does not hide the group from qg groups");
    }
    let mod_qg = Console::sign_in(&s.base_url, &moderator);
    assert!(listed(&mod_qg), "not from the moderator's own console either");
}

/// A group where `owner` and `admin` (level 100) manage and `member` is a member.
fn group_with_admin(owner: &TestUser, admin: &TestUser, member: &TestUser) -> String {
    create_group(&synapse().base_url, owner, &[(admin, 100)], &[admin, member], "standing")
}

/// An imported record is trusted by the power levels in force when the server received it:
/// read back through the group's power-levels history (Synapse's `unsigned.replaces_state`).
#[test]
fn records_are_judged_by_the_standing_their_sender_had_then() {
    require_keyring();
    let s = synapse();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let room = group_with_admin(&owner, &admin, &member);
    let o = Client::new(&s.base_url, &owner.access_token);
    let (owner_qg, admin_qg) = (Console::sign_in(&s.base_url, &owner), Console::sign_in(&s.base_url, &admin));

    let first = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "群主警告"]);
    assert_eq!(first.status, "done", "{first:#?}");
    let as_admin = admin_qg.act(&["warn", &room, &member.user_id, "--reason", "管理员警告"]);
    assert_eq!(as_admin.status, "done", "{as_admin:#?}");
    // Demoted, twice (so the levels in force back then are two events behind the current ones).
    RUNTIME.block_on(o.set_power_levels(&room, &[(&admin.user_id, Some(10))])).unwrap();
    RUNTIME.block_on(o.set_power_levels(&room, &[(&admin.user_id, None)])).unwrap();
    let after = admin_qg.act(&["mute", &room, &member.user_id, "--for", "1h", "--reason", "降级之后"]);
    assert_eq!(after.status, "refused", "no longer a manager: {after:#?}");

    // The owner's console imports both only now, after the demotion; so does a fresh one.
    let fresh = Console::sign_in(&s.base_url, &owner);
    for (who, c) in [("the owner's console", &owner_qg), ("a fresh console", &fresh)] {
        let all = c.cases(&[]);
        let trusted = |case_id: &str| {
            let case = all.iter().find(|x| x["case_id"] == case_id);
            case.unwrap_or_else(|| panic!("{who}: case {case_id} is imported: {all:#?}"))["trusted"].clone()
        };
        assert_eq!(trusted(&as_admin.case_id), true, "{who}: posted while an admin: trusted");
        assert_eq!(trusted(&after.case_id), false, "{who}: posted after the demotion: kept, untrusted");
    }
    assert_eq!(owner_qg.case(&first.case_id)["trusted"], true, "the owner's own records are trusted");
}

#[test]
fn a_moderator_does_not_start_the_case_log_and_is_shared_once_an_owner_has() {
    require_keyring();
    let s = synapse();
    let (owner, moderator, member) = (user("owner"), user("mod"), user("member"));
    let room = group_with_moderator(&owner, &moderator, &member);
    let o = Client::new(&s.base_url, &owner.access_token);
    let pointer = || {
        RUNTIME
            .block_on(o.get_state(&room, "org.qunguan.moderation_room", ""))
            .unwrap()
            .and_then(|p| p["room_id"].as_str().map(str::to_owned))
    };
    let mod_qg = Console::sign_in(&s.base_url, &moderator);

    // The moderator acts first: the case is theirs to keep, but no console would follow a case
    // log a moderator started, so none is started.
    let early = mod_qg.act(&["warn", &room, &member.user_id, "--reason", "版主先警告"]);
    assert_eq!(early.status, "done", "{early:#?}");
    assert_eq!(pointer(), None, "a moderator's console does not point the group at a case log of its own");
    assert_eq!(mod_qg.run(&["cases", "--json"]).code, 0, "and that is no error");

    // The owner starts it; the moderator's waiting records go there on their next round.
    let owner_qg = Console::sign_in(&s.base_url, &owner);
    let later = owner_qg.act(&["warn", &room, &member.user_id, "--reason", "群主警告"]);
    assert_eq!(later.status, "done", "{later:#?}");
    let log = pointer().expect("the owner's console started the case log");
    assert_eq!(
        mod_qg.run(&["cases", "--json"]).code,
        0,
        "a moderator should read the cases once an owner started the log"
    );
    let shared = cases_in(&o, &log);
    assert!(shared.contains(&early.case_id), "the moderator's earlier case is shared now: {shared:?}");
    assert!(shared.contains(&later.case_id), "{shared:?}");
    let seen = owner_qg.case(&early.case_id);
    assert_eq!(seen["actor"], moderator.user_id.as_str(), "and reaches the owner's console: {seen}");
}
