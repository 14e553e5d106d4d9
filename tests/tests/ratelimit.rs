//! A Synapse with low rate limits (a burst of 3 sends, then one every 2 s): a batch of
//! warnings through `qg` all end done — the 429s are waited out as `retry_after_ms` says, not
//! turned into failures — and each warning is on the server exactly once.
//!
//! Its own binary, because the server is configured differently from the shared one.

use std::time::Instant;

use qunguan_testkit::{Client, RoomSpec, Synapse, SynapseOptions};
use qunguan_tests::console::{Console, PASSWORD, sent_for_case, timeline, unique};
use qunguan_tests::{RUNTIME, require_keyring};

#[test]
fn a_batch_of_warnings_waits_out_429s_and_sends_each_once() {
    require_keyring();
    let s = RUNTIME
        .block_on(Synapse::start_with(SynapseOptions { rate_limited: true, ..SynapseOptions::default() }))
        .expect("start a rate-limited Synapse");
    let (admin, members, room) = RUNTIME
        .block_on(async {
            let admin = s.register(&unique("admin"), PASSWORD, false).await?;
            let mut members = Vec::new();
            for _ in 0..8 {
                let m = s.register(&unique("member"), PASSWORD, false).await?;
                // Set-up is not what is under test: its users are exempt. The admin is not.
                s.exempt_from_rate_limits(&m.user_id).await?;
                members.push(m);
            }
            let owner = s.register(&unique("owner"), PASSWORD, false).await?;
            s.exempt_from_rate_limits(&owner.user_id).await?;
            let owner = Client::new(&s.base_url, &owner.access_token);
            let spec = RoomSpec { power: vec![(admin.user_id.clone(), 100)], ..RoomSpec::default() };
            let room = owner.create_room(&spec).await?;
            for u in std::iter::once(&admin).chain(&members) {
                owner.with_token(&u.access_token).join(&room).await?;
            }
            anyhow::Ok((admin, members, room))
        })
        .expect("build the world");

    let c = Console::sign_in(&s.base_url, &admin);
    // Debug logs show each wait the server asked for.
    let c = Console { qg: c.qg.env("QG_LOG", "qunguan_matrix=debug"), key: c.key, user_id: c.user_id };
    let started = Instant::now();
    let mut waits = 0;
    let mut case_ids = Vec::new();
    for m in &members {
        let o = c.act(&["warn", &room, &m.user_id, "--reason", "rate limit test"]);
        assert_eq!((o.code, o.status.as_str()), (0, "done"), "429s are waited out, not failures: {o:#?}");
        waits += o.run.stderr.matches("rate limited; waiting").count();
        case_ids.push(o.case_id);
    }
    let elapsed = started.elapsed();
    eprintln!("{} warnings in {elapsed:.1?}, {waits} waits for 429s", members.len());
    assert!(waits >= members.len() - 3, "the server's limit was hit and honoured ({waits} waits)");
    assert!(elapsed.as_secs_f64() >= 1.5 * (members.len() - 3) as f64, "one send per ~2 s after the burst");

    let reader = Client::new(&s.base_url, &members[0].access_token);
    let events = RUNTIME.block_on(timeline(&reader, &room)).unwrap();
    for (m, case_id) in members.iter().zip(&case_ids) {
        let sent = sent_for_case(&events, case_id);
        assert_eq!(sent.len(), 1, "the warning to {} is on the server exactly once", m.user_id);
    }
    let tagged = events.iter().filter(|e| e["content"].get("org.qunguan.case_id").is_some()).count();
    assert_eq!(tagged, members.len(), "no duplicates from the retries");
    RUNTIME.block_on(s.stop()).unwrap();
}
