//! Platform-staff mode through `qg staff …` against a real Synapse: the report inbox, resolving
//! reports, suspending, unsuspending and deactivating accounts, closing a group — and a
//! non-admin refused. The server's state is read back with the raw client (sends, sign-ins,
//! joins, the admin API), never through `qg`.
//!
//! One Synapse for the binary; each test makes its own users and rooms, and reads only the
//! reports its own users made (other tests report in parallel).

use std::sync::OnceLock;

use qunguan_testkit::client::encode;
use qunguan_testkit::{ApiError, Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, unique};
use qunguan_tests::proxy::Proxy;
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

/// A fresh server admin (platform staff) signed in to its own `qg` home.
fn staff() -> (TestUser, Console) {
    let u = RUNTIME.block_on(synapse().register(&unique("staff"), PASSWORD, true)).expect("register a server admin");
    let c = Console::sign_in(&synapse().base_url, &u);
    (u, c)
}

fn client(u: &TestUser) -> Client {
    Client::new(&synapse().base_url, &u.access_token)
}

/// The Matrix error code of a failed raw call.
fn errcode(e: &anyhow::Error) -> Option<String> {
    e.downcast_ref::<ApiError>().and_then(|a| a.errcode().map(str::to_owned))
}

/// A public group made by `owner` with `members` joined.
fn group(owner: &TestUser, members: &[&TestUser], alias: Option<String>) -> String {
    let spec = RoomSpec { name: Some(format!("群 {}", unique("g"))), alias, ..RoomSpec::default() };
    RUNTIME
        .block_on(async {
            let room = client(owner).create_room(&spec).await?;
            for m in members {
                client(m).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .expect("build the group")
}

/// `qg staff reports --json`, the rows about `reported` only.
fn reports_about(c: &Console, reported: &str) -> Vec<Value> {
    let r = c.run(&["staff", "reports", "--json"]);
    assert_eq!(r.code, 0, "staff reports: {r:#?}");
    let all = r.json();
    let list = all.as_array().unwrap_or_else(|| panic!("reports is a JSON array: {all}"));
    list.iter().filter(|v| v["reported_user"] == reported).cloned().collect()
}

/// The admin API's view of an account (read with the harness's own server admin).
fn account(user_id: &str) -> Value {
    RUNTIME
        .block_on(async {
            let admin = synapse().admin().await?;
            client(admin).raw(Method::GET, &format!("/_synapse/admin/v2/users/{}", encode(user_id)), None).await
        })
        .expect("read the account with the admin API")
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str().is_some_and(|t| t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T')
}

/// The staff case with this ID, checked to be signed by `actor` and chained.
fn staff_case(c: &Console, case_id: &str, actor: &str, action: &str, target: &str) -> Value {
    let case = c.case(case_id);
    assert_eq!(case["group"], "staff", "staff measures are on the staff chain: {case}");
    assert_eq!(case["actor"], actor, "signed by the acting admin: {case}");
    assert_eq!(case["action"], action, "{case}");
    assert_eq!(case["target"], target, "{case}");
    for k in ["hash", "prev_hash"] {
        assert!(case[k].as_str().is_some_and(|h| h.len() == 64), "hash-chained ({k}): {case}");
    }
    case
}

#[test]
fn the_inbox_lists_event_and_user_reports_and_resolving_removes_them() {
    require_keyring();
    let (owner, spammer, reporter) = (user("owner"), user("spammer"), user("reporter"));
    let room = group(&owner, &[&spammer, &reporter], None);
    // Hostile text: markup, and an escape sequence that must not reach a terminal raw.
    let body = "加微信 看百家乐 <b>稳赚</b> \u{1b}[2J";
    let event = RUNTIME
        .block_on(async {
            let event = client(&spammer).send_text(&room, body).await?;
            client(&reporter).report_event(&room, &event, "赌博广告").await?;
            let path = format!("/users/{}/report", encode(&spammer.user_id));
            client(&reporter).call(Method::POST, &path, Some(json!({"reason": "骗子"}))).await?;
            anyhow::Ok(event)
        })
        .expect("report a message and a member");

    let (admin, c) = staff();
    let rows = reports_about(&c, &spammer.user_id);
    assert_eq!(rows.len(), 2, "one event report and one user report: {rows:#?}");
    let ev = rows.iter().find(|r| r["kind"] == "event").expect("the event report");
    let id = ev["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("event:") && id[6..].parse::<u64>().is_ok(), "event report IDs name their kind: {ev}");
    assert_eq!(ev["event_id"], event.as_str());
    assert_eq!(ev["group"], room.as_str());
    assert_eq!(ev["reporter"], reporter.user_id.as_str());
    assert_eq!(ev["reason"], "赌博广告");
    assert_eq!(ev["score"], -100);
    assert!(is_rfc3339(&ev["received_at"]), "RFC 3339 received_at: {ev}");
    assert_eq!(ev["event_type"], "m.room.message");
    assert_eq!(ev["text"], body, "the reported text, as text: {ev}");
    let us = rows.iter().find(|r| r["kind"] == "user").expect("the user report");
    let user_report = us["id"].as_str().unwrap().to_owned();
    assert!(user_report.starts_with("user:"), "{us}");
    assert_eq!(us["reporter"], reporter.user_id.as_str());
    assert_eq!(us["reason"], "骗子");
    assert_eq!((&us["event_id"], &us["group"], &us["score"]), (&Value::Null, &Value::Null, &Value::Null), "{us}");
    assert!(is_rfc3339(&us["received_at"]), "{us}");

    // The table shows the text, but never the raw escape sequence.
    let table = c.run(&["staff", "reports"]);
    assert_eq!(table.code, 0, "{table:#?}");
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("加微信 看百家乐 <b>稳赚</b>"), "{}", table.stdout);
    assert!(!table.stdout.contains('\u{1b}'), "no control characters reach the terminal: {:?}", table.stdout);

    // Resolve the event report: a case, and gone from the inbox; the user report stays.
    let o = c.act(&["staff", "resolve", &id, "--reason", "已处理：广告已删除"]);
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{o:#?}");
    let case = staff_case(&c, &o.case_id, &admin.user_id, "staff_resolve", &id);
    assert_eq!(case["reason"], "已处理：广告已删除");
    let rows = reports_about(&c, &spammer.user_id);
    assert_eq!(rows.iter().map(|r| r["id"].as_str().unwrap()).collect::<Vec<_>>(), [user_report.as_str()]);

    // Without a reason (cli.md's form), the case says so instead of inventing one.
    let o = c.act(&["staff", "resolve", &user_report]);
    assert_eq!(o.status, "done", "{o:#?}");
    assert_eq!(c.case(&o.case_id)["reason"], "resolved (no reason given)");
    assert!(reports_about(&c, &spammer.user_id).is_empty(), "both resolved");

    // A gone report, a bare number, a made-up kind: errors, nothing recorded.
    let before = c.cases(&[]).len();
    let r = c.run(&["staff", "resolve", &id, "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_found"), "{r:#?}");
    for bad in [&id[6..], "room:1", "event:x"] {
        let r = c.run(&["staff", "resolve", bad, "--json"]);
        assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "{bad}: {r:#?}");
    }
    assert_eq!(c.cases(&[]).len(), before, "errors record no case");
    let audit = c.run(&["audit", "verify"]);
    assert_eq!(audit.code, 0, "the staff chain verifies: {audit:#?}");
}

#[test]
fn suspend_stops_sending_and_unsuspend_lets_it_again() {
    require_keyring();
    let (owner, target) = (user("owner"), user("target"));
    let room = group(&owner, &[&target], None);
    let (admin, c) = staff();

    let o = c.act(&["staff", "suspend", &target.user_id, "--reason", "批量发布诈骗信息", "--rule", "ToS 4.2"]);
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{o:#?}");
    let case = staff_case(&c, &o.case_id, &admin.user_id, "staff_suspend", &target.user_id);
    assert_eq!((case["reason"].as_str(), case["rule"].as_str()), (Some("批量发布诈骗信息"), Some("ToS 4.2")));
    assert_eq!(account(&target.user_id)["suspended"], true, "the server holds the suspension");
    let e =
        RUNTIME.block_on(client(&target).send_text(&room, "still here?")).expect_err("a suspended account cannot send");
    let status = e.downcast_ref::<ApiError>().map(|a| a.status);
    assert_eq!((status, errcode(&e).as_deref()), (Some(403), Some("M_USER_SUSPENDED")), "{e:#}");

    // Again: nothing done twice, said so.
    let again = c.act(&["staff", "suspend", &target.user_id, "--reason", "again"]);
    assert_eq!(again.status, "done", "{again:#?}");
    assert!(again.detail.contains("already in effect"), "{again:#?}");

    let o = c.act(&["staff", "unsuspend", &target.user_id, "--reason", "申诉成功"]);
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{o:#?}");
    staff_case(&c, &o.case_id, &admin.user_id, "staff_unsuspend", &target.user_id);
    assert_eq!(account(&target.user_id)["suspended"], false, "an unsuspended account should no longer be suspended");
    RUNTIME.block_on(client(&target).send_text(&room, "back")).expect("an unsuspended account can send again");

    // Bad input and unknown targets: errors before any case.
    let before = c.cases(&[]).len();
    let r = c.run(&["staff", "suspend", &target.user_id, "--reason", " ", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "empty reason: {r:#?}");
    let r = c.run(&["staff", "suspend", "target", "--reason", "x", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "not a Matrix ID: {r:#?}");
    let r = c.run(&["staff", "suspend", "@someone:elsewhere.example", "--reason", "x", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (2, "invalid_input"), "another server's account: {r:#?}");
    let nobody = format!("@{}:{}", unique("nobody"), synapse().server_name);
    let r = c.run(&["staff", "suspend", &nobody, "--reason", "x", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_found"), "unknown account: {r:#?}");
    let r = c.run(&["staff", "suspend", &target.user_id]);
    assert_eq!(r.code, 2, "--reason is required: {r:#?}");
    assert_eq!(c.cases(&[]).len(), before, "nothing recorded");
}

#[test]
fn deactivate_ends_sign_in() {
    require_keyring();
    let target = user("leaver");
    let (admin, c) = staff();
    let o = c.act(&["staff", "deactivate", &target.user_id, "--reason", "冒充官方客服"]);
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{o:#?}");
    staff_case(&c, &o.case_id, &admin.user_id, "staff_deactivate", &target.user_id);
    assert_eq!(account(&target.user_id)["deactivated"], true, "a deactivated account should be deactivated");

    let anonymous = Client::new(&synapse().base_url, "");
    let login = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": target.user_id}, "password": PASSWORD});
    let e = RUNTIME
        .block_on(anonymous.call(Method::POST, "/login", Some(login)))
        .expect_err("a deactivated account cannot sign in");
    assert!(e.downcast_ref::<ApiError>().is_some_and(|a| a.status == 403), "refused: {e:#}");
    assert!(RUNTIME.block_on(client(&target).whoami()).is_err(), "its old session ended too");

    let again = c.act(&["staff", "deactivate", &target.user_id, "--reason", "again"]);
    assert!(again.status == "done" && again.detail.contains("already in effect"), "{again:#?}");
}

#[test]
fn close_blocks_and_deletes_the_group() {
    require_keyring();
    let (owner, member, outsider) = (user("owner"), user("member"), user("outsider"));
    let alias = unique("closeme");
    let room = group(&owner, &[&member], Some(alias.clone()));
    let (admin, c) = staff();

    // By alias, although the admin is not in the group; the case names the room ID.
    let o = c.act(&["staff", "close", &format!("#{alias}:{}", synapse().server_name), "--reason", "涉赌群"]);
    assert_eq!((o.code, o.status.as_str()), (0, "done"), "{o:#?}");
    staff_case(&c, &o.case_id, &admin.user_id, "staff_close", &room);

    let (joined, join) = RUNTIME.block_on(async {
        let joined = client(&member).joined_rooms().await;
        let join = client(&outsider).join(&room).await;
        (joined, join)
    });
    assert!(!joined.expect("joined rooms").contains(&room), "everyone was removed");
    let e = join.expect_err("nobody can join a closed group");
    assert!(e.downcast_ref::<ApiError>().is_some_and(|a| a.status == 403), "blocked: {e:#}");
    let blocked = RUNTIME
        .block_on(async {
            let admin = synapse().admin().await?;
            client(admin).raw(Method::GET, &format!("/_synapse/admin/v1/rooms/{}/block", encode(&room)), None).await
        })
        .expect("block status");
    assert_eq!(blocked["block"], true, "{blocked}");

    // Closing it again: the server no longer knows the room: an error, not a second case.
    let r = c.run(&["staff", "close", &room, "--reason", "again", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (1, "not_found"), "{r:#?}");
}

#[test]
fn an_account_that_is_not_a_server_admin_is_refused() {
    require_keyring();
    let (owner, target) = (user("owner"), user("target"));
    let room = group(&owner, &[&target], None);
    let c = Console::sign_in(&synapse().base_url, &owner);

    let r = c.run(&["staff", "reports", "--json"]);
    assert_eq!((r.code, r.error_code().as_str()), (1, "forbidden"), "reading the inbox: {r:#?}");
    let human = c.run(&["staff", "reports"]);
    assert!(human.stderr.contains("not a server admin"), "says why: {}", human.stderr);

    // Measures: refused cases (exit 4), the platform untouched.
    for args in [
        vec!["staff", "suspend", target.user_id.as_str(), "--reason", "x"],
        vec!["staff", "deactivate", target.user_id.as_str(), "--reason", "x"],
        vec!["staff", "close", room.as_str(), "--reason", "x"],
        vec!["staff", "resolve", "event:1"],
    ] {
        let o = c.act(&args);
        assert_eq!((o.code, o.status.as_str()), (4, "refused"), "{args:?}: {o:#?}");
        assert!(o.detail.contains("not a server admin"), "{o:#?}");
        assert_eq!(c.case(&o.case_id)["status"], "refused", "recorded as refused");
    }
    let a = account(&target.user_id);
    assert_eq!((&a["suspended"], &a["deactivated"]), (&json!(false), &json!(false)), "{a}");
    RUNTIME.block_on(client(&target).send_text(&room, "untouched")).expect("the group still works");
}

#[test]
fn staff_measures_decided_offline_are_queued_then_carried_out_once() {
    require_keyring();
    let target = user("queued");
    let admin =
        RUNTIME.block_on(synapse().register(&unique("staff"), PASSWORD, true)).expect("register a server admin");
    let upstream: std::net::SocketAddr = synapse().base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = Proxy::start(upstream);
    let port = proxy.port();
    let c = Console::sign_in(&proxy.url(), &admin);

    proxy.stop();
    let o = c.act(&["staff", "suspend", &target.user_id, "--reason", "发布违法信息"]);
    assert_eq!((o.code, o.status.as_str()), (3, "queued"), "{o:#?}");
    let outbox = c.outbox();
    let entry = outbox.iter().find(|e| e["case_id"] == o.case_id.as_str()).expect("in the outbox");
    assert_eq!((entry["action"].as_str(), entry["group"].as_str()), (Some("staff_suspend"), Some("staff")), "{entry}");
    assert_eq!(entry["target"], target.user_id.as_str());
    assert_eq!(account(&target.user_id)["suspended"], false, "nothing reached the server yet");

    let _back = Proxy::start_on(port, upstream);
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(account(&target.user_id)["suspended"], true, "carried out on retry");
    assert_eq!(c.case(&o.case_id)["status"], "done");
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!((r.code, r.json()), (0, json!([])), "nothing left to do: {r:#?}");
}

#[test]
fn staff_reports_mask_the_reported_text_and_the_reasons() {
    require_keyring();
    let (owner, leaker, reporter) = (user("owner"), user("leaker"), user("reporter"));
    let room = group(&owner, &[&leaker, &reporter], None);
    // A valid GB 11643 resident ID and a mobile number, in the message and quoted in the reason.
    let (id_number, mobile) = ("11010519491231002X", "13812345678");
    let body = format!("张三的身份证 {id_number}，电话 {mobile}");
    let reason = format!("他公开了别人的身份证 {id_number} 和手机 {mobile}");
    RUNTIME
        .block_on(async {
            let event = client(&leaker).send_text(&room, &body).await?;
            client(&reporter).report_event(&room, &event, &reason).await?;
            let path = format!("/users/{}/report", encode(&leaker.user_id));
            client(&reporter).call(Method::POST, &path, Some(json!({"reason": reason}))).await?;
            anyhow::Ok(())
        })
        .expect("report the message and the member");

    let (_, c) = staff();
    let rows = reports_about(&c, &leaker.user_id);
    assert_eq!(rows.len(), 2, "the event report and the user report: {rows:#?}");
    let ev = rows.iter().find(|r| r["kind"] == "event").expect("the event report");
    assert_eq!(ev["text"], "张三的身份证 110105********002X，电话 138****5678", "the reported text, masked: {ev}");
    for r in &rows {
        assert_eq!(
            r["reason"], "他公开了别人的身份证 110105********002X 和手机 138****5678",
            "the reporter's reason, masked like the text: {r}"
        );
    }
    let json = c.run(&["staff", "reports", "--json"]);
    let table = c.run(&["staff", "reports"]);
    assert_eq!((json.code, table.code), (0, 0), "{json:#?} {table:#?}");
    for (what, out) in [("--json", &json.stdout), ("table", &table.stdout)] {
        for digits in [id_number, mobile, "19491231"] {
            assert!(!out.contains(digits), "{what} never shows {digits} in full: {out}");
        }
    }
    assert!(table.stdout.contains("110105********002X"), "the table shows the masked ID: {}", table.stdout);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    require_keyring();
    let (owner, spammer, reporter) = (user("owner"), user("spammer"), user("reporter"));
    // A group name and a reason that try to clear the screen, retitle the window, ring the
    // bell, overwrite the line and reorder it.
    let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{9b}31m\u{202e}";
    let name = format!("群{hostile}{}", unique("g"));
    let room = RUNTIME
        .block_on(async {
            let spec = RoomSpec { name: Some(name.clone()), ..RoomSpec::default() };
            let room = client(&owner).create_room(&spec).await?;
            for m in [&spammer, &reporter] {
                client(m).join(&room).await?;
            }
            let event = client(&spammer).send_text(&room, &format!("广告{hostile}")).await?;
            client(&reporter).report_event(&room, &event, &format!("理由{hostile}")).await?;
            anyhow::Ok(room)
        })
        .expect("build the group and report");
    let raw = |s: &str| {
        s.chars().any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c) || c == '\u{2066}')
    };

    let owner_console = Console::sign_in(&synapse().base_url, &owner);
    let groups = owner_console.run(&["groups"]);
    assert_eq!(groups.code, 0, "{groups:#?}");
    assert!(groups.stdout.contains(&room), "the group is listed: {}", groups.stdout);
    assert!(!raw(&groups.stdout), "no control character in the groups table: {:?}", groups.stdout);
    let listed = owner_console.run(&["groups", "--json"]);
    assert!(!raw(&listed.stdout), "none in --json either (escaped): {:?}", listed.stdout);
    let parsed = listed.json();
    let entry = parsed.as_array().and_then(|a| a.iter().find(|g| g["id"] == room.as_str())).expect("listed");
    assert_eq!(entry["name"], name.as_str(), "--json keeps the exact name");

    let (_, c) = staff();
    let table = c.run(&["staff", "reports"]);
    assert_eq!(table.code, 0, "{table:#?}");
    assert!(table.stdout.contains("理由[2J]0;pwned31m"), "the reason is shown, stripped: {}", table.stdout);
    assert!(!raw(&table.stdout), "no control character in the reports table: {:?}", table.stdout);
}
