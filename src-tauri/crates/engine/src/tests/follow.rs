//! Following the groups: rounds into the store, messages checked, reports queued, rounds
//! re-read without doubling, gaps filled, a forgotten token, dismissing and acting.

use qunguan_core::action::Action;
use qunguan_core::queue::{ItemState, ReportVia, Source};
use qunguan_core::sync::{Backfill, GroupBatch, SyncBatch, TimelineEvent};

use super::*;
use crate::ActRequest;
use crate::cache::now_ms;

pub(super) fn msg(id: &str, sender: &str, ts: i64, body: &str) -> TimelineEvent {
    TimelineEvent::Message(MessageSnapshot {
        event_id: id.into(),
        sender: sender.into(),
        ts,
        kind: "m.room.message".into(),
        body: Some(body.into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    })
}

fn reply(id: &str, sender: &str, ts: i64, to: &str, body: &str) -> TimelineEvent {
    let TimelineEvent::Message(mut m) = msg(id, sender, ts, body) else { unreachable!() };
    m.reply_to = Some(to.into());
    TimelineEvent::Message(m)
}

fn flag(id: &str, sender: &str, ts: i64, target: &str) -> TimelineEvent {
    TimelineEvent::Reaction {
        event_id: id.into(),
        sender: sender.into(),
        ts,
        target: target.into(),
        key: "🚩\u{FE0F}".into(),
    }
}

fn round(next: &str, events: Vec<TimelineEvent>) -> SyncBatch {
    SyncBatch {
        next: next.into(),
        groups: vec![GroupBatch { group_id: "!b-admin".into(), events, ..GroupBatch::default() }],
        ..SyncBatch::default()
    }
}

async fn signed_in() -> (tempfile::TempDir, Engine, Arc<Fake>) {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    (home, e, fake)
}

fn text(item: &qunguan_core::queue::QueueItem) -> String {
    item.segments.iter().map(|s| s.text.as_str()).collect()
}

#[tokio::test]
async fn messages_are_checked_on_arrival_and_reports_merge_into_one_item() {
    let (_home, e, fake) = signed_in().await;
    let mut warning = msg("$warn", "@me:hs", 5, "@zed:hs 管理员警告：身份证 11010519491231002X 不要发");
    if let TimelineEvent::Message(m) = &mut warning {
        m.case_id = Some("case-1".into());
    }
    let first = vec![
        msg("$id", "@zed:hs", 1, "我的身份证 11010519491231002X"),
        msg("$ad", "@spam:hs", 2, "加我微信领红包"),
        reply("$r1", "@x1:hs", 3, "$ad", "!举报 发广告"),
        flag("$f1", "@x2:hs", 4, "$ad"),
        flag("$f2", "@x3:hs", 4, "$ghost"),
        warning,
        TimelineEvent::Reaction {
            event_id: "$t".into(),
            sender: "@x4:hs".into(),
            ts: 4,
            target: "$ad".into(),
            key: "👍".into(),
        },
    ];
    fake.feed.lock().unwrap().insert(None, round("s1", first.clone()));
    let r = e.sync_once(0).await.unwrap();
    assert!(r.first, "no token yet: the first round");
    let progress = *e.sync_progress().borrow();
    assert_eq!(
        progress,
        qunguan_core::sync::SyncProgress { groups: 1, done: 1, first: true },
        "the progress line ends full"
    );
    assert_eq!((r.new_messages, r.new_items.len()), (4, 3), "four messages stored, three items: {r:?}");

    let items = e.queue(None, None, None).await.unwrap();
    let by_event =
        |id: &str| items.iter().find(|i| i.event_id == id).unwrap_or_else(|| panic!("an item for {id}: {items:?}"));
    let id_item = by_event("$id");
    assert_eq!((id_item.kind.as_str(), id_item.source, id_item.count), ("cn_resident_id", Source::Auto, 1));
    assert_eq!(text(id_item), "我的身份证 110105********002X", "the ID is masked before it leaves the engine");
    assert_eq!(items[0].id, id_item.id, "the high-severity item ranks first");

    let ad = by_event("$ad");
    assert_eq!(ad.count, 2, "a reply and a reaction on one message: one item, counted twice");
    let reporters: Vec<_> = ad.reporters.iter().map(|r| (r.reporter.as_str(), r.via, r.reason.as_deref())).collect();
    assert_eq!(reporters, [("@x1:hs", ReportVia::Reply, Some("发广告")), ("@x2:hs", ReportVia::Reaction, None)]);
    assert_eq!(ad.sources, [Source::MemberReport], "brought by members only");
    assert_eq!(by_event("$ghost").unseen.as_deref(), Some("not_seen"), "a report of a message never received says so");
    assert!(
        items.iter().all(|i| i.event_id != "$r1" && i.event_id != "$warn"),
        "the report reply and my warning are not judged"
    );

    // The process died before the token was kept: the same round comes again and changes nothing.
    e.on_store(|s| s.reset_sync_token()).await.unwrap();
    let again = e.sync_once(0).await.unwrap();
    assert_eq!((again.new_messages, again.new_items.len()), (0, 0), "re-reading a round doubles nothing: {again:?}");
    assert_eq!(e.queue(None, None, None).await.unwrap(), items, "the queue is as it was");

    // A second reporter raises the count, not the number of items.
    fake.feed
        .lock()
        .unwrap()
        .insert(Some("s1".into()), round("s2", vec![reply("$r2", "@x5:hs", 6, "$ad", "!report spam")]));
    e.sync_once(0).await.unwrap();
    let ad = e.queue(None, None, None).await.unwrap().into_iter().find(|i| i.event_id == "$ad").unwrap();
    assert_eq!((ad.count, ad.reporters.len()), (3, 3), "{ad:?}");
    assert_eq!(ad.severity, qunguan_core::message::Severity::High, "three newcomers' reports weigh high");
}

#[tokio::test]
async fn a_gap_is_filled_back_to_the_last_stored_message() {
    let (_home, e, fake) = signed_in().await;
    // One sender each: five messages of one sender within seconds would be a flood.
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$1", "@a:hs", 1, "早上好")]));
    e.sync_once(0).await.unwrap();
    let mut limited = round("s2", vec![msg("$5", "@e:hs", 5, "最新")]);
    (limited.groups[0].limited, limited.groups[0].gap) = (true, Some("t5".into()));
    fake.feed.lock().unwrap().insert(Some("s1".into()), limited);
    let page = |events, earlier: Option<&str>| Backfill { events, earlier: earlier.map(str::to_owned), skipped: 0 };
    {
        let mut history = fake.history.lock().unwrap();
        history.insert(
            "t5".into(),
            page(vec![msg("$3", "@c:hs", 3, "中间 13812345678"), msg("$4", "@d:hs", 4, "x")], Some("t3")),
        );
        history
            .insert("t3".into(), page(vec![msg("$1", "@a:hs", 1, "早上好"), msg("$2", "@b:hs", 2, "y")], Some("t1")));
        history.insert("t1".into(), page(vec![msg("$0", "@a:hs", 0, "never read: the gap ended at $1")], None));
    }
    let r = e.sync_once(0).await.unwrap();
    assert_eq!((r.backfilled, r.new_messages), (3, 4), "$2, $3, $4 from the gap, $5 from the round: {r:?}");
    let item = e.queue(None, None, None).await.unwrap();
    assert_eq!(
        item.iter().map(|i| i.event_id.as_str()).collect::<Vec<_>>(),
        ["$3"],
        "a message from the gap is checked too"
    );
    let around = e.queue_item(&item[0].id, 1).await.unwrap().1;
    assert_eq!(around.iter().map(|m| m.event_id.as_str()).collect::<Vec<_>>(), ["$2", "$4"], "in arrival order");
    assert!(!e.on_store(|s| s.has_message("!b-admin", "$0")).await.unwrap(), "back-fill stops at a stored message");
}

#[tokio::test]
async fn a_forgotten_token_starts_afresh_and_keeps_the_queue() {
    let (_home, e, fake) = signed_in().await;
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$id", "@zed:hs", 1, "身份证 11010519491231002X")]));
    e.sync_once(0).await.unwrap();
    fake.forgotten.lock().unwrap().push("s1".into());
    let r = e.sync_once(0).await.unwrap();
    assert!(r.first, "the server forgot the token: a fresh first round");
    assert_eq!(fake.sync_calls.lock().unwrap().as_slice(), [None, Some("s1".into()), None]);
    assert_eq!(e.queue(None, None, None).await.unwrap().len(), 1, "what was queued stays");

    // A passing failure keeps the token: the next round resumes from it.
    fake.offline.store(true, Ordering::SeqCst);
    assert_eq!(e.sync_once(0).await.unwrap_err().code, ErrorCode::HomeserverUnreachable);
    assert_eq!(e.on_store(|s| s.sync_token()).await.unwrap().as_deref(), Some("s1"), "the token is kept");
}

#[tokio::test]
async fn dismissing_or_acting_closes_the_item_and_counts_in_the_reporters_record() {
    let (_home, e, fake) = signed_in().await;
    let events = vec![
        msg("$a", "@spam:hs", 1, "hello"),
        flag("$f", "@x1:hs", 2, "$a"),
        msg("$id", "@zed:hs", 3, "身份证 11010519491231002X"),
    ];
    fake.feed.lock().unwrap().insert(None, round("s1", events));
    *fake.messages.lock().unwrap() = vec![MessageSnapshot {
        event_id: "$a".into(),
        sender: "@spam:hs".into(),
        ts: 1,
        kind: "m.room.message".into(),
        body: Some("hello".into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }];
    e.sync_once(0).await.unwrap();
    let items = e.queue(None, None, None).await.unwrap();
    let reported = items.iter().find(|i| i.event_id == "$a").unwrap().id.clone();
    let flagged = items.iter().find(|i| i.event_id == "$id").unwrap().id.clone();

    assert_eq!(
        e.dismiss(&reported, " ", false).await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "a reason is required"
    );
    let out = e.dismiss(&reported, "a greeting, not spam", false).await.unwrap();
    assert_eq!(out.status, Status::Done, "{out:?}");
    let case = e.cases(None, None, None).await.unwrap().into_iter().find(|c| c.case_id == out.case_id).unwrap();
    assert_eq!((case.action.as_str(), case.target.as_deref()), ("dismiss", Some("$a")), "the dismiss is a case");
    assert_eq!(
        e.dismiss(&reported, "again", false).await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "only open items"
    );

    let remove = ActRequest {
        group: "!b-admin".into(),
        action: Action::Remove { event_id: "$id".into() },
        reason: "leaked ID".into(),
        rule: None,
        lang: qunguan_core::Lang::En,
    };
    let removed = e.act(remove).await.unwrap();
    assert_eq!(removed.status, Status::Done);
    assert!(e.queue(None, None, None).await.unwrap().is_empty(), "both items left the open queue");
    let actioned = e.queue(None, Some(ItemState::Actioned), None).await.unwrap();
    assert_eq!(
        (actioned[0].id.as_str(), actioned[0].case_id.as_deref()),
        (flagged.as_str(), Some(removed.case_id.as_str()))
    );

    // @x1's next report carries their record: one dismissed.
    fake.feed
        .lock()
        .unwrap()
        .insert(Some("s1".into()), round("s2", vec![msg("$b", "@q:hs", 5, "x"), flag("$g", "@x1:hs", 6, "$b")]));
    e.sync_once(0).await.unwrap();
    let next = e.queue(None, None, None).await.unwrap();
    assert_eq!(next[0].reporters[0].record, qunguan_core::queue::ReporterRecord { upheld: 0, dismissed: 1 });
    assert_eq!(
        next[0].severity,
        qunguan_core::message::Severity::Low,
        "a reporter whose report was dismissed counts less"
    );
}

#[tokio::test]
async fn a_claim_shows_who_holds_an_item_and_only_a_managers_own_claim_counts() {
    use qunguan_core::queue::Claim;
    let (_home, e, fake) = signed_in().await;
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$id", "@zed:hs", 1, "身份证 11010519491231002X")]));
    e.sync_once(0).await.unwrap();
    let id = e.queue(None, None, None).await.unwrap()[0].id.clone();
    let far = now_ms() + 3_600_000;
    let claim = |sender: &str, holder: &str| Claim {
        item: id.clone(),
        group: "!b-admin".into(),
        sender: sender.into(),
        holder: Some(holder.into()),
        until_ms: far,
    };
    // A member cannot hold an item, nor can anyone write a claim in someone else's name.
    *fake.claims.lock().unwrap() = vec![claim("@zed:hs", "@zed:hs")];
    e.sync_once(0).await.unwrap();
    assert_eq!(e.queue(None, None, None).await.unwrap()[0].claimed_by, None, "a member's claim does not count");
    *fake.claims.lock().unwrap() = vec![claim("@owner:hs", "@me:hs")];
    e.sync_once(0).await.unwrap();
    assert_eq!(
        e.queue(None, None, None).await.unwrap()[0].claimed_by,
        None,
        "a claim in another's name does not count"
    );

    // The owner holds it: my claim and my dismissal ask first (refused without --force).
    *fake.claims.lock().unwrap() = vec![claim("@owner:hs", "@owner:hs")];
    e.sync_once(0).await.unwrap();
    let item = &e.queue(None, None, None).await.unwrap()[0];
    assert_eq!(item.claimed_by.as_deref(), Some("@owner:hs"), "{item:?}");
    let refused = e.claim(&id, false).await.unwrap_err();
    assert!(refused.code == ErrorCode::InvalidInput && refused.message.contains("@owner:hs"), "{refused:?}");
    let refused = e.dismiss(&id, "not spam", false).await.unwrap_err();
    assert!(refused.message.contains("held by @owner:hs"), "acting on a held item asks first: {refused:?}");

    // Taking it over writes my claim to the moderation room.
    let mine = e.claim(&id, true).await.unwrap();
    assert_eq!(mine.claimed_by.as_deref(), Some("@me:hs"));
    assert!(mine.claim_until.is_some(), "a claim runs out");
    assert_eq!(fake.claims.lock().unwrap()[0].holder.as_deref(), Some("@me:hs"), "written where the others read");
    let released = e.release(&id, false).await.unwrap();
    assert_eq!(released.claimed_by, None);
    assert_eq!(fake.claims.lock().unwrap()[0].holder, None, "a release is an empty claim");

    // A claim that ran out holds nothing.
    *fake.claims.lock().unwrap() = vec![Claim { until_ms: now_ms() - 1, ..claim("@owner:hs", "@owner:hs") }];
    e.sync_once(0).await.unwrap();
    assert_eq!(e.queue(None, None, None).await.unwrap()[0].claimed_by, None, "an expired claim is no claim");
    assert_eq!(e.dismiss(&id, "not spam", false).await.unwrap().status, Status::Done, "nobody holds it now");
}

#[tokio::test]
async fn hundreds_of_flags_on_one_message_stay_one_item() {
    let (_home, e, fake) = signed_in().await;
    let mut events = vec![msg("$m", "@spam:hs", 1, "hello")];
    events.extend((0..300).map(|i| flag(&format!("$f{i}"), &format!("@u{i}:hs"), 2 + i, "$m")));
    // The same reporter flagging twice (a client retrying) is one report.
    events.push(flag("$again", "@u0:hs", 400, "$m"));
    fake.feed.lock().unwrap().insert(None, round("s1", events));
    let r = e.sync_once(0).await.unwrap();
    assert_eq!(r.new_items.len(), 1, "one message, one item: {:?}", r.new_items.len());
    let items = e.queue(None, None, None).await.unwrap();
    assert_eq!((items.len(), items[0].count), (1, 300), "300 reporters counted once each");
    assert_eq!(items[0].severity, qunguan_core::message::Severity::High);
}

#[tokio::test]
async fn an_action_on_an_items_sender_decides_the_item_and_a_held_item_asks_first() {
    use qunguan_core::queue::Claim;
    let (_home, e, fake) = signed_in().await;
    let events = vec![
        msg("$id", "@zed:hs", 1, "身份证 11010519491231002X"),
        msg("$id2", "@yan:hs", 2, "身份证 11010519491231002X"),
    ];
    fake.feed.lock().unwrap().insert(None, round("s1", events));
    e.sync_once(0).await.unwrap();
    let items = e.queue(None, None, None).await.unwrap();
    let id = items.iter().find(|i| i.event_id == "$id").unwrap().id.clone();
    let other = items.iter().find(|i| i.event_id == "$id2").unwrap().id.clone();
    let lang = qunguan_core::Lang::En;

    let wrong = Action::Mute { user: "@yan:hs".into(), seconds: 600 };
    let refused = e.act_on_item(&id, wrong, "leaked ID", None, lang, false).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput, "only the item's sender or message: {refused:?}");
    assert_eq!(e.queue(None, None, None).await.unwrap().len(), 2, "nothing decided");

    let mute = Action::Mute { user: "@zed:hs".into(), seconds: 600 };
    let out = e.act_on_item(&id, mute, "leaked ID", None, lang, false).await.unwrap();
    assert_eq!(out.status, Status::Done, "{out:?}");
    let open: Vec<String> = e.queue(None, None, None).await.unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(open, std::slice::from_ref(&other), "the muted sender's item left the open queue");
    let actioned = e.queue(None, Some(ItemState::Actioned), None).await.unwrap();
    assert_eq!(actioned[0].case_id.as_deref(), Some(out.case_id.as_str()), "linked to the mute's case");
    assert_eq!(
        e.act_on_item(&id, Action::Warn { user: "@zed:hs".into() }, "again", None, lang, false).await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "only open items"
    );

    // Someone else holds the other item: refused (naming them) unless forced.
    *fake.claims.lock().unwrap() = vec![Claim {
        item: other.clone(),
        group: "!b-admin".into(),
        sender: "@owner:hs".into(),
        holder: Some("@owner:hs".into()),
        until_ms: now_ms() + 3_600_000,
    }];
    e.sync_once(0).await.unwrap();
    let warn = || Action::Warn { user: "@yan:hs".into() };
    let held = e.act_on_item(&other, warn(), "leaked ID", None, lang, false).await.unwrap_err();
    assert!(held.message.contains("held by @owner:hs"), "{held:?}");
    let forced = e.act_on_item(&other, warn(), "leaked ID", None, lang, true).await.unwrap();
    assert_eq!(forced.status, Status::Done);
    assert!(e.queue(None, None, None).await.unwrap().is_empty(), "both decided");
}

#[tokio::test]
async fn a_message_edited_into_spam_is_judged_again_but_only_its_senders_edit_counts() {
    let (_home, e, fake) = signed_in().await;
    let edit = |id: &str, sender: &str, target: &str, body: &str| TimelineEvent::Edit {
        event_id: id.into(),
        sender: sender.into(),
        ts: 5,
        target: target.into(),
        body: body.into(),
    };
    let events = vec![
        msg("$a", "@zed:hs", 1, "大家好"),
        msg("$b", "@yan:hs", 2, "早上好"),
        edit("$e1", "@zed:hs", "$a", "我的身份证 11010519491231002X"),
        // Someone else "editing" @yan's message: clients ignore it, and so does the console.
        edit("$e2", "@zed:hs", "$b", "我的身份证 11010519491231002X"),
    ];
    fake.feed.lock().unwrap().insert(None, round("s1", events));
    e.sync_once(0).await.unwrap();
    let items = e.queue(None, None, None).await.unwrap();
    assert_eq!(
        items.iter().map(|i| i.event_id.as_str()).collect::<Vec<_>>(),
        ["$a"],
        "only the sender's own edit: {items:?}"
    );
    assert_eq!(text(&items[0]), "我的身份证 110105********002X", "the item shows the edited text, masked");
    assert_eq!(items[0].sender, "@zed:hs");
}

#[tokio::test]
async fn a_change_of_members_or_power_refreshes_the_cached_lists() {
    let (_home, e, fake) = signed_in().await;
    let mut changed = round("s1", vec![]);
    changed.groups[0].state_changed = true;
    fake.feed.lock().unwrap().insert(None, changed);
    assert!(e.on_store(|s| s.members("!b-admin")).await.unwrap().is_none(), "nothing cached before");
    e.sync_once(0).await.unwrap();
    let cached = e.on_store(|s| s.members("!b-admin")).await.unwrap().expect("the members are cached again");
    assert_eq!(cached.value.len(), 3, "the group's members as the platform lists them now");
    assert!(
        e.on_store(|s| s.members("!c-mod")).await.unwrap().is_none(),
        "a group whose state did not change is not read"
    );
}

#[tokio::test]
async fn a_round_over_some_groups_keeps_its_own_place_in_the_feed() {
    let (_home, e, fake) = signed_in().await;
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$1", "@a:hs", 1, "身份证 11010519491231002X")]));
    e.sync_once(0).await.unwrap();
    fake.feed.lock().unwrap().insert(Some("s1".into()), round("s2", vec![]));
    let only = e.sync_groups(&["!b-admin".into()], 0).await.unwrap();
    assert_eq!(only.groups, 1, "one group followed");
    assert_eq!(fake.sync_calls.lock().unwrap().last().unwrap(), &None, "its own feed starts at the beginning");
    assert_eq!(e.on_store(|s| s.sync_token()).await.unwrap().as_deref(), Some("s1"), "the main feed's place is kept");
    let err = e.sync_groups(&["!a-member".into()], 0).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "only groups I manage: {err:?}");
    assert_eq!(e.queue(None, None, None).await.unwrap().len(), 1, "the same message read twice is one item");
}

// Regression: every round read every group's moderation room (its pointer, its records, its
// claims, the group's state again), several requests a group even when nothing happened.
#[tokio::test]
async fn regression_every_round_read_every_moderation_room_now_an_idle_round_is_its_sync() {
    use qunguan_core::queue::Claim;
    let (_home, e, fake) = signed_in().await;
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$id", "@zed:hs", 1, "身份证 11010519491231002X")]));
    e.sync_once(0).await.unwrap();
    let first = fake.take_calls();
    for call in ["case_log_room", "shared_cases", "claims"] {
        assert!(first.contains(&call), "the first round finds and reads every room: {call} in {first:?}");
    }
    assert_eq!(fake.sync_logs.lock().unwrap().last().unwrap(), &Vec::<String>::new(), "none known yet");
    // The room's news since the first read (the feed's first word on it), then nothing.
    e.sync_once(0).await.unwrap();
    assert_eq!(fake.sync_logs.lock().unwrap().last().unwrap(), &["!mod".to_owned()], "the room rides in the feed");
    fake.take_calls();
    e.sync_once(0).await.unwrap();
    assert_eq!(fake.take_calls(), ["sync"], "an idle round is its sync and nothing else");

    // Another admin's claim: news in the room, read in the same round (the group is not read again).
    let id = e.queue(None, None, None).await.unwrap()[0].id.clone();
    let owners = Claim {
        item: id.clone(),
        group: "!b-admin".into(),
        sender: "@owner:hs".into(),
        holder: Some("@owner:hs".into()),
        until_ms: now_ms() + 3_600_000,
    };
    *fake.claims.lock().unwrap() = vec![owners.clone()];
    e.sync_once(0).await.unwrap();
    assert_eq!(e.queue(None, None, None).await.unwrap()[0].claimed_by.as_deref(), Some("@owner:hs"));
    let calls = fake.take_calls();
    assert!(calls.contains(&"claims") && !calls.contains(&"case_log_room"), "read, not found again: {calls:?}");
    e.sync_once(0).await.unwrap();
    assert_eq!(fake.take_calls(), ["sync"], "idle again");

    // A claim in someone else's name still does not count: the same checks as ever.
    *fake.claims.lock().unwrap() = vec![Claim { sender: "@zed:hs".into(), ..owners }];
    e.sync_once(0).await.unwrap();
    assert_eq!(e.queue(None, None, None).await.unwrap()[0].claimed_by, None, "a claim @zed wrote for the owner");

    // New power levels in the group: its room is found again and its claims judged again.
    let mut moved = round("s2", vec![]);
    moved.groups[0].state_changed = true;
    moved.groups[0].standing_changed = true;
    fake.feed.lock().unwrap().insert(Some("s1".into()), moved);
    fake.take_calls();
    e.sync_once(0).await.unwrap();
    let calls = fake.take_calls();
    for call in ["case_log_room", "group", "claims"] {
        assert!(calls.contains(&call), "a changed standing: {call} in {calls:?}");
    }
}

// Regression: the groups followed and the case-log rooms read stayed with the engine across a
// new sign-in, so the new session's first round (maybe another account's, with a store of its
// own) used them and read none of its rooms.
#[tokio::test]
async fn regression_a_new_sign_in_kept_what_the_previous_session_followed() {
    let (_home, e, fake) = signed_in().await;
    e.sync_once(0).await.unwrap();
    e.sync_once(0).await.unwrap();
    e.sign_in_password("hs.test", "@me:hs", &Secret::new(PASSWORD)).await.unwrap();
    fake.take_calls();
    e.sync_once(0).await.unwrap();
    let calls = fake.take_calls();
    for call in ["joined_groups", "case_log_room"] {
        assert!(calls.contains(&call), "a new session follows afresh: {call} in {calls:?}");
    }
}

#[tokio::test]
async fn waiting_lists_open_items_nobody_holds_past_the_line_the_latest_first() {
    use qunguan_core::queue::Claim;
    let (_home, e, fake) = signed_in().await;
    fake.feed.lock().unwrap().insert(None, round("s1", vec![msg("$a", "@zed:hs", 1, "身份证 11010519491231002X")]));
    e.sync_once(0).await.unwrap();
    // A later millisecond for the second item, so "the latest first" has one answer.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    fake.feed
        .lock()
        .unwrap()
        .insert(Some("s1".into()), round("s2", vec![msg("$b", "@zed:hs", 2, "加微信 13812345678")]));
    e.sync_once(0).await.unwrap();
    let listed = |items: Vec<qunguan_core::queue::QueueItem>| items.into_iter().map(|i| i.event_id).collect::<Vec<_>>();
    // Both entered the queue just now: past a line of 0 ms, not of an hour.
    assert_eq!(listed(e.waiting(0, 100).await.unwrap()), ["$b", "$a"], "the latest to enter first");
    assert!(e.waiting(3_600_000, 100).await.unwrap().is_empty(), "nothing has waited an hour");
    assert_eq!(listed(e.waiting(0, 1).await.unwrap()), ["$b"], "at most the limit");
    assert!(e.waiting(0, 0).await.is_err(), "a limit of 0 is refused");
    let text = text(&e.waiting(0, 100).await.unwrap()[1]);
    assert!(text.contains("110105********002X") && !text.contains("11010519491231002X"), "masked: {text}");

    // Held by another manager: not waiting for anyone; dismissed: not waiting at all.
    let a = qunguan_core::queue::item_id("!b-admin", "$a");
    *fake.claims.lock().unwrap() = vec![Claim {
        item: a.clone(),
        group: "!b-admin".into(),
        sender: "@owner:hs".into(),
        holder: Some("@owner:hs".into()),
        until_ms: now_ms() + 3_600_000,
    }];
    e.sync_once(0).await.unwrap();
    assert_eq!(listed(e.waiting(0, 100).await.unwrap()), ["$b"], "a held item is someone's");
    let b = qunguan_core::queue::item_id("!b-admin", "$b");
    e.dismiss(&b, "a test", false).await.unwrap();
    assert!(e.waiting(0, 100).await.unwrap().is_empty(), "a dismissed item waits no more");
}

#[tokio::test]
async fn a_purge_drops_old_messages_but_an_open_items_and_an_erasure_drops_one_persons_everywhere() {
    let home = tempfile::tempdir().unwrap();
    let env = EnvOverride { now: Some("2027-06-01T00:00:00Z".into()), ..EnvOverride::default() };
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), env);
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    let now = qunguan_core::time::millis_from_rfc3339("2027-06-01T00:00:00Z").unwrap();
    let day = qunguan_core::retention::DAY_MS;
    fake.feed.lock().unwrap().insert(
        None,
        round(
            "s1",
            vec![
                msg("$old", "@zed:hs", now - 200 * day, "很久以前的消息"),
                msg("$old-flagged", "@zed:hs", now - 190 * day, "身份证 11010519491231002X"),
                msg("$old-amy", "@amy:hs", now - 181 * day, "也很久了"),
                msg("$new", "@zed:hs", now - day, "昨天的消息 13812345678"),
                flag("$f", "@amy:hs", now - day, "$new"),
            ],
        ),
    );
    e.sync_once(0).await.unwrap();

    let dry = e.purge(true).await.unwrap();
    assert!(dry.dry_run && dry.cutoff.as_deref() == Some("2026-12-03T00:00:00Z"), "180 days by default: {dry:?}");
    let g = &dry.groups[0];
    assert_eq!((g.messages, g.kept_open), (2, 1), "two old messages go, the open item's stays: {g:?}");
    // A stricter policy from the file; a bad one is refused whole, naming the field.
    assert!(e.set_retention(r#"{"cases_days": 30}"#).unwrap_err().message.contains("cases_days"));
    assert_eq!(e.retention().unwrap().messages_days, 180, "nothing applied");
    e.set_retention(r#"{"messages_days": 185}"#).unwrap();
    let done = e.purge(false).await.unwrap();
    assert_eq!(done.groups[0].messages, 1, "only $old is past 185 days: {done:?}");
    let item = qunguan_core::queue::item_id("!b-admin", "$old-flagged");
    assert!(e.queue_item(&item, 2).await.unwrap().0.segments.iter().any(|s| s.text.contains("002X")), "still there");

    // One person's export: their messages masked, the report they made; then the erasure.
    let export = e.person_export("@zed:hs").await.unwrap();
    let texts: Vec<String> =
        export.groups[0].messages.iter().map(|m| m.segments.iter().map(|s| s.text.as_str()).collect()).collect();
    assert_eq!(texts.len(), 2, "the purged one is gone: {texts:?}");
    assert!(texts.iter().all(|t| !t.contains("19491231") && !t.contains("13812345678")), "masked: {texts:?}");
    let amy = e.person_export("@amy:hs").await.unwrap();
    assert_eq!(amy.groups[0].reports.len(), 1, "the 🚩 she gave: {amy:?}");
    assert!(e.person_erase("@zed:hs", " ").await.is_err(), "an erasure needs a reason");
    let erased = e.person_erase("@zed:hs", "the member asked").await.unwrap();
    assert_eq!(erased.total(), 2);
    assert!(e.person_export("@zed:hs").await.unwrap().groups.iter().all(|g| g.messages.is_empty()));
    assert_eq!(e.person_export("@amy:hs").await.unwrap().groups[0].messages.len(), 1, "hers stay");
    let log = e.housekeeping(10).await.unwrap();
    let kinds: Vec<_> = log.iter().map(|h| (h.kind.as_str(), h.dry_run)).collect();
    assert_eq!(kinds, [("erase", false), ("purge", false), ("purge", true)], "every run recorded");
    assert_eq!(log[0].subject.as_deref(), Some("@zed:hs"));
}

#[tokio::test]
async fn history_is_read_back_page_by_page_to_the_depth_resumably_and_never_queued() {
    use qunguan_core::sync::Backfill;
    let home = tempfile::tempdir().unwrap();
    let env = EnvOverride { now: Some("2027-06-01T00:00:00Z".into()), ..EnvOverride::default() };
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), env);
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    let now = qunguan_core::time::millis_from_rfc3339("2027-06-01T00:00:00Z").unwrap();
    let day = qunguan_core::retention::DAY_MS;
    let edit = TimelineEvent::Edit {
        event_id: "$edit".into(),
        sender: "@zed:hs".into(),
        ts: now - day,
        target: "$older".into(),
        body: "改过的文字".into(),
    };
    let pages = [
        ("", vec![msg("$newest", "@zed:hs", now - day, "最新"), edit], Some("t1")),
        ("t1", vec![msg("$older", "@zed:hs", now - 10 * day, "身份证 11010519491231002X")], Some("t2")),
        (
            "t2",
            vec![
                msg("$too-old", "@zed:hs", now - 200 * day, "太旧了"),
                msg("$edge", "@amy:hs", now - 30 * day, "边上"),
            ],
            Some("t3"),
        ),
    ];
    for (from, events, earlier) in pages {
        let page = Backfill { events, earlier: earlier.map(str::to_owned), skipped: 0 };
        fake.history.lock().unwrap().insert(from.into(), page);
    }
    let heard = std::sync::Mutex::new(Vec::new());
    // Two pages, then stop (a budget), as between two live rounds.
    let first =
        e.backfill_history(&["!b-admin".into()], Some(180), 2, &|g| heard.lock().unwrap().push(g.pages)).await.unwrap();
    assert_eq!((first[0].pages, first[0].messages, first[0].done), (2, 2, false), "{first:?}");
    assert_eq!(*heard.lock().unwrap(), [1, 2], "progress after each page");
    let older = e.on_store(|s| s.timeline_message("!b-admin", "$older")).await.unwrap().unwrap();
    assert_eq!(older.body.as_deref(), Some("改过的文字"), "the edit read first applied when its message came");
    // Resumed from where it stopped: the third page crosses the depth, and ends it.
    let rest = e.backfill_history(&["!b-admin".into()], Some(180), 10, &|_| {}).await.unwrap();
    assert_eq!((rest[0].pages, rest[0].messages, rest[0].done), (3, 3, true), "{rest:?}");
    assert!(e.on_store(|s| s.has_message("!b-admin", "$edge")).await.unwrap(), "within the depth: stored");
    assert!(!e.on_store(|s| s.has_message("!b-admin", "$too-old")).await.unwrap(), "past it: not stored");
    assert_eq!(rest[0].oldest.as_deref(), Some("2026-11-13T00:00:00Z"), "the oldest message read");
    // History is for review: the ID card number in it is no queue item.
    assert!(e.queue(None, None, None).await.unwrap().is_empty(), "history is not queued");
    // Done: another call asks the platform nothing.
    fake.take_calls();
    e.backfill_history(&["!b-admin".into()], Some(180), 10, &|_| {}).await.unwrap();
    assert!(!fake.take_calls().contains(&"backfill"), "a finished history is not read again");
    // A deeper depth reads on from where it stopped.
    fake.history.lock().unwrap().insert("t3".into(), Backfill::default());
    let deeper = e.backfill_history(&["!b-admin".into()], Some(365), 10, &|_| {}).await.unwrap();
    assert_eq!((deeper[0].pages, deeper[0].done), (4, true), "{deeper:?}");
}
