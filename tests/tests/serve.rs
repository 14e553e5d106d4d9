//! Timed mutes end on time under `qg serve`, and a reversal missed while nothing ran is
//! carried out at the next start.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use qunguan_testkit::{Client, RoomSpec, Synapse};
use qunguan_tests::{Qg, RUNTIME, qg_binary, require_keyring};

const PASSWORD: &str = "serve-test-password";

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

/// The member's power level in the room, as the server holds it.
fn level(admin: &Client, room: &str, user: &str) -> Option<i64> {
    let path = format!("/rooms/{}/state/m.room.power_levels/", qunguan_testkit::client::encode(room));
    let pl = RUNTIME.block_on(admin.call(reqwest::Method::GET, &path, None)).expect("power levels");
    pl["users"][user].as_i64()
}

/// Runs `qg serve` for `seconds`, then SIGTERM; returns its stdout.
fn serve_for(qg: &Qg, seconds: u64) -> String {
    serve_with(qg, seconds, &[])
}

/// [`serve_for`] with more environment (`QG_TEST_NOW`: the engine's clock).
fn serve_with(qg: &Qg, seconds: u64, env: &[(&str, &str)]) -> String {
    let child = Command::new(qg_binary())
        .args(["--home"])
        .arg(qg.home.path())
        .args(["serve", "--interval", "1", "--json"])
        .env("LANG", "en_US.UTF-8")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn qg serve");
    std::thread::sleep(Duration::from_secs(seconds));
    // SIGTERM, as a service manager would stop it.
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let out = child.wait_with_output().expect("qg serve output");
    assert!(out.status.success(), "qg serve stops cleanly on SIGTERM: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_timed_mute_ends_under_serve_and_a_missed_one_at_the_next_start() {
    require_keyring();
    let s = synapse();
    let pid = std::process::id();
    let owner = RUNTIME.block_on(s.register(&format!("sowner{pid}"), PASSWORD, false)).unwrap();
    let m1 = RUNTIME.block_on(s.register(&format!("sm1x{pid}"), PASSWORD, false)).unwrap();
    let m2 = RUNTIME.block_on(s.register(&format!("sm2x{pid}"), PASSWORD, false)).unwrap();
    let o = Client::new(&s.base_url, &owner.access_token);
    let room = RUNTIME
        .block_on(async {
            let spec =
                RoomSpec {
                    name: Some("限时禁言".into()), power: vec![(m1.user_id.clone(), 20)], ..Default::default()
                };
            let room = o.create_room(&spec).await?;
            for m in [&m1, &m2] {
                Client::new(&s.base_url, &m.access_token).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .unwrap();

    let qg = Qg::new();
    let r = qg.run(&["login", "--homeserver", &s.base_url, "--user", &owner.user_id, "--password-stdin"], PASSWORD);
    assert_eq!(r.code, 0, "{r:#?}");
    for (m, d) in [(&m1, "2s"), (&m2, "1s")] {
        let r = qg.run(&["mute", &room, &m.user_id, "--for", d, "--reason", "刷屏", "--json"], "");
        assert_eq!(r.code, 0, "{r:#?}");
    }
    assert_eq!(level(&o, &room, &m1.user_id), Some(-1), "muted");
    assert_eq!(level(&o, &room, &m2.user_id), Some(-1), "muted");
    let members = qg.run(&["members", &room, "--json"], "").json();
    let row = members.as_array().unwrap().iter().find(|m| m["user_id"] == m1.user_id.as_str()).unwrap().clone();
    assert_eq!(row["muted"], true, "{row}");
    assert!(row["muted_until"].as_str().is_some_and(|t| t.ends_with('Z')), "the mute's end is shown: {row}");

    // Nothing runs while both mutes end; the next `qg serve` start carries both out.
    std::thread::sleep(Duration::from_secs(3));
    let out = serve_for(&qg, 4);
    let lines: Vec<serde_json::Value> =
        out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?} in {out}"))).collect();
    assert_eq!(lines.len(), 2, "two reversals, each once: {out}");
    assert!(lines.iter().all(|l| l["status"] == "done"), "{out}");
    assert_eq!(level(&o, &room, &m1.user_id), Some(20), "the previous level comes back");
    assert_eq!(level(&o, &room, &m2.user_id), None, "a default level leaves no entry");

    let cases = qg.run(&["cases", "--json"], "").json();
    let unmutes: Vec<_> = cases.as_array().unwrap().iter().filter(|c| c["action"] == "unmute").collect();
    assert_eq!(unmutes.len(), 2, "{cases:#}");
    assert!(
        unmutes.iter().all(|c| c["reason"].as_str().unwrap().starts_with("timed mute ended (case ")),
        "each timed unmute should name the mute it ends"
    );
    assert_eq!(serve_for(&qg, 2), "", "nothing is done twice");
}

#[test]
fn a_timed_ban_is_lifted_under_serve_once_its_time_is_up() {
    require_keyring();
    let s = synapse();
    let pid = std::process::id();
    let owner = RUNTIME.block_on(s.register(&format!("bowner{pid}"), PASSWORD, false)).unwrap();
    let m = RUNTIME.block_on(s.register(&format!("bm{pid}"), PASSWORD, false)).unwrap();
    let o = Client::new(&s.base_url, &owner.access_token);
    let room = RUNTIME
        .block_on(async {
            let room = o.create_room(&RoomSpec { name: Some("限时封禁".into()), ..Default::default() }).await?;
            Client::new(&s.base_url, &m.access_token).join(&room).await?;
            anyhow::Ok(room)
        })
        .unwrap();
    let membership = || {
        let state = RUNTIME.block_on(o.get_state(&room, "m.room.member", &m.user_id)).unwrap();
        state.and_then(|c| c["membership"].as_str().map(str::to_owned))
    };
    let qg = Qg::new();
    let r = qg.run(&["login", "--homeserver", &s.base_url, "--user", &owner.user_id, "--password-stdin"], PASSWORD);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = qg.run(&["ban", &room, &m.user_id, "--for", "7d", "--reason", "广告", "--json"], "");
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(membership().as_deref(), Some("ban"), "banned on the server");
    assert_eq!(serve_for(&qg, 2), "", "seven days are not up");
    assert_eq!(membership().as_deref(), Some("ban"));

    // Eight days on (the engine's clock): serve lifts it, once.
    let later = qunguan_core::time::rfc3339_from_millis(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 8 * 86_400_000,
    );
    let out = serve_with(&qg, 4, &[("QG_TEST_NOW", &later)]);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "one reversal: {out}");
    assert_eq!(lines[0]["status"], "done", "{out}");
    assert_eq!(membership().as_deref(), Some("leave"), "the ban is lifted on the server");
    let cases = qg.run(&["cases", "--json"], "").json();
    let unban = cases.as_array().unwrap().iter().find(|c| c["action"] == "unban").cloned().expect("an unban case");
    assert!(unban["reason"].as_str().unwrap().starts_with("timed ban ended (case "), "{unban:#}");
    assert_eq!(serve_with(&qg, 2, &[("QG_TEST_NOW", &later)]), "", "nothing is done twice");
}
