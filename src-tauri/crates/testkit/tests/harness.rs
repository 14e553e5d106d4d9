//! The harness against a real Synapse: roles land in power levels as seeded, rate limits bite
//! when asked to, a restart keeps data and port, and the demo world has what the README promises.

use std::time::Instant;

use qunguan_testkit::demo::{self, DemoWorld};
use qunguan_testkit::{ApiError, Client, RoomSpec, Synapse, SynapseOptions};
use serde_json::json;

#[tokio::test]
async fn a_room_with_power_levels_has_the_roles_it_was_given() {
    let t = Instant::now();
    let s = Synapse::start().await.expect("start Synapse");
    eprintln!("Synapse start: {:.2?}", t.elapsed());
    assert!(s.base_url.starts_with("http://127.0.0.1:"), "loopback only: {}", s.base_url);

    let owner = s.register("alice", "alice-pass", false).await.expect("register alice");
    let bob = s.register("bob", "bob-pass", false).await.expect("register bob");
    assert_eq!(owner.user_id, format!("@alice:{}", s.server_name));
    let o = Client::new(&s.base_url, &owner.access_token);
    let b = Client::new(&s.base_url, &bob.access_token);
    assert_eq!(b.whoami().await.unwrap(), bob.user_id, "registration returns a working token");

    let room = o
        .create_room(&RoomSpec {
            name: Some("技术交流群".into()),
            alias: Some("tech".into()),
            power: vec![(bob.user_id.clone(), 50)],
            ..RoomSpec::default()
        })
        .await
        .expect("create room");
    assert!(!room.contains(':'), "v12 room IDs have no server part: {room}");
    assert_eq!(b.join(&format!("#tech:{}", s.server_name)).await.unwrap(), room, "the alias resolves to the room");

    let create = o.get_state(&room, "m.room.create", "").await.unwrap().expect("create event");
    assert_eq!(create["room_version"], "12", "rooms default to v12: {create}");
    let pl = o.power_levels(&room).await.unwrap();
    assert_eq!(pl["users"][&bob.user_id], 50, "bob is a moderator: {pl}");
    assert!(pl["users"].get(&owner.user_id).is_none(), "a v12 creator is never in power_levels.users: {pl}");
    let members = o.joined_members(&room).await.unwrap();
    assert_eq!(members.len(), 2, "{members:?}");

    // Read-modify-write changes one key only; a moderator may not change power levels.
    o.set_power_levels(&room, &[(&bob.user_id, Some(100))]).await.unwrap();
    let pl = o.power_levels(&room).await.unwrap();
    assert_eq!((pl["users"][&bob.user_id].as_i64(), pl["ban"].as_i64()), (Some(100), Some(50)), "{pl}");
    o.set_power_levels(&room, &[(&bob.user_id, Some(50))]).await.unwrap();
    let err = b.set_power_levels(&room, &[(&owner.user_id, Some(0))]).await.expect_err("moderators cannot");
    assert_eq!(err.downcast_ref::<ApiError>().and_then(ApiError::errcode), Some("M_FORBIDDEN"), "{err:#}");

    let ev = b.send_text(&room, "你好").await.unwrap();
    let msgs = o.all_messages(&room).await.unwrap();
    assert_eq!(msgs.last().map(|m| (&m["event_id"], &m["content"]["body"])), Some((&json!(ev), &json!("你好"))));
    s.stop().await.expect("stop");
}

#[tokio::test]
async fn restart_keeps_data_port_and_tokens() {
    let mut s = Synapse::start().await.expect("start");
    let u = s.register("carol", "carol-pass", false).await.unwrap();
    let c = Client::new(&s.base_url, &u.access_token);
    let room = c.create_room(&RoomSpec::default()).await.unwrap();
    let (url, port) = (s.base_url.clone(), s.port);
    s.kill();
    assert!(c.whoami().await.is_err(), "a killed server does not answer");
    let t = Instant::now();
    s.restart().await.expect("restart");
    eprintln!("Synapse restart: {:.2?}", t.elapsed());
    assert_eq!((s.base_url.as_str(), s.port), (url.as_str(), port), "same address after restart");
    assert_eq!(c.whoami().await.unwrap(), u.user_id, "the old token still works");
    assert!(c.joined_rooms().await.unwrap().contains(&room), "data survived");
}

#[tokio::test]
async fn rate_limited_server_answers_429_and_exemption_lifts_it() {
    let s = Synapse::start_with(SynapseOptions { rate_limited: true, ..Default::default() }).await.expect("start");
    let u = s.register("dave", "dave-pass", false).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let c = Client::new(&s.base_url, &u.access_token);
    let room = c.create_room(&RoomSpec::default()).await.unwrap();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let url = format!("{}/_matrix/client/v3/rooms/{room}/send/m.room.message/t{i}", s.base_url);
        let r = http
            .put(&url)
            .bearer_auth(&u.access_token)
            .json(&json!({"msgtype": "m.text", "body": "spam"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "low limits must produce 429s: {statuses:?}");

    s.exempt_from_rate_limits(&u.user_id).await.unwrap();
    for i in 0..8 {
        let url = format!("{}/_matrix/client/v3/rooms/{room}/send/m.room.message/x{i}", s.base_url);
        let r = http.put(&url).bearer_auth(&u.access_token).json(&json!({"msgtype": "m.text", "body": "ok"})).send();
        assert_eq!(r.await.unwrap().status(), 200, "an exempt user is not limited");
    }
}

/// What the README promises about the demo world, checked on a running server.
async fn check_world(s: &Synapse, w: &DemoWorld) {
    assert_eq!(w.members.len(), 1200);
    assert_eq!(w.groups.len(), 4, "four managed groups");
    let names: Vec<&str> = w.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["技术交流群", "Open Source Chat", "二手交易群", "Weekend Hikers"]);
    let o = Client::new(&s.base_url, &w.owner.access_token);
    assert_eq!(o.whoami().await.unwrap(), w.owner.user_id, "the owner's token works");

    let tech = w.group("tech");
    assert_eq!(o.resolve_alias(&tech.alias).await.unwrap(), tech.room_id);
    let joined = o.joined_members(&tech.room_id).await.unwrap();
    assert_eq!(joined.len(), tech.members);
    assert!((1000..1010).contains(&joined.len()), "the big group has ~1,000 members: {}", joined.len());
    let pl = o.power_levels(&tech.room_id).await.unwrap();
    assert_eq!(pl["users"][&w.admins[0].user_id], 100);
    assert_eq!(pl["users"][&w.admins[1].user_id], 100);
    assert_eq!(pl["users"][&w.moderator.user_id], 50);
    assert!(pl["users"].get(&w.owner.user_id).is_none(), "the owner is the v12 creator");
    for m in &tech.muted {
        assert_eq!(pl["users"][m], -1, "{m} muted");
    }
    let create = o.get_state(&tech.room_id, "m.room.create", "").await.unwrap().unwrap();
    assert_eq!((create["room_version"].as_str(), tech.owner_role.as_str()), (Some("12"), "owner"));
    let msgs = o.all_messages(&tech.room_id).await.unwrap();
    assert_eq!(msgs.len(), tech.messages);
    let hikers = w.group("hikers");
    let pl = o.power_levels(&hikers.room_id).await.unwrap();
    assert_eq!((pl["users"][&w.owner.user_id].as_i64(), hikers.owner_role.as_str()), (Some(100), "admin"));
    let plain = &w.plain_room;
    assert_eq!(plain.owner_role, "member");
    assert!(o.joined_rooms().await.unwrap().contains(&plain.room_id), "the owner is in the plain room");

    assert!((300..500).contains(&w.total_messages), "a few hundred messages: {}", w.total_messages);
    for cat in ["gambling", "fraud", "pii", "insult", "flood"] {
        assert!(w.flagged.iter().any(|f| f.category == cat), "a {cat} message to act on");
    }
    assert!(w.flagged.iter().any(|f| f.body.contains("11010519491231002X") && f.body.contains("13812345678")));
    let pii = w.flagged.iter().find(|f| f.category == "pii").unwrap();
    assert!(msgs.iter().any(|m| m["event_id"] == pii.event_id.as_str()), "flagged event IDs are real");
    let direct = o.get_state(&w.direct_room, "m.room.member", &w.admins[0].user_id).await.unwrap().unwrap();
    assert_eq!(direct["membership"], "join");
}

#[tokio::test]
async fn demo_fixture_starts_from_a_copy_with_the_whole_world() {
    let t = Instant::now();
    let (fixture, _) = demo::fixture().await.expect("build or load the demo fixture");
    eprintln!("fixture ready: {:.2?} ({})", t.elapsed(), fixture.dir.display());
    let t = Instant::now();
    let (s, w) = demo::start().await.expect("start from the fixture");
    eprintln!("start from fixture copy: {:.2?}", t.elapsed());
    check_world(&s, &w).await;
    // A second copy is independent of the first.
    let (s2, _) = demo::start().await.unwrap();
    assert_ne!(s.base_url, s2.base_url);
    let o2 = Client::new(&s2.base_url, &w.owner.access_token);
    o2.send_text(&w.group("tech").room_id, "only in the second copy").await.unwrap();
    let o1 = Client::new(&s.base_url, &w.owner.access_token);
    assert_eq!(o1.all_messages(&w.group("tech").room_id).await.unwrap().len(), w.group("tech").messages);
}

#[tokio::test]
async fn demo_seed_builds_the_world_on_a_fresh_server() {
    let s = demo::fresh_server().await.expect("start");
    let t = Instant::now();
    let w = demo::seed(&s).await.expect("seed");
    eprintln!("seed on a fresh server: {:.2?}", t.elapsed());
    check_world(&s, &w).await;
}
