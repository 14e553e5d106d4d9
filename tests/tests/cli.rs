//! `qg` against a real Synapse: sign-in, groups with roles, members, and every bad input of
//! the foundation issue. One Synapse for the binary; each test makes its own users and rooms.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use qunguan_testkit::{Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::{Qg, RUNTIME, require_keyring};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

/// A user with a name unique to this run.
fn user(prefix: &str) -> (TestUser, Client) {
    static N: AtomicU32 = AtomicU32::new(0);
    let s = synapse();
    let localpart = format!("{prefix}{}x{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
    let u = RUNTIME.block_on(s.register(&localpart, PASSWORD, false)).expect("register");
    let client = Client::new(&s.base_url, &u.access_token);
    (u, client)
}

/// A public room named `name` (unnamed when empty), with an optional alias and power levels.
fn spec(name: &str, alias: Option<&str>, power: &[(&str, i64)]) -> RoomSpec {
    RoomSpec {
        name: (!name.is_empty()).then(|| name.to_owned()),
        alias: alias.map(str::to_owned),
        power: power.iter().map(|(u, l)| (u.to_string(), *l)).collect(),
        ..RoomSpec::default()
    }
}

fn login(qg: &Qg, user: &TestUser) {
    let r =
        qg.run(&["login", "--homeserver", &synapse().base_url, "--user", &user.user_id, "--password-stdin"], PASSWORD);
    assert_eq!(r.code, 0, "login should succeed: {r:#?}");
}

fn by_id<'a>(list: &'a Value, key: &str, id: &str) -> Option<&'a Value> {
    list.as_array().expect("a JSON array").iter().find(|v| v[key] == id)
}

#[test]
fn groups_list_only_rooms_i_manage_with_the_right_roles() {
    require_keyring();
    let (owner, o) = user("owner");
    let (adm, a) = user("admin");
    let (moder, m) = user("mod");
    let (member, p) = user("member");
    let alias = format!("tech{}", std::process::id());
    let (owned, admin_room, mod_room, plain_room, direct_room) = RUNTIME
        .block_on(async {
            let owned = o
                .create_room(&spec(
                    "技术交流群",
                    Some(&alias),
                    &[(&adm.user_id, 100), (&moder.user_id, 50), (&member.user_id, -1)],
                ))
                .await?;
            for c in [&a, &m, &p] {
                c.join(&owned).await?;
            }
            let admin_room = a.create_room(&spec("Open Source Chat", None, &[(&owner.user_id, 100)])).await?;
            o.join(&admin_room).await?;
            let mod_room = m.create_room(&spec("二手交易群", None, &[(&owner.user_id, 50)])).await?;
            o.join(&mod_room).await?;
            let plain_room = p.create_room(&spec("Weekend Hikers", None, &[])).await?;
            o.join(&plain_room).await?;
            let direct_room = o.create_room(&spec("", None, &[])).await?;
            o.set_direct(&owner.user_id, &member.user_id, &direct_room).await?;
            anyhow::Ok((owned, admin_room, mod_room, plain_room, direct_room))
        })
        .expect("build the world");

    let qg = Qg::new();
    login(&qg, &owner);
    let groups = qg.run(&["groups", "--json"], "");
    assert_eq!(groups.code, 0, "{groups:#?}");
    let list = groups.json();
    assert_eq!(list.as_array().unwrap().len(), 3, "exactly the three managed rooms: {list:#}");
    let g = by_id(&list, "id", &owned).expect("owned room listed");
    assert_eq!(g["role"], "owner");
    assert_eq!(g["power"], Value::Null, "v12 creators have no numeric power");
    assert_eq!(g["name"], "技术交流群");
    assert_eq!(g["alias"], format!("#{alias}:{}", synapse().server_name));
    assert_eq!(g["members"], 4, "the group should count its joined members");
    assert_eq!(g["tier"], "small");
    assert_eq!(g["encrypted"], false, "the group should not be encrypted");
    assert!(g["can"].as_array().unwrap().iter().any(|c| c == "ban"), "owner can ban: {g}");
    let g = by_id(&list, "id", &admin_room).expect("admin room listed");
    assert_eq!((g["role"].as_str(), g["power"].as_i64()), (Some("admin"), Some(100)));
    let g = by_id(&list, "id", &mod_room).expect("moderator room listed");
    assert_eq!((g["role"].as_str(), g["power"].as_i64()), (Some("moderator"), Some(50)));
    assert!(!g["can"].as_array().unwrap().iter().any(|c| c == "mute"), "a moderator cannot change power levels: {g}");
    assert!(by_id(&list, "id", &plain_room).is_none(), "a room where I am a plain member is not listed");
    assert!(by_id(&list, "id", &direct_room).is_none(), "a direct chat is not listed");

    // Members, reached through the alias; a new process (the keyring keeps the session).
    let members = qg.run(&["members", &format!("#{alias}:{}", synapse().server_name), "--json"], "");
    assert_eq!(members.code, 0, "{members:#?}");
    let list = members.json();
    let roles: Vec<(&str, &str, Value)> = [
        (&owner, "owner", Value::Null),
        (&adm, "admin", 100.into()),
        (&moder, "moderator", 50.into()),
        (&member, "member", (-1).into()),
    ]
    .iter()
    .map(|(u, role, power)| {
        let row = by_id(&list, "user_id", &u.user_id).unwrap_or_else(|| panic!("{} missing: {list:#}", u.user_id));
        assert_eq!(row["membership"], "join");
        assert!(
            row["joined_at"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 20),
            "RFC 3339 joined_at: {row}"
        );
        assert_eq!(&row["power"], power, "{row}");
        assert_eq!(row["role"], *role, "{row}");
        (u.user_id.as_str(), row["role"].as_str().unwrap(), row["muted"].clone())
    })
    .collect();
    assert_eq!(roles.iter().map(|r| r.1).collect::<Vec<_>>(), ["owner", "admin", "moderator", "member"]);
    assert_eq!(roles[3].2, true, "power -1 is below events_default: muted");
    assert_eq!(list[0]["user_id"], owner.user_id.as_str(), "owner listed first");

    // The table view is readable and translated.
    let table = qg.run(&["groups"], "");
    assert!(table.stdout.lines().next().unwrap().starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("技术交流群") && table.stdout.contains("moderator"), "{}", table.stdout);

    // Sign out: the token is gone, the next call says so.
    let out = qg.run(&["logout"], "");
    assert_eq!(out.code, 0, "{out:#?}");
    let after = qg.run(&["groups", "--json"], "");
    assert_eq!((after.code, after.error_code().as_str()), (1, "not_signed_in"), "{after:#?}");
}

#[test]
fn members_of_a_room_i_do_not_manage_are_refused() {
    let (_owner, o) = user("own");
    let (stranger, s) = user("stranger");
    let room = RUNTIME
        .block_on(async {
            let room = o.create_room(&spec("closed", None, &[])).await?;
            s.join(&room).await?;
            anyhow::Ok(room)
        })
        .unwrap();
    let qg = Qg::new().env("QG_HOMESERVER", &synapse().base_url).env("QG_ACCESS_TOKEN", &stranger.access_token);
    let r = qg.run(&["members", &room, "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (1, "forbidden"), "{r:#?}");
    let r = qg.run(&["members", "not a room", "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "{r:#?}");
    let r = qg.run(&["members", "#nope:localhost", "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_found"), "{r:#?}");
}

#[test]
fn wrong_password_and_unknown_user_are_invalid_credentials() {
    let (u, _) = user("pw");
    for (who, password) in [(u.user_id.as_str(), "wrong password"), ("@nobody-here:localhost", PASSWORD)] {
        let qg = Qg::new();
        let r = qg.run(
            &["login", "--homeserver", &synapse().base_url, "--user", who, "--password-stdin", "--json"],
            password,
        );
        assert_eq!((r.code, r.error_code().as_str()), (1, "auth_invalid_credentials"), "{who}: {r:#?}");
        assert!(!qg.home.path().join("current.json").exists(), "nothing recorded after a failed sign-in");
        let human =
            qg.run(&["login", "--homeserver", &synapse().base_url, "--user", who, "--password-stdin"], password);
        assert!(human.stderr.starts_with("Error: Wrong user name or password."), "{human:#?}");
        assert!(!human.stderr.contains('{'), "no raw JSON in the human message: {}", human.stderr);
    }
}

#[test]
fn unreachable_homeserver() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let qg = Qg::new();
    let url = format!("http://127.0.0.1:{port}");
    let r = qg.run(&["login", "--homeserver", &url, "--user", "@a:b", "--password-stdin", "--json"], PASSWORD);
    assert_eq!((r.code, r.error_code().as_str()), (1, "homeserver_unreachable"), "{r:#?}");
    let zh = qg
        .env("LANG", "zh_CN.UTF-8")
        .run(&["login", "--homeserver", &url, "--user", "@a:b", "--password-stdin"], PASSWORD);
    assert!(zh.stderr.starts_with("错误：无法连接到服务器"), "translated: {}", zh.stderr);
}

/// Serves a plain web page to every request, like a web server that is not Matrix.
fn web_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "<html><body>Welcome to my blog</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_web_server_that_is_not_matrix() {
    let url = web_server();
    let r = Qg::new().run(&["login", "--homeserver", &url, "--user", "@a:b", "--password-stdin", "--json"], PASSWORD);
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_a_homeserver"), "{r:#?}");
}

#[test]
fn revoked_token_says_sign_in_again() {
    require_keyring();
    let (u, client) = user("revoked");
    let qg = Qg::new();
    let r = qg.run(&["login", "--homeserver", &synapse().base_url, "--token-stdin"], &u.access_token);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(qg.run(&["groups", "--json"], "").code, 0, "a token sign-in from stdin should be usable at once");
    RUNTIME
        .block_on(client.call(reqwest::Method::POST, "/logout", Some(serde_json::json!({}))))
        .expect("revoke the token on the server");
    let r = qg.run(&["groups", "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (1, "auth_invalid_token"), "{r:#?}");
    let human = qg.run(&["groups"], "");
    assert!(human.stderr.contains("sign in again"), "{human:#?}");
    let env = Qg::new().env("QG_HOMESERVER", &synapse().base_url).env("QG_ACCESS_TOKEN", &u.access_token);
    let r = env.run(&["groups", "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (1, "auth_invalid_token"), "{r:#?}");
}

#[test]
fn no_keyring_is_a_clear_error_and_env_credentials_still_work() {
    let (u, _) = user("nokeyring");
    let qg = Qg::new().env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/qunguan-test-bus");
    let r = qg.run(
        &["login", "--homeserver", &synapse().base_url, "--user", &u.user_id, "--password-stdin", "--json"],
        PASSWORD,
    );
    assert_eq!((r.code, r.error_code().as_str()), (1, "keyring_unavailable"), "{r:#?}");
    let human =
        qg.run(&["login", "--homeserver", &synapse().base_url, "--user", &u.user_id, "--password-stdin"], PASSWORD);
    assert!(human.stderr.contains("QG_ACCESS_TOKEN"), "says the way around it: {}", human.stderr);
    let signed_out = qg.run(&["groups", "--json"], "");
    assert_eq!(signed_out.error_code(), "not_signed_in", "{signed_out:#?}");
    let env = qg.env("QG_HOMESERVER", &synapse().base_url).env("QG_ACCESS_TOKEN", &u.access_token);
    let r = env.run(&["groups", "--json"], "");
    assert_eq!(r.code, 0, "env credentials need no keyring: {r:#?}");
    assert_eq!(r.json(), serde_json::json!([]), "a fresh user manages no group");
}

#[test]
fn usage_errors_exit_2_and_record_nothing() {
    let qg = Qg::new();
    let r = qg.run(&["login", "--homeserver", &synapse().base_url, "--user", "@a:b", "--password-stdin", "--json"], "");
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "empty password: {r:#?}");
    let r = qg.run(&["login", "--homeserver", "exa mple", "--user", "@a:b", "--password-stdin", "--json"], PASSWORD);
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "bad homeserver: {r:#?}");
    let r = qg.run(&["login", "--user", "@a:b"], "");
    assert_eq!(r.code, 2, "missing flags are a usage error: {r:#?}");
    assert!(!qg.home.path().join("current.json").exists(), "a usage error should leave no current account behind");
}

#[test]
fn offline_reads_are_served_from_the_encrypted_cache() {
    require_keyring();
    let (owner, o) = user("offline");
    let room = RUNTIME.block_on(o.create_room(&spec("离线群", None, &[]))).unwrap();
    let target: std::net::SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = qunguan_tests::proxy::Proxy::start(target);
    let qg = Qg::new();
    let r = qg.run(&["login", "--homeserver", &proxy.url(), "--user", &owner.user_id, "--password-stdin"], PASSWORD);
    assert_eq!(r.code, 0, "{r:#?}");
    let groups = qg.run(&["groups", "--json"], "");
    let members = qg.run(&["members", &room, "--json"], "");
    assert_eq!((groups.code, members.code), (0, 0), "{groups:#?} {members:#?}");
    assert!(!groups.stderr.contains("offline"), "online: no note");

    proxy.stop();
    let offline_groups = qg.run(&["groups", "--json"], "");
    assert_eq!(offline_groups.code, 0, "a cached read while offline exits 0: {offline_groups:#?}");
    assert_eq!(offline_groups.json(), groups.json(), "the last online answer");
    assert!(offline_groups.stderr.contains("offline since 20"), "says since when: {}", offline_groups.stderr);
    let offline_members = qg.run(&["members", &room, "--json"], "");
    assert_eq!(offline_members.json(), members.json());
    let never = qg.run(&["members", "!never-fetched", "--json"], "");
    assert_eq!((never.code, never.error_code().as_str()), (1, "homeserver_unreachable"), "{never:#?}");

    let db = std::fs::read_dir(qg.home.path())
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path().join("cache.db")))
        .find(|p| p.exists())
        .expect("a cache.db in the account directory");
    let bytes = std::fs::read(db).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "the cache is encrypted at rest");
}
