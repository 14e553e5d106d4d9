//! Every moderation action through `qg`, as a black box, against a real Synapse — and the
//! platform's state read back afterwards with the raw client (power levels, membership,
//! redactions, messages, the admin report lists), never through `qg`.
//!
//! One Synapse for the binary; each test makes its own users and rooms. Exit codes and the
//! `{case_id, status, detail}` shape are checked on every action (see `Console::act`).

use std::net::SocketAddr;
use std::sync::OnceLock;

use qunguan_testkit::{Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::console::{
    Console, PASSWORD, membership, outcome_fields, sent_for_case, timeline, unique, user_level,
};
use qunguan_tests::proxy::{Gate, Proxy};
use qunguan_tests::{RUNTIME, require_keyring};
use reqwest::Method;
use serde_json::{Value, json};

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

fn client(u: &TestUser) -> Client {
    Client::new(&synapse().base_url, &u.access_token)
}

/// A server admin's client, for the admin API (report lists).
fn server_admin() -> Client {
    static ADMIN: OnceLock<TestUser> = OnceLock::new();
    let a = ADMIN.get_or_init(|| {
        RUNTIME.block_on(synapse().register(&unique("staff"), PASSWORD, true)).expect("register a server admin")
    });
    client(a)
}

fn sign_in(u: &TestUser) -> Console {
    Console::sign_in(&synapse().base_url, u)
}

/// A v12 group: `owner` created it (outranks every level), `admin` at 100, `moder` at 50, and
/// `members` (power 0 unless `levels` says otherwise), everyone joined.
struct Group {
    room: String,
    owner: TestUser,
    admin: TestUser,
    moder: TestUser,
    members: Vec<TestUser>,
    /// The owner's raw client: reads the server's state for the assertions.
    server: Client,
}

fn group(members: usize, levels: &[(usize, i64)], power_override: Value) -> Group {
    let (owner, admin, moder) = (user("owner"), user("admin"), user("mod"));
    let members: Vec<TestUser> = (0..members).map(|_| user("member")).collect();
    let server = client(&owner);
    let mut power = vec![(admin.user_id.clone(), 100), (moder.user_id.clone(), 50)];
    power.extend(levels.iter().map(|(i, l)| (members[*i].user_id.clone(), *l)));
    let spec = RoomSpec {
        name: Some(format!("群 {}", unique("g"))),
        power,
        power_override: power_override.as_object().cloned().unwrap_or_default(),
        ..RoomSpec::default()
    };
    let room = RUNTIME
        .block_on(async {
            let room = server.create_room(&spec).await?;
            for u in [&admin, &moder].into_iter().chain(&members) {
                client(u).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .expect("build the group");
    Group { room, owner, admin, moder, members, server }
}

fn is_hash(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The case as `qg cases` shows it, checked for the fields `docs/cli.md` promises.
fn case_of(c: &Console, case_id: &str) -> Value {
    let case = c.case(case_id);
    for k in ["case_id", "group", "actor", "target", "action", "reason", "rule", "evidence_hash", "created_at"] {
        assert!(case.get(k).is_some(), "cases rows have {k:?}: {case}");
    }
    for k in ["status", "prev_hash", "hash"] {
        assert!(case[k].is_string(), "cases rows have a string {k:?}: {case}");
    }
    assert!(is_hash(&case["hash"]) && is_hash(&case["prev_hash"]), "hash-chained: {case}");
    let t = case["created_at"].as_str().unwrap();
    assert!(t.len() == 20 && t.ends_with('Z'), "RFC 3339 UTC created_at: {t}");
    case
}

fn assert_done(o: &qunguan_tests::console::Outcome, what: &str) {
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{what} should be done: {o:#?}");
}

// ---------------------------------------------------------------- one test per action

#[test]
fn warn_posts_a_mentioning_text_with_the_case_id() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let target = &g.members[0].user_id;
    let c = sign_in(&g.admin);
    let o = c.act(&["warn", &g.room, target, "--reason", "spam links", "--rule", "R3"]);
    assert_done(&o, "warn");

    let events = RUNTIME.block_on(timeline(&g.server, &g.room)).unwrap();
    let sent = sent_for_case(&events, &o.case_id);
    assert_eq!(sent.len(), 1, "exactly one warning carries the case ID: {sent:#?}");
    let m = sent[0];
    assert_eq!(m["sender"], g.admin.user_id.as_str(), "signed by the acting admin");
    assert_eq!(m["content"]["msgtype"], "m.text", "m.text, so the mention notifies (m.notice does not)");
    assert_eq!(m["content"]["m.mentions"]["user_ids"], json!([target]), "mentions exactly the member");
    let body = m["content"]["body"].as_str().unwrap();
    assert!(body.contains(target.as_str()) && body.contains("spam links") && body.contains("R3"), "{body}");

    let case = case_of(&c, &o.case_id);
    assert_eq!(
        (&case["action"], &case["actor"], &case["target"], &case["reason"], &case["rule"], &case["status"]),
        (&json!("warn"), &json!(g.admin.user_id), &json!(target), &json!("spam links"), &json!("R3"), &json!("done")),
        "{case}"
    );
    assert_eq!(case["group"], g.room.as_str());

    // The member sees the warning in the group's language; the human output names the case.
    let zh = Console { qg: c.qg.env("LANG", "zh_CN.UTF-8"), key: c.key.clone(), user_id: c.user_id.clone() };
    let r = zh.run(&["warn", &g.room, target, "--reason", "刷屏"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let case_id = zh.cases(&[]).last().unwrap()["case_id"].as_str().unwrap().to_owned();
    assert!(r.stdout.contains(&case_id), "every action prints its case ID: {r:#?}");
    let events = RUNTIME.block_on(timeline(&g.server, &g.room)).unwrap();
    let body = sent_for_case(&events, &case_id)[0]["content"]["body"].as_str().unwrap().to_owned();
    assert!(body.contains("管理员警告") && body.contains("刷屏"), "Chinese template: {body}");
}

#[test]
fn mute_lowers_the_level_and_unmute_restores_what_was_there() {
    require_keyring();
    // members[0] has a level of its own (10); members[1] is at the default.
    let g = group(2, &[(0, 10)], json!({}));
    let (custom, plain) = (&g.members[0].user_id, &g.members[1].user_id);
    let c = sign_in(&g.admin);
    let events_default = || RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap()["events_default"].as_i64();
    assert_eq!(events_default(), Some(0), "the group should start unlocked (events_default 0)");

    for (who, before) in [(custom, Some(10)), (plain, None)] {
        let o = c.act(&["mute", &g.room, who, "--for", "10m", "--reason", "flooding"]);
        assert_done(&o, "mute");
        let level = RUNTIME.block_on(user_level(&g.server, &g.room, who)).unwrap();
        assert!(level.is_some_and(|l| l < 0), "muted: level below events_default 0, got {level:?}");
        let case = case_of(&c, &o.case_id);
        assert_eq!(case["detail"]["previous_power"], before.unwrap_or(0).to_string(), "{case}");
        assert!(case["detail"]["until"].as_str().is_some_and(|t| t.ends_with('Z')), "mute records its end: {case}");
        // The member really cannot post.
        let who_client = client(g.members.iter().find(|m| &m.user_id == who).unwrap());
        let err = RUNTIME.block_on(who_client.send_text(&g.room, "can I talk?")).unwrap_err();
        assert!(err.to_string().contains("403"), "a muted member cannot post: {err}");

        let o = c.act(&["unmute", &g.room, who, "--reason", "calmed down"]);
        assert_done(&o, "unmute");
        assert_eq!(
            RUNTIME.block_on(user_level(&g.server, &g.room, who)).unwrap(),
            before,
            "unmute restores the previous level, or drops the entry when it was the default"
        );
        RUNTIME.block_on(who_client.send_text(&g.room, "thanks")).expect("an unmuted member can post again");
    }
    assert_eq!(events_default(), Some(0), "muting never touches the posting level");
}

// Regression (ab771ba): a mute under a lock went to one below the locked posting level (49), a
// promotion once the lock was lifted (unit: engine regression_a_mute_made_while_locked_…).
#[test]
fn mute_while_the_group_is_locked_still_mutes_after_unlock() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let target = &g.members[0].user_id;
    let c = sign_in(&g.admin);
    assert_done(&c.act(&["lock", &g.room, "--reason", "raid"]), "lock");
    assert_done(&c.act(&["mute", &g.room, target, "--for", "1h", "--reason", "raider"]), "mute");
    assert_done(&c.act(&["unlock", &g.room, "--reason", "raid over"]), "unlock");
    let pl = RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap();
    let level = pl["users"][target.as_str()].as_i64().unwrap_or(0);
    let posting = pl["events_default"].as_i64().unwrap_or(0);
    assert!(level < posting, "muted during a lock must stay muted after it: level {level}, posting {posting}");
}

#[test]
fn remove_redacts_after_keeping_evidence_and_a_second_remove_is_a_conflict() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let spammer = client(&g.members[0]);
    let event = RUNTIME
        .block_on(async {
            spammer.send_text(&g.room, "hello all").await?;
            let e = spammer.send_text(&g.room, "加微信 abc123 免费领取").await?;
            spammer.send_text(&g.room, "bye").await?;
            anyhow::Ok(e)
        })
        .unwrap();
    let c = sign_in(&g.moder);
    let o = c.act(&["remove", &g.room, &event, "--reason", "advertising"]);
    assert_done(&o, "remove (a moderator may redact)");

    let raw = RUNTIME
        .block_on(g.server.call(
            Method::GET,
            &format!(
                "/rooms/{}/event/{}",
                qunguan_testkit::client::encode(&g.room),
                qunguan_testkit::client::encode(&event)
            ),
            None,
        ))
        .unwrap();
    assert_eq!(raw["content"], json!({}), "the content is gone from the server: {raw}");
    let because = &raw["unsigned"]["redacted_because"];
    assert_eq!(because["sender"], g.moder.user_id.as_str(), "{raw}");
    assert!(
        because["content"]["reason"].as_str().is_some_and(|r| r.contains("advertising") && r.contains(&o.case_id)),
        "the redaction carries the reason and the case: {because}"
    );
    let case = case_of(&c, &o.case_id);
    assert!(is_hash(&case["evidence_hash"]), "evidence captured before the removal: {case}");
    assert_eq!(case["target"], event.as_str());

    let again = c.act(&["remove", &g.room, &event, "--reason", "advertising"]);
    assert_eq!((again.code, again.status.as_str()), (5, "conflict"), "already removed: {again:#?}");
    assert!(again.detail.contains("already removed"), "says why: {}", again.detail);
    assert_eq!(case_of(&c, &again.case_id)["status"], "conflict");
    let redactions = RUNTIME
        .block_on(timeline(&g.server, &g.room))
        .unwrap()
        .into_iter()
        .filter(|e| e["type"] == "m.room.redaction")
        .count();
    assert_eq!(redactions, 1, "the second removal sent nothing");
}

#[test]
fn kick_ban_unban_change_membership_and_repeat_actions_are_conflict_or_already_in_effect() {
    require_keyring();
    let g = group(3, &[], json!({}));
    let [kicked, banned, leaver] = [0, 1, 2].map(|i| g.members[i].user_id.clone());
    let c = sign_in(&g.admin);
    let member = |u: &str| RUNTIME.block_on(membership(&g.server, &g.room, u)).unwrap();

    let o = c.act(&["kick", &g.room, &kicked, "--reason", "off topic"]);
    assert_done(&o, "kick");
    assert_eq!(member(&kicked).as_deref(), Some("leave"), "the kicked member should have left");
    let reason = RUNTIME.block_on(g.server.get_state(&g.room, "m.room.member", &kicked)).unwrap().unwrap();
    assert!(reason["reason"].as_str().is_some_and(|r| r.contains(&o.case_id)), "tagged with the case: {reason}");
    let again = c.act(&["kick", &g.room, &kicked, "--reason", "off topic"]);
    assert_eq!((again.code, again.status.as_str()), (5, "conflict"), "{again:#?}");

    RUNTIME.block_on(client(&g.members[2]).leave(&g.room)).unwrap();
    let gone = c.act(&["kick", &g.room, &leaver, "--reason", "too late"]);
    assert_eq!((gone.code, gone.status.as_str()), (5, "conflict"), "kicking someone who left: {gone:#?}");
    assert!(gone.detail.contains(&leaver), "names who is gone: {}", gone.detail);
    assert_eq!(case_of(&c, &gone.case_id)["status"], "conflict");

    let o = c.act(&["ban", &g.room, &banned, "--reason", "scam"]);
    assert_done(&o, "ban");
    assert_eq!(member(&banned).as_deref(), Some("ban"), "the banned member should be banned");
    let twice = c.act(&["ban", &g.room, &banned, "--reason", "scam"]);
    assert_done(&twice, "a second identical ban");
    assert!(twice.detail.contains("already in effect"), "{twice:#?}");
    let err = RUNTIME.block_on(client(&g.members[1]).join(&g.room)).unwrap_err();
    assert!(err.to_string().contains("403"), "a banned member cannot rejoin: {err}");

    let o = c.act(&["unban", &g.room, &banned, "--reason", "appeal accepted"]);
    assert_done(&o, "unban");
    assert_eq!(member(&banned).as_deref(), Some("leave"), "an unban should leave the member out, not back in");
    RUNTIME.block_on(client(&g.members[1]).join(&g.room)).expect("an unbanned member can rejoin");

    let bans = RUNTIME
        .block_on(timeline(&g.server, &g.room))
        .unwrap()
        .into_iter()
        .filter(|e| e["type"] == "m.room.member" && e["content"]["membership"] == "ban")
        .count();
    assert_eq!(bans, 1, "the second ban sent nothing");
}

#[test]
fn lock_raises_posting_and_unlock_restores_the_previous_level() {
    require_keyring();
    // An unusual posting level, so "restore" cannot pass by defaulting to 0.
    let g = group(1, &[], json!({"events_default": 5, "users_default": 10}));
    let c = sign_in(&g.admin);
    let poster = client(&g.members[0]);
    let events_default = || RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap()["events_default"].as_i64();

    let o = c.act(&["lock", &g.room, "--reason", "night mode"]);
    assert_done(&o, "lock");
    let locked = events_default().unwrap();
    assert!(locked > 10, "posting now needs more than a member has: {locked}");
    assert_eq!(case_of(&c, &o.case_id)["detail"]["previous_events_default"], "5");
    let err = RUNTIME.block_on(poster.send_text(&g.room, "hello?")).unwrap_err();
    assert!(err.to_string().contains("403"), "members cannot post in a locked group: {err}");
    RUNTIME.block_on(client(&g.moder).send_text(&g.room, "moderators still can")).expect("moderator posts");

    assert_done(&c.act(&["unlock", &g.room, "--reason", "morning"]), "unlock");
    assert_eq!(events_default(), Some(5), "unlock restores what was there");
    RUNTIME.block_on(poster.send_text(&g.room, "good morning")).expect("members post again");
}

#[test]
fn role_sets_power_levels() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let (a, b) = (&g.members[0].user_id, &g.members[1].user_id);
    let owner = sign_in(&g.owner);
    let level = |u: &str| RUNTIME.block_on(user_level(&g.server, &g.room, u)).unwrap();

    assert_done(&owner.act(&["role", &g.room, a, "moderator", "--reason", "helps a lot"]), "role moderator");
    assert_eq!(level(a), Some(50), "a moderator should get level 50");
    assert_done(&owner.act(&["role", &g.room, a, "admin", "--reason", "trusted"]), "role admin");
    assert_eq!(level(a), Some(100), "an admin should get level 100");
    assert_done(&owner.act(&["role", &g.room, a, "member", "--reason", "stepped down"]), "role member");
    assert_eq!(level(a), None, "back to member: the entry is dropped");
    // Demoting an admin is how an owner suspends admin rights.
    assert_done(&owner.act(&["role", &g.room, &g.admin.user_id, "member", "--reason", "suspended"]), "demote");
    assert_eq!(level(&g.admin.user_id), None, "a demoted admin should lose their entry");

    // Role changes edit power levels: a moderator cannot make anyone anything.
    let moder = sign_in(&g.moder);
    let refused = moder.act(&["role", &g.room, b, "moderator", "--reason", "x"]);
    assert_eq!((refused.code, refused.status.as_str()), (4, "refused"), "{refused:#?}");
    assert_eq!(level(b), None, "a refused role change should leave the level alone");
}

#[test]
fn reports_reach_the_server_admins() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let bad = &g.members[0];
    let event = RUNTIME.block_on(client(bad).send_text(&g.room, "出售身份证 110101199003077777")).unwrap();
    let c = sign_in(&g.moder);
    let staff = server_admin();

    let o = c.act(&["report", "message", &g.room, &event, "--reason", "selling IDs"]);
    assert_done(&o, "report message");
    let reports = RUNTIME
        .block_on(staff.raw(
            Method::GET,
            &format!("/_synapse/admin/v1/event_reports?limit=100&room_id={}", qunguan_testkit::client::encode(&g.room)),
            None,
        ))
        .unwrap();
    let list = reports["event_reports"].as_array().unwrap();
    let mine: Vec<&Value> = list.iter().filter(|r| r["event_id"] == event.as_str()).collect();
    assert_eq!(mine.len(), 1, "one event report: {reports:#}");
    assert_eq!(mine[0]["user_id"], g.moder.user_id.as_str(), "reported by the moderator");
    assert!(
        mine[0]["reason"].as_str().is_some_and(|r| r.contains("selling IDs") && r.contains(&o.case_id)),
        "the report's reason should carry the given reason and the case ID"
    );
    assert!(is_hash(&case_of(&c, &o.case_id)["evidence_hash"]), "evidence kept for a report");

    let o = c.act(&["report", "member", &bad.user_id, "--reason", "fraud ring"]);
    assert_done(&o, "report member");
    let reports = RUNTIME
        .block_on(staff.raw(
            Method::GET,
            &format!(
                "/_synapse/admin/v1/user_reports?limit=100&target_user_id={}",
                qunguan_testkit::client::encode(&bad.user_id)
            ),
            None,
        ))
        .unwrap();
    let list = reports["user_reports"].as_array().unwrap();
    assert_eq!(list.len(), 1, "one user report: {reports:#}");
    assert_eq!(list[0]["user_id"], g.moder.user_id.as_str());
    assert!(
        list[0]["reason"].as_str().is_some_and(|r| r.contains("fraud ring") && r.contains(&o.case_id)),
        "the report's reason should carry the given reason and the case ID"
    );
    let case = case_of(&c, &o.case_id);
    assert_eq!((case["action"].as_str(), case["target"].as_str()), (Some("report_member"), Some(&*bad.user_id)));

    // Synapse has no admin list of room reports: the exit code and the case are what we can see.
    let o = c.act(&["report", "group", &g.room, "--reason", "whole group is a scam"]);
    assert_done(&o, "report group");
    assert_eq!(case_of(&c, &o.case_id)["status"], "done");
}

// ---------------------------------------------------------------- refusals

/// A refused action: exit 4, a refused case with the reason, and nothing changed on the server.
fn assert_refused(c: &Console, args: &[&str], why: &str) -> String {
    let o = c.act(args);
    assert_eq!((o.code, o.status.as_str()), (4, "refused"), "{why}: {o:#?}");
    let case = case_of(c, &o.case_id);
    assert_eq!(case["status"], "refused", "recorded as refused ({why}): {case}");
    assert!(case["status_detail"].as_str().is_some_and(|d| !d.is_empty()), "with the reason: {case}");
    o.detail
}

// Regression (dfe7cf5): acting in a group I am not in was not a refused case with exit 4.
#[test]
fn refusals_for_lack_of_power_or_reach_exit_4_and_are_recorded() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let admin2 = user("admin2");
    RUNTIME
        .block_on(async {
            client(&admin2).join(&g.room).await?;
            g.server.set_power_levels(&g.room, &[(&admin2.user_id, Some(100))]).await
        })
        .unwrap();
    let (m0, m1) = (&g.members[0].user_id, &g.members[1].user_id);
    let pl_before = RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap();

    let moder = sign_in(&g.moder);
    let d = assert_refused(&moder, &["mute", &g.room, m0, "--for", "10m", "--reason", "x"], "a moderator muting");
    assert!(d.contains("lacks the power to mute"), "{d}");
    // The same reason as data, for the app to translate.
    let why = |args: &[&str], c: &Console| c.act(args).run.json()["why"].clone();
    assert_eq!(
        why(&["mute", &g.room, m0, "--for", "10m", "--reason", "x"], &moder),
        json!({"code": "not_allowed", "capability": "mute"})
    );
    assert_refused(&moder, &["kick", &g.room, &g.admin.user_id, "--reason", "x"], "a moderator kicking an admin");
    assert_refused(&moder, &["lock", &g.room, "--reason", "x"], "a moderator locking");

    let admin = sign_in(&g.admin);
    let d = assert_refused(&admin, &["ban", &g.room, &admin2.user_id, "--reason", "x"], "an admin banning an admin");
    assert!(d.contains("admin"), "{d}");
    assert_eq!(
        why(&["ban", &g.room, &admin2.user_id, "--reason", "x"], &admin),
        json!({"code": "target_too_powerful", "target": admin2.user_id, "role": "admin"})
    );
    for action in [&["kick"][..], &["ban"], &["mute", "--for", "1h"]] {
        let mut args = vec![action[0], &g.room, &g.owner.user_id, "--reason", "x"];
        args.extend_from_slice(&action[1..]);
        let d = assert_refused(&admin, &args, "acting on the v12 creator");
        assert!(d.contains("owner"), "{d}");
    }
    let me = assert_refused(&admin, &["mute", &g.room, &g.admin.user_id, "--for", "1h", "--reason", "x"], "myself");
    assert!(me.contains("own account"), "{me}");
    assert_eq!(why(&["kick", &g.room, &g.admin.user_id, "--reason", "x"], &admin), json!({"code": "self_target"}));
    // A Chinese terminal reads the reason in Chinese.
    let zh =
        Console { qg: admin.qg.env("LANG", "zh_CN.UTF-8"), key: admin.key.clone(), user_id: admin.user_id.clone() };
    let r = zh.run(&["ban", &g.room, &admin2.user_id, "--reason", "x"]);
    assert_eq!(r.code, 4, "{r:#?}");
    assert!(r.stdout.contains(&format!("{} 是管理员，权力不低于你。", admin2.user_id)), "{r:#?}");

    // A room where I am a plain member.
    let plain = sign_in(&g.members[0]);
    assert_refused(&plain, &["mute", &g.room, m1, "--for", "10m", "--reason", "x"], "a member muting");
    assert_refused(&plain, &["kick", &g.room, m1, "--reason", "x"], "a member kicking");

    // A room I am not in at all: beyond my reach, so refused and recorded too.
    let outsider = sign_in(&user("outsider"));
    let d = assert_refused(&outsider, &["kick", &g.room, m1, "--reason", "x"], "acting in a room I am not in");
    assert!(d.contains("not a group this account has joined"), "{d}");
    assert_eq!(why(&["kick", &g.room, m1, "--reason", "x"], &outsider), json!({"code": "not_in_group"}));

    let server = &g.server;
    RUNTIME.block_on(async {
        for u in [&g.admin.user_id, &admin2.user_id, &g.owner.user_id, m1] {
            assert_eq!(membership(server, &g.room, u).await.unwrap().as_deref(), Some("join"), "{u} still joined");
        }
        let pl = server.power_levels(&g.room).await.unwrap();
        assert_eq!(pl["events_default"], pl_before["events_default"], "not locked");
        assert_eq!(pl["users"][m1.as_str()], Value::Null, "not muted");
    });
}

// Regression (aa33e9e): a warning, mute or role change on someone who is not in the group ended as
// "done" (a warning mentioning no one, a power level for an ID the room never saw).
#[test]
fn unknown_users_and_events_get_a_clear_outcome() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let c = sign_in(&g.admin);
    let ghost = format!("@{}:{}", unique("ghost"), synapse().server_name);

    let kick = c.act(&["kick", &g.room, &ghost, "--reason", "x"]);
    assert_eq!((kick.code, kick.status.as_str()), (5, "conflict"), "{kick:#?}");
    assert!(kick.detail.contains(&ghost), "{}", kick.detail);
    for action in [&["mute", "--for", "10m"][..], &["warn"], &["role", "moderator"]] {
        let mut args = vec![action[0], &g.room, &ghost];
        args.extend_from_slice(&action[1..]);
        args.extend_from_slice(&["--reason", "x"]);
        let o = c.act(&args);
        assert_eq!((o.code, o.status.as_str()), (5, "conflict"), "{} on a non-member: {o:#?}", action[0]);
        assert!(o.detail.contains("not a member"), "{}", o.detail);
    }
    let pl = RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap();
    assert_eq!(pl["users"][&ghost], Value::Null, "no power given to a stranger: {pl}");

    let missing = format!("$nosuchevent{}", unique("e"));
    let remove = c.act(&["remove", &g.room, &missing, "--reason", "x"]);
    assert_eq!((remove.code, remove.status.as_str()), (5, "conflict"), "{remove:#?}");
    assert!(remove.detail.contains("not known"), "{}", remove.detail);
    let report = c.act(&["report", "message", &g.room, &missing, "--reason", "x"]);
    assert_eq!((report.code, report.status.as_str()), (5, "conflict"), "{report:#?}");

    // Not IDs at all: usage errors.
    for args in [
        &["kick", &g.room, "bob", "--reason", "x", "--json"][..],
        &["remove", &g.room, "not-an-event", "--reason", "x", "--json"],
    ] {
        let r = c.run(args);
        assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "{r:#?}");
    }
    // A group that does not exist.
    let r = c.run(&["kick", "#nowhere:localhost", &g.members[0].user_id, "--reason", "x", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_found"), "{r:#?}");
}

/// `@a:bad_host!` passed the old `@…:…` check, was recorded, refused by the parser at send time,
/// and blocked the queue for good; the engine now refuses it with the adapter's parser first.
#[test]
fn malformed_user_id_is_refused_before_recording() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let c = sign_in(&g.admin);
    for args in [
        &["mute", &g.room, "@a:bad_host!", "--for", "1h", "--reason", "刷屏", "--json"][..],
        &["kick", &g.room, "@a:bad_host!", "--reason", "x", "--json"],
        &["ban", &g.room, "@a:bad_host!", "--all-groups", "--reason", "x", "--json"],
        &["report", "member", "@a:bad_host!", "--reason", "x", "--json"],
        &["lock", "tech", "--reason", "x", "--json"],
    ] {
        let r = c.run(args);
        assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "{args:?}: {r:#?}");
        assert!(r.stdout.is_empty(), "no outcome printed: {r:#?}");
    }
    let r = c.run(&["mute", &g.room, "@a:bad_host!", "--for", "1h", "--reason", "x"]);
    assert!(r.stderr.contains("@a:bad_host!") && r.stderr.contains("user ID"), "names the bad ID: {}", r.stderr);
    assert_eq!(c.cases(&[]), Vec::<Value>::new(), "nothing recorded");
    assert_eq!(c.outbox(), Vec::<Value>::new(), "nothing queued");
    // And the queue is not blocked: a good action right after goes through.
    let m = &g.members[0].user_id;
    assert_done(&c.act(&["mute", &g.room, m, "--for", "1h", "--reason", "刷屏"]), "mute after a refused ID");
    assert_eq!(RUNTIME.block_on(user_level(&g.server, &g.room, m)).unwrap(), Some(-1), "muted on the server");
}

#[test]
fn bad_input_exits_2_and_records_nothing() {
    require_keyring();
    let g = group(1, &[], json!({}));
    let m = &g.members[0].user_id;
    let c = sign_in(&g.admin);
    let cases: &[(&[&str], &str)] = &[
        (&["warn", &g.room, m, "--reason", ""], "a reason is required"),
        (&["warn", &g.room, m, "--reason", "   "], "a reason is required"),
        (&["mute", &g.room, m, "--for", "-5m", "--reason", "x"], "negative"),
        (&["mute", &g.room, m, "--for", "0m", "--reason", "x"], "more than zero"),
        (&["mute", &g.room, m, "--for", "10 years", "--reason", "x"], "unit"),
        (&["mute", &g.room, m, "--for", "366d", "--reason", "x"], "one year"),
        (&["mute", &g.room, m, "--for", "53w", "--reason", "x"], "one year"),
        (&["report", "member", m, "--reason", ""], "a reason is required"),
        (&["lock", &g.room, "--reason", "\t"], "a reason is required"),
    ];
    for (args, why) in cases {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let r = c.run(&with_json);
        assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "{args:?}: {r:#?}");
        assert!(r.stderr.contains(why), "{args:?} says why ({why}): {}", r.stderr);
        assert!(r.stdout.is_empty(), "no outcome printed: {r:#?}");
    }
    for args in [&["warn", &g.room, m][..], &["mute", &g.room, m, "--reason", "x"], &["role", &g.room, m, "boss"]] {
        let r = c.run(args);
        assert_eq!(r.code, 2, "missing or bad arguments are a usage error: {args:?} {r:#?}");
    }
    assert_eq!(c.cases(&[]), Vec::<Value>::new(), "nothing recorded");
    assert_eq!(c.outbox(), Vec::<Value>::new(), "nothing queued");
    let pl = RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap();
    assert_eq!(pl["users"][m.as_str()], Value::Null, "nothing done");
}

// ---------------------------------------------------------------- offline

#[test]
fn offline_actions_are_queued_then_carried_out_exactly_once() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let (warned, banned) = (&g.members[0].user_id, &g.members[1].user_id);
    let target: SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = Proxy::start(target);
    let port = proxy.port();
    let c = Console::sign_in(&proxy.url(), &g.admin);
    assert_eq!(c.run(&["groups", "--json"]).code, 0, "reading through the proxy should work before it is cut");

    proxy.stop();
    let warn = c.act(&["warn", &g.room, warned, "--reason", "last warning"]);
    assert_eq!((warn.code, warn.status.as_str()), (3, "queued"), "{warn:#?}");
    assert!(warn.detail.contains("later"), "says it will be carried out later: {}", warn.detail);
    let ban = c.act(&["ban", &g.room, banned, "--reason", "spam bot"]);
    assert_eq!((ban.code, ban.status.as_str()), (3, "queued"), "{ban:#?}");

    let outbox = c.outbox();
    assert_eq!(outbox.len(), 2, "{outbox:#?}");
    for (e, (o, action, who)) in outbox.iter().zip([(&warn, "warn", warned), (&ban, "ban", banned)]) {
        assert_eq!((e["case_id"].as_str(), e["action"].as_str()), (Some(&*o.case_id), Some(action)), "{e}");
        assert_eq!((e["group"].as_str(), e["target"].as_str()), (Some(&*g.room), Some(&**who)), "{e}");
        assert_eq!(e["status"], "queued", "{e}");
        assert!(e["attempts"].is_u64(), "{e}");
        assert!(e["next_attempt_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
        assert!(e["last_error"].as_str().is_some_and(|s| !s.is_empty()), "says what went wrong: {e}");
    }
    assert_eq!(c.case(&warn.case_id)["status"], "queued");
    let events = RUNTIME.block_on(timeline(&g.server, &g.room)).unwrap();
    assert!(sent_for_case(&events, &warn.case_id).is_empty(), "nothing reached the server yet");
    assert_eq!(
        RUNTIME.block_on(membership(&g.server, &g.room, banned)).unwrap().as_deref(),
        Some("join"),
        "a queued ban should not have reached the server yet"
    );

    // Still offline: a retry keeps them queued (exit 3) and counts the attempt.
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        c.outbox().iter().all(|e| e["status"] == "queued" && e["attempts"].as_u64() >= Some(1)),
        "an unreachable homeserver should leave every entry queued, with its attempt counted"
    );

    // Back online on the same address.
    let _back = Proxy::start_on(port, target);
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let outcomes = r.json();
    let outcomes = outcomes.as_array().expect("outbox retry prints an array of outcomes");
    assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    for o in outcomes {
        assert_eq!(outcome_fields(o).1, "done", "{o}");
    }
    let again = c.run(&["outbox", "retry", "--json"]);
    assert_eq!((again.code, again.json()), (0, json!([])), "nothing left to do: {again:#?}");

    let events = RUNTIME.block_on(timeline(&g.server, &g.room)).unwrap();
    assert_eq!(sent_for_case(&events, &warn.case_id).len(), 1, "the warning was sent exactly once");
    let bans = events.iter().filter(|e| e["type"] == "m.room.member" && e["content"]["membership"] == "ban").count();
    assert_eq!(bans, 1, "banned exactly once");
    assert_eq!(
        RUNTIME.block_on(membership(&g.server, &g.room, banned)).unwrap().as_deref(),
        Some("ban"),
        "the queued ban should be carried out once back online"
    );
    for e in c.outbox() {
        assert_eq!((e["status"].as_str(), &e["next_attempt_at"]), (Some("done"), &Value::Null), "{e}");
    }
    assert_eq!(c.case(&ban.case_id)["status"], "done");
}

#[test]
fn cancelled_entry_is_never_carried_out() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let (kept, kicked) = (&g.members[0].user_id, &g.members[1].user_id);
    let target: SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = Proxy::start(target);
    let port = proxy.port();
    let c = Console::sign_in(&proxy.url(), &g.admin);
    proxy.stop();
    let wrong = c.act(&["kick", &g.room, kept, "--reason", "spam"]);
    let right = c.act(&["kick", &g.room, kicked, "--reason", "spam"]);
    assert_eq!((wrong.code, right.code), (3, 3), "queued while offline: {wrong:#?} {right:#?}");

    let r = c.run(&["outbox", "cancel", &wrong.case_id, "--reason", "", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "a reason is required: {r:#?}");
    let r = c.run(&["outbox", "cancel", &wrong.case_id, "--reason", "wrong member", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let (case_id, status, detail) = outcome_fields(&r.json());
    assert_eq!((case_id.as_str(), status.as_str()), (wrong.case_id.as_str(), "cancelled"), "{r:#?}");
    assert!(detail.contains("wrong member"), "{detail}");
    let again = c.run(&["outbox", "cancel", &wrong.case_id, "--reason", "twice", "--json"]);
    assert_eq!((again.code, again.error_code().as_str()), (2, "invalid_input"), "only queued: {again:#?}");

    let case = c.case(&wrong.case_id);
    assert_eq!(case["status"], "cancelled", "recorded in the case: {case}");
    assert!(case["status_detail"].as_str().is_some_and(|d| d.contains("wrong member")), "{case}");
    let entry = c.outbox().into_iter().find(|e| e["case_id"] == wrong.case_id.as_str()).unwrap();
    assert_eq!((entry["status"].as_str(), &entry["next_attempt_at"]), (Some("cancelled"), &Value::Null), "{entry}");

    // The server comes back: only the other one is carried out.
    let _back = Proxy::start_on(port, target);
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let done: Vec<_> = r.json().as_array().unwrap().iter().map(outcome_fields).collect();
    assert_eq!(done.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect::<Vec<_>>(), [(&*right.case_id, "done")]);
    assert_eq!(RUNTIME.block_on(membership(&g.server, &g.room, kept)).unwrap().as_deref(), Some("join"), "not kicked");
    assert_eq!(
        RUNTIME.block_on(membership(&g.server, &g.room, kicked)).unwrap().as_deref(),
        Some("leave"),
        "the right queued kick should be carried out"
    );
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!((r.code, r.json()), (0, json!([])), "nothing left: {r:#?}");
    assert_eq!(c.run(&["audit", "verify"]).code, 0, "the cancellation is chained like any outcome");
}

/// `qg serve` and scripts run on `QG_HOMESERVER` + `QG_ACCESS_TOKEN`; such a session used to ask
/// the server who it is at every start, so with the server away every command exited 1.
#[test]
fn token_session_works_offline_like_a_keyring_session() {
    let g = group(1, &[], json!({}));
    let m = &g.members[0].user_id;
    let target: SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = Proxy::start(target);
    let port = proxy.port();
    let qg = qunguan_tests::Qg::new()
        .env("QG_HOMESERVER", &proxy.url())
        .env("QG_ACCESS_TOKEN", &g.admin.access_token)
        .env("QG_CACHE_KEY", &qunguan_tests::console::random_key());
    let online = qg.run(&["groups", "--json"], "");
    assert_eq!(online.code, 0, "{online:#?}");
    assert!(online.stdout.contains(&g.room), "{online:#?}");

    proxy.stop();
    let offline = qg.run(&["groups", "--json"], "");
    assert_eq!(offline.code, 0, "served from the cache: {offline:#?}");
    assert_eq!(offline.json(), online.json(), "the cached groups");
    assert!(offline.stderr.contains("offline since"), "says it is offline: {offline:#?}");
    let kick = qg.run(&["kick", &g.room, m, "--reason", "spam", "--json"], "");
    assert_eq!(kick.code, 3, "queued: {kick:#?}");
    let (case_id, status, _) = outcome_fields(&serde_json::from_str(&kick.stdout).unwrap());
    assert_eq!(status, "queued");
    assert_eq!(
        RUNTIME.block_on(membership(&g.server, &g.room, m)).unwrap().as_deref(),
        Some("join"),
        "a queued kick should not have reached the server yet"
    );
    for entry in std::fs::read_dir(qg.home.path().join("tokens")).expect("the token's account is remembered") {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!body.contains(&g.admin.access_token), "never the token itself: {body}");
    }

    let _back = Proxy::start_on(port, target);
    let r = qg.run(&["outbox", "retry", "--json"], "");
    assert_eq!(r.code, 0, "{r:#?}");
    let done: Vec<_> = r.json().as_array().unwrap().iter().map(outcome_fields).collect();
    assert_eq!(done.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect::<Vec<_>>(), [(&*case_id, "done")]);
    assert_eq!(RUNTIME.block_on(membership(&g.server, &g.room, m)).unwrap().as_deref(), Some("leave"), "kicked");
}

#[test]
fn the_world_changing_while_queued_ends_as_conflict_or_refused() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let (leaver, muted) = (&g.members[0], &g.members[1].user_id);
    let event = RUNTIME.block_on(client(leaver).send_text(&g.room, "spam spam")).unwrap();
    let target: SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = Proxy::start(target);
    let port = proxy.port();
    let c = Console::sign_in(&proxy.url(), &g.admin);
    proxy.stop();
    let kick = c.act(&["kick", &g.room, &leaver.user_id, "--reason", "spam"]);
    let remove = c.act(&["remove", &g.room, &event, "--reason", "spam"]);
    let mute = c.act(&["mute", &g.room, muted, "--for", "1h", "--reason", "spam"]);
    for o in [&kick, &remove, &mute] {
        assert_eq!(o.code, 3, "queued while offline: {o:#?}");
    }

    // Meanwhile: the member leaves, another moderator removes the message, and the owner
    // lowers my power to moderator.
    RUNTIME
        .block_on(async {
            client(leaver).leave(&g.room).await?;
            client(&g.moder).redact(&g.room, &event, "seen it first").await?;
            g.server.set_power_levels(&g.room, &[(&g.admin.user_id, Some(50))]).await
        })
        .unwrap();

    let _back = Proxy::start_on(port, target);
    let r = c.run(&["outbox", "retry", "--json"]);
    let outcomes: Vec<(String, String, String)> =
        r.json().as_array().expect("an array of outcomes").iter().map(outcome_fields).collect();
    let by_case = |id: &str| outcomes.iter().find(|o| o.0 == id).unwrap_or_else(|| panic!("{id}: {outcomes:#?}"));
    let (_, status, detail) = by_case(&kick.case_id);
    assert_eq!(status, "conflict", "the target left: {detail}");
    let (_, status, detail) = by_case(&remove.case_id);
    assert_eq!(status, "conflict", "the message is gone: {detail}");
    assert!(detail.contains("already removed"), "{detail}");
    let (_, status, detail) = by_case(&mute.case_id);
    assert_eq!(status, "refused", "my power was lowered: {detail}");
    assert!(detail.contains("lacks the power"), "{detail}");
    assert_eq!(r.code, 4, "the worst outcome decides the exit code (refused): {r:#?}");
    for (id, status) in [(&kick.case_id, "conflict"), (&remove.case_id, "conflict"), (&mute.case_id, "refused")] {
        assert_eq!(c.case(id)["status"], status);
    }
    assert!(c.outbox().iter().all(|e| e["status"] != "queued"), "settled, not retried forever");
    assert_eq!(RUNTIME.block_on(user_level(&g.server, &g.room, muted)).unwrap(), None, "not muted");
}

// ---------------------------------------------------------------- tampering

#[test]
fn audit_verify_finds_edited_deleted_reordered_and_truncated_entries() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let c = sign_in(&g.admin);
    let (a, b) = (&g.members[0].user_id, &g.members[1].user_id);
    let ids: Vec<String> = [
        &["warn", &g.room, a, "--reason", "first"][..],
        &["warn", &g.room, b, "--reason", "second"],
        &["mute", &g.room, a, "--for", "1h", "--reason", "third"],
        &["unmute", &g.room, a, "--reason", "fourth"],
    ]
    .iter()
    .map(|args| {
        let o = c.act(args);
        assert_done(&o, args[0]);
        o.case_id
    })
    .collect();

    let ok = c.run(&["audit", "verify", "--json"]);
    assert_eq!(ok.code, 0, "an untouched log verifies: {ok:#?}");
    let report = ok.json();
    assert_eq!((report["ok"].as_bool(), report["records"].as_u64()), (Some(true), Some(8)), "{report}");
    assert_eq!(report["broken"], Value::Null);

    // Each scenario on its own copy of the data directory. Rows of the group's chain, in order:
    // 0 decision(first) 1 outcome(first) 2 decision(second) 3 outcome(second) 4 … 7 outcome(fourth).
    let row =
        |i: usize| format!("(SELECT seq FROM case_log WHERE group_id = '{}' ORDER BY seq LIMIT 1 OFFSET {i})", g.room);
    let scenarios: Vec<(&str, String, u64, Option<&str>, &str)> = vec![
        (
            "edit a reason",
            format!("UPDATE case_log SET record = replace(record, '\"second\"', '\"nothing\"') WHERE seq = {}", row(2)),
            2,
            Some(ids[1].as_str()),
            "edited",
        ),
        (
            "edit an outcome",
            format!("UPDATE case_log SET record = replace(record, '\"done\"', '\"refused\"') WHERE seq = {}", row(5)),
            5,
            Some(ids[2].as_str()),
            "edited",
        ),
        (
            "delete an entry",
            format!("DELETE FROM case_log WHERE seq = {}", row(2)),
            2,
            Some(ids[1].as_str()),
            "unlinked",
        ),
        (
            "reorder two entries",
            format!(
                "UPDATE case_log SET seq = -1 WHERE seq = {r2};
                 UPDATE case_log SET seq = {r2} WHERE seq = {r4};
                 UPDATE case_log SET seq = {r4} WHERE seq = -1;",
                r2 = "(SELECT seq FROM sel WHERE n = 2)",
                r4 = "(SELECT seq FROM sel WHERE n = 4)"
            ),
            2,
            Some(ids[2].as_str()),
            "unlinked",
        ),
        ("drop the newest entry", format!("DELETE FROM case_log WHERE seq = {}", row(7)), 7, None, "truncated"),
    ];
    for (what, sql, index, case_id, kind) in scenarios {
        let copy = c.copy();
        let store = copy.open_store();
        if what.starts_with("reorder") {
            // Freeze the positions first: the swap must not move the rows it selects by.
            store
                .tamper(&format!(
                    "CREATE TEMP TABLE sel AS SELECT seq, row_number() OVER (ORDER BY seq) - 1 AS n
                     FROM case_log WHERE group_id = '{}';",
                    g.room
                ))
                .unwrap();
        }
        store.tamper(&sql).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        drop(store);
        let r = copy.run(&["audit", "verify", "--json"]);
        assert_eq!(r.code, 6, "{what}: a broken chain exits 6: {r:#?}");
        let report = r.json();
        let broken = &report["broken"];
        assert_eq!(report["ok"], false, "{what}: {report}");
        assert_eq!(broken["group"], g.room.as_str(), "{what}: {report}");
        assert_eq!(broken["index"].as_u64(), Some(index), "{what}: names the entry: {report}");
        assert_eq!(broken["case_id"].as_str(), case_id, "{what}: names the case: {report}");
        assert_eq!(broken["kind"], kind, "{what}: {report}");
        let human = copy.run(&["audit", "verify"]);
        assert_eq!(human.code, 6, "a broken chain should exit 6 in the human output too");
        assert!(human.stdout.contains(&format!("#{index}")), "{what}: {}", human.stdout);
        if let Some(id) = case_id {
            assert!(human.stdout.contains(id), "{what}: the human report names the case: {}", human.stdout);
        }
    }

    // A forger who re-hashes the edited entry still breaks the link to the next one.
    let copy = c.copy();
    let store = copy.open_store();
    let chain = store.chain(&g.room).unwrap();
    let mut forged = chain[2].clone();
    forged.record.reason = "nothing happened".into();
    forged.hash = qunguan_core::case::hash_record(&forged.prev_hash, &forged.record);
    let json = serde_json::to_string(&forged.record).unwrap().replace('\'', "''");
    store
        .tamper(&format!("UPDATE case_log SET record = '{json}', hash = '{}' WHERE seq = {}", forged.hash, row(2)))
        .unwrap();
    drop(store);
    let r = copy.run(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 6, "{r:#?}");
    assert_eq!(r.json()["broken"]["index"], 3, "the next entry no longer links: {}", r.stdout);

    // The original is untouched.
    assert_eq!(c.run(&["audit", "verify"]).code, 0, "the untouched original store should still verify");
}

#[test]
fn ban_all_groups_bans_everywhere_and_writes_the_shared_blocklist() {
    require_keyring();
    let g1 = group(1, &[], json!({}));
    let spammer = g1.members[0].clone();
    // A second group the same owner manages, with the spammer in it too.
    let spec = RoomSpec { name: Some(format!("群 {}", unique("g2"))), ..RoomSpec::default() };
    let room2 = RUNTIME
        .block_on(async {
            let room = g1.server.create_room(&spec).await?;
            client(&spammer).join(&room).await?;
            anyhow::Ok(room)
        })
        .unwrap();
    let c = sign_in(&g1.owner);
    let r = c.run(&["ban", &g1.room, &spammer.user_id, "--all-groups", "--reason", "诈骗广告", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let outcomes = r.json();
    let outcomes = outcomes.as_array().expect("an array for a multi-group action");
    assert_eq!(outcomes.len(), 3, "one case per group plus the blocklist entry: {outcomes:#?}");
    assert!(outcomes.iter().all(|o| o["status"] == "done" && o["case_id"].is_string()), "{outcomes:#?}");
    for room in [&g1.room, &room2] {
        let m = RUNTIME.block_on(membership(&g1.server, room, &spammer.user_id)).unwrap();
        assert_eq!(m.as_deref(), Some("ban"), "banned in {room}");
    }

    // The policy list: a room of the owner's, marked as Qunguan's, never listed as a group.
    let policy_room = RUNTIME
        .block_on(async {
            for room in g1.server.joined_rooms().await? {
                if g1.server.get_state(&room, "org.qunguan.room", "").await?.is_some_and(|m| m["kind"] == "policy") {
                    return anyhow::Ok(room);
                }
            }
            anyhow::bail!("no policy list room")
        })
        .unwrap();
    let rule_key = format!("rule:{}", spammer.user_id);
    let rule = RUNTIME.block_on(g1.server.get_state(&policy_room, "m.policy.rule.user", &rule_key)).unwrap().unwrap();
    assert_eq!(
        (rule["entity"].as_str(), rule["recommendation"].as_str()),
        (Some(spammer.user_id.as_str()), Some("m.ban"))
    );
    assert!(rule["reason"].as_str().is_some_and(|r| r.contains("诈骗广告")), "{rule}");
    let groups = c.run(&["groups", "--json"]).json();
    assert!(
        groups.as_array().unwrap().iter().all(|g| g["id"] != policy_room.as_str()),
        "the policy list is not a group: {groups:#}"
    );
    assert_eq!(
        c.cases(&[]).iter().filter(|c| c["action"] == "blocklist_add").count(),
        1,
        "ban --all-groups should add one blocklist case"
    );

    let r = c.run(&["unban", &g1.room, &spammer.user_id, "--all-groups", "--reason", "申诉成功", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    for room in [&g1.room, &room2] {
        let m = RUNTIME.block_on(membership(&g1.server, room, &spammer.user_id)).unwrap();
        assert_eq!(m.as_deref(), Some("leave"), "unbanned in {room}");
    }
    let cleared = RUNTIME.block_on(g1.server.get_state(&policy_room, "m.policy.rule.user", &rule_key)).unwrap();
    assert!(cleared.as_ref().is_none_or(|c| c.as_object().is_some_and(|o| o.is_empty())), "entry cleared: {cleared:?}");
}

// Regression (8b9143b): two admins muting at once lost one of the mutes (the later power-levels
// write replaced the earlier); it fails without the write-back (unit: matrix power regression_…).
#[test]
fn concurrent_mutes_by_two_admins_both_hold() {
    require_keyring();
    let g = group(2, &[], json!({}));
    let (m0, m1) = (&g.members[0].user_id, &g.members[1].user_id);
    // The owner's console goes through a proxy that holds its power-level writes to this group
    // (the room ID's opaque part, as it appears percent-encoded in the path).
    let opaque = g.room.trim_start_matches('!').split(':').next().unwrap();
    let gate = Gate::new(&["PUT ", opaque, "/state/m.room.power_levels"]);
    let target: SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start_holding(target, gate.clone());
    let (slow, fast) = (Console::sign_in(&proxy.url(), &g.owner), sign_in(&g.admin));

    std::thread::scope(|s| {
        let first = s.spawn(|| slow.act(&["mute", &g.room, m0, "--for", "1h", "--reason", "flooding"]));
        assert!(
            gate.wait_held(1, std::time::Duration::from_secs(90)),
            "the owner's console read the power levels and its write reached the proxy"
        );
        // The admin reads the same levels and writes first; the owner's write, based on the
        // levels before it, lands after it.
        assert_done(&fast.act(&["mute", &g.room, m1, "--for", "1h", "--reason", "flooding"]), "the admin's mute");
        let between = RUNTIME.block_on(user_level(&g.server, &g.room, m1)).unwrap();
        assert!(
            between.is_some_and(|l| l < 0),
            "the admin's mute landed while the owner's write was held: {between:?}"
        );
        gate.release();
        assert_done(&first.join().expect("the owner's qg ran"), "the owner's mute");
    });

    let pl = RUNTIME.block_on(g.server.power_levels(&g.room)).unwrap();
    for (who, m) in [("the owner's", m0), ("the admin's", m1)] {
        assert!(pl["users"][m.as_str()].as_i64().is_some_and(|l| l < 0), "{who} mute of {m} holds: {pl}");
    }
    assert_eq!(pl["users"][g.admin.user_id.as_str()], 100, "the rest of the levels are intact: {pl}");
}
