//! Members' credit and the warning ladder through `qg`, against a real Synapse: the score and
//! level `qg credit` and `qg members --json` show after real actions, recovery once the
//! injected clock (`QG_TEST_NOW`) has moved on, a group's own policy in the group's state, and
//! the automatic ladder's timed mute read back from the server's power levels.

use std::sync::OnceLock;

use qunguan_core::time::rfc3339_from_millis;
use qunguan_testkit::{Client, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, create_group, unique, user_level};
use qunguan_tests::{RUNTIME, Run, require_keyring};
use serde_json::{Value, json};

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

fn user(prefix: &str) -> TestUser {
    RUNTIME.block_on(synapse().register(&unique(prefix), PASSWORD, false)).expect("register")
}

const DAY_MS: i64 = 86_400_000;

/// The injected clock: now, to the second, so every case of the test is dated by it.
fn t0() -> i64 {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    ms - ms % 1000
}

/// `qg ARGS` with the engine's clock at `now_ms`.
fn at(c: &Console, now_ms: i64, args: &[&str]) -> Run {
    c.qg.run_with(args, "", &[("QG_TEST_NOW", &rfc3339_from_millis(now_ms))])
}

/// An action at `now_ms`, done.
fn act(c: &Console, now_ms: i64, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let r = at(c, now_ms, &all);
    assert_eq!(r.code, 0, "`qg {}` should be done: {r:#?}", args.join(" "));
    r.json()
}

fn credit(c: &Console, now_ms: i64, room: &str, member: &str) -> Value {
    let r = at(c, now_ms, &["credit", room, member, "--json"]);
    assert_eq!(r.code, 0, "qg credit: {r:#?}");
    r.json()
}

#[test]
fn two_warnings_and_a_mute_show_in_credit_and_members_and_heal_with_the_clock() {
    require_keyring();
    let (owner, admin, member) = (user("owner"), user("admin"), user("member"));
    let room = create_group(&synapse().base_url, &owner, &[(&admin, 100)], &[&admin, &member], "信用");
    let c = Console::sign_in(&synapse().base_url, &admin);
    let m = member.user_id.as_str();
    let t = t0();
    for args in [
        ["warn", &room, m, "--reason", "广告", "--rule", "R2"].as_slice(),
        &["warn", &room, m, "--reason", "刷屏"],
        &["mute", &room, m, "--for", "1d", "--reason", "又刷屏"],
    ] {
        act(&c, t, args);
    }

    let got = credit(&c, t, &room, m);
    assert_eq!((&got["user_id"], &got["group"]), (&json!(m), &json!(room)), "{got:#}");
    assert_eq!((&got["score"], &got["level"]), (&json!(80), &json!("fair")), "100 − 5 − 5 − 10: {got:#}");
    let changes = got["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 3, "three explained changes: {got:#}");
    let cases: Vec<Value> = c.cases(&["--user", m]);
    for (change, (action, rule, delta)) in changes.iter().zip([
        ("warn", "points.warn", -5),
        ("warn", "points.warn", -5),
        ("mute", "points.mute.up_to_1d", -10),
    ]) {
        assert_eq!(
            (&change["action"], &change["rule"], &change["delta"]),
            (&json!(action), &json!(rule), &json!(delta))
        );
        assert_eq!(change["at"], rfc3339_from_millis(t).as_str(), "dated: {change}");
        let case_id = change["case_id"].as_str().expect("a case ID");
        assert!(cases.iter().any(|k| k["case_id"] == case_id), "{case_id} is a case in qg cases");
    }
    assert_eq!(changes[0]["case_rule"], "R2", "the rule the case cited is kept too");

    let members = at(&c, t, &["members", &room, "--json"]);
    assert_eq!(members.code, 0, "{members:#?}");
    let list = members.json();
    let row = |u: &str| list.as_array().unwrap().iter().find(|r| r["user_id"] == u).cloned().unwrap();
    assert_eq!(row(m)["credit"], json!({"score": 80, "level": "fair"}), "{list:#}");
    assert_eq!(row(&owner.user_id)["credit"], json!({"score": 100, "level": "good"}), "no case: the start");

    // Four clean weeks after the mute: +1 a week, one recovery change.
    let later = credit(&c, t + 29 * DAY_MS, &room, m);
    assert_eq!(later["score"], 84, "{later:#}");
    let last = later["changes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["kind"], &last["delta"], &last["steps"], &last["case_id"]),
        (&json!("recovery"), &json!(4), &json!(4), &Value::Null)
    );
    let healed = credit(&c, t + 200 * DAY_MS, &room, m);
    assert_eq!((&healed["score"], &healed["level"]), (&json!(100), &json!("good")), "never above the start");
    let r = at(&c, t + 29 * DAY_MS, &["members", &room, "--json"]);
    let row = r.json().as_array().unwrap().iter().find(|r| r["user_id"] == m).cloned().unwrap();
    assert_eq!(row["credit"], json!({"score": 84, "level": "fair"}), "the member list heals with the clock too");

    // The human table names every change.
    let text = at(&c, t, &["credit", &room, m]);
    assert!(text.stdout.contains("80/100, fair") && text.stdout.contains("points.mute.up_to_1d"), "{text:#?}");
}

#[test]
fn a_groups_own_ladder_suggests_its_step_and_when_automatic_takes_the_timed_mute() {
    require_keyring();
    let (owner, admin, moder, member) = (user("owner"), user("admin"), user("mod"), user("member"));
    let room =
        create_group(&synapse().base_url, &owner, &[(&admin, 100), (&moder, 50)], &[&admin, &moder, &member], "阶梯");
    let c = Console::sign_in(&synapse().base_url, &admin);
    let m = member.user_id.as_str();
    let server = Client::new(&synapse().base_url, &owner.access_token);
    let t = t0();
    let policy = |automatic: bool| {
        json!({"ladder": {"counts": ["warn"], "window": "30d", "automatic": automatic,
                          "steps": [{"after": 3, "action": "mute", "seconds": "2h"}, {"after": 4, "action": "kick"}]}})
        .to_string()
    };
    let file = c.qg.home.path().join("ladder.json");
    let set = |text: &str| {
        std::fs::write(&file, text).unwrap();
        c.run(&["credit-policy", &room, "--set", file.to_str().unwrap(), "--json"])
    };
    let state = || RUNTIME.block_on(server.get_state(&room, "org.qunguan.credit_policy", "")).unwrap();

    // A bad policy: exit 2, the field named, nothing written to the group.
    let bad = set(r#"{"recovery": {"points": -1}}"#);
    assert_eq!((bad.code, bad.stdout.as_str()), (2, ""), "{bad:#?}");
    assert!(bad.stderr.contains("recovery.points: must not be negative"), "{bad:#?}");
    let unordered = set(r#"{"levels": {"good": 60, "fair": 70}}"#);
    assert!(unordered.code == 2 && unordered.stderr.contains("levels.fair"), "{unordered:#?}");
    assert_eq!(state(), None, "nothing applied on error");

    let ok = set(&policy(false));
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert_eq!(state().expect("the policy is the group's state")["ladder"]["steps"][0]["seconds"], 7200);
    let read = c.run(&["credit-policy", &room]);
    assert!(read.stdout.contains("The group's own credit policy"), "{read:#?}");
    let by_mod = Console::sign_in(&synapse().base_url, &moder);
    std::fs::write(by_mod.qg.home.path().join("p.json"), "{}").unwrap();
    let refused =
        by_mod.run(&["credit-policy", &room, "--set", by_mod.qg.home.path().join("p.json").to_str().unwrap()]);
    assert_eq!(refused.code, 1, "a moderator does not set how members are judged: {refused:#?}");

    // Two warnings: the ladder names the mute at the third, and takes nothing by itself.
    for _ in 0..2 {
        let o = act(&c, t, &["warn", &room, m, "--reason", "刷屏"]);
        assert!(o.get("ladder_step").is_none(), "{o}");
    }
    let standing = credit(&c, t, &room, m)["ladder"].clone();
    assert_eq!((&standing["count"], &standing["due"]), (&json!(2), &Value::Null), "{standing:#}");
    assert_eq!(standing["next"], json!({"after": 3, "action": "mute", "seconds": 7200}), "{standing:#}");
    assert_eq!(RUNTIME.block_on(user_level(&server, &room, m)).unwrap(), None, "not muted yet");

    // Automatic: the third warning takes the 2-hour mute, as the admin's own case citing the step.
    assert_eq!(set(&policy(true)).code, 0);
    let third = act(&c, t, &["warn", &room, m, "--reason", "还在刷屏"]);
    let step = third["ladder_step"].clone();
    assert_eq!(step["status"], "done", "{third:#}");
    assert_eq!(RUNTIME.block_on(user_level(&server, &room, m)).unwrap(), Some(-1), "muted on the server");
    let mute = c.case(step["case_id"].as_str().unwrap());
    assert_eq!(
        (&mute["action"], &mute["actor"], &mute["rule"]),
        (&json!("mute"), &json!(admin.user_id), &json!("ladder:3"))
    );
    assert_eq!(mute["detail"]["until"], rfc3339_from_millis(t + 2 * 3_600_000).as_str(), "a 2-hour mute: {mute:#}");
    assert!(
        mute["reason"].as_str().unwrap().contains(third["case_id"].as_str().unwrap()),
        "names the warning: {mute:#}"
    );
    let members = at(&c, t, &["members", &room, "--json"]).json();
    let row = members.as_array().unwrap().iter().find(|r| r["user_id"] == m).cloned().unwrap();
    assert_eq!(
        (&row["muted"], &row["credit"]["score"]),
        (&json!(true), &json!(75)),
        "three warnings and a 2h mute: {row:#}"
    );
}
