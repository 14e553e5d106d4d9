//! Two admins, each with their own `qg` home: a case one of them makes appears in the other's
//! `qg cases`, through the group's moderation room on the real Synapse.

use std::sync::OnceLock;

use qunguan_testkit::{Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, unique};
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
    let o = Client::new(&s.base_url, &owner.access_token);
    let room = RUNTIME
        .block_on(async {
            let spec = RoomSpec {
                name: Some(format!("群 {}", unique("share"))),
                power: vec![(admin.user_id.clone(), 100)],
                ..RoomSpec::default()
            };
            let room = o.create_room(&spec).await?;
            for u in [&admin, &member] {
                Client::new(&s.base_url, &u.access_token).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .unwrap();
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
        assert!(r.json()["ok"].as_bool().unwrap());
    }
    assert_eq!(owner_qg.cases(&[]).len(), 2);
    assert_eq!(admin_qg.cases(&[]).len(), 2);

    // The moderation room is the console's own: never listed as a group.
    let groups = admin_qg.run(&["groups", "--json"]).json();
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups:#}");
}
