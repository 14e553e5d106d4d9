//! Credit through the engine: the cases it picks, the policy in effect, the injected clock,
//! the member list's column.

use qunguan_core::action::Action;
use qunguan_core::credit::{ChangeKind, Level, PolicySource};

use super::*;
use crate::ActRequest;

fn req(action: Action) -> ActRequest {
    ActRequest { group: "!b-admin".into(), action, reason: "刷屏".into(), rule: Some("R1".into()), lang: Lang::En }
}

use qunguan_core::Lang;

async fn signed_in(home: &std::path::Path, secrets: Arc<dyn SecretStore>, now: Option<&str>) -> (Engine, Arc<Fake>) {
    let env = EnvOverride { now: now.map(str::to_owned), ..EnvOverride::default() };
    let (e, fake) = engine(home, secrets, env);
    if e.restore().await.unwrap().is_none() {
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    }
    (e, fake)
}

const T0: &str = "2026-03-01T00:00:00Z";

#[tokio::test]
async fn two_warnings_and_a_mute_cost_what_the_policy_says_and_heal_with_the_clock() {
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, _) = signed_in(home.path(), secrets.clone(), Some(T0)).await;
    let zed = || "@zed:hs".to_owned();
    for action in
        [Action::Warn { user: zed() }, Action::Warn { user: zed() }, Action::Mute { user: zed(), seconds: 86_400 }]
    {
        assert_eq!(e.act(req(action)).await.unwrap().status, Status::Done);
    }
    let c = e.credit("!b-admin", "@zed:hs").await.unwrap();
    assert_eq!((c.score, c.level, c.group.as_deref()), (80, Level::Fair, Some("!b-admin")), "{c:#?}");
    let rules: Vec<_> = c.changes.iter().map(|ch| (ch.delta, ch.rule.as_str(), ch.case_rule.as_deref())).collect();
    assert_eq!(
        rules,
        [(-5, "points.warn", Some("R1")), (-5, "points.warn", Some("R1")), (-10, "points.mute.up_to_1d", Some("R1"))]
    );
    assert!(c.changes.iter().all(|ch| ch.at == T0 && ch.case_id.is_some()), "dated by the engine's clock");

    let members = e.members("!b-admin").await.unwrap();
    let credit_of = |u: &str| members.iter().find(|m| m.user_id == u).and_then(|m| m.credit);
    assert_eq!(credit_of("@zed:hs").map(|c| (c.score, c.level)), Some((80, Level::Fair)));
    assert_eq!(credit_of("@owner:hs").map(|c| (c.score, c.level)), Some((100, Level::Good)), "no case: the start");

    // 29 days later (four clean weeks after the mute): +4, as one recovery change.
    let (later, _) = signed_in(home.path(), secrets.clone(), Some("2026-03-30T00:00:00Z")).await;
    let c = later.credit("!b-admin", "@zed:hs").await.unwrap();
    assert_eq!(c.score, 84, "{c:#?}");
    let last = c.changes.last().unwrap();
    assert_eq!((last.kind, last.delta, last.steps), (ChangeKind::Recovery, 4, Some(4)));

    let everywhere = later.credit_everywhere("@zed:hs").await.unwrap();
    assert_eq!(everywhere.len(), 2, "overall, then the one group: {everywhere:#?}");
    assert_eq!((everywhere[0].group.as_deref(), everywhere[1].group.as_deref()), (None, Some("!b-admin")));

    let (bad, _) = signed_in(home.path(), secrets, Some("yesterday")).await;
    let err = bad.credit("!b-admin", "@zed:hs").await.unwrap_err();
    assert!(err.message.starts_with("QG_TEST_NOW:"), "a bad clock is named, not ignored: {err:?}");
    assert_eq!(e.credit("!b-admin", "zed").await.unwrap_err().code, ErrorCode::InvalidInput, "IDs are checked");
}

#[tokio::test]
async fn the_consoles_policy_is_checked_before_it_is_kept_and_then_used() {
    let home = tempfile::tempdir().unwrap();
    let (e, _) = signed_in(home.path(), Arc::new(MemorySecrets::default()), Some(T0)).await;
    assert_eq!(e.credit_policy(None).await.unwrap().source, PolicySource::Default);
    for bad in [r#"{"recovery": {"points": -1}}"#, r#"{"points": {"hug": 1}}"#, r#"{"levels": {"fair": 95}}"#] {
        let err = e.set_credit_policy(None, bad).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        assert!(!home.path().join(crate::credit::POLICY_FILE).exists(), "nothing written for {bad}");
    }
    let set = e.set_credit_policy(None, r#"{"points": {"warn": 30}}"#).await.unwrap();
    assert_eq!((set.source, set.policy.points.warn), (PolicySource::Console, 30));
    let read = e.credit_policy(Some("!b-admin")).await.unwrap();
    assert_eq!((read.source, read.policy.points.warn), (PolicySource::Console, 30), "a group with none uses it");
    e.act(req(Action::Warn { user: "@zed:hs".into() })).await.unwrap();
    assert_eq!(e.credit("!b-admin", "@zed:hs").await.unwrap().score, 70);

    std::fs::write(home.path().join(crate::credit::POLICY_FILE), r#"{"floor": -3}"#).unwrap();
    let err = e.credit("!b-admin", "@zed:hs").await.unwrap_err();
    assert!(err.message.contains("credit-policy.json: credit policy: floor:"), "the damaged file is named: {err:?}");
}

#[tokio::test]
async fn the_action_preview_says_where_the_member_stands_on_the_ladder() {
    let home = tempfile::tempdir().unwrap();
    let (e, _) = signed_in(home.path(), Arc::new(MemorySecrets::default()), Some(T0)).await;
    let warn = Action::Warn { user: "@zed:hs".into() };
    let first = e.action_preview("!b-admin", &warn).await.unwrap();
    assert_eq!((first.ladder.count, first.ladder.due, first.credit.score), (1, None, 100));
    e.act(req(warn.clone())).await.unwrap();
    let second = e.action_preview("!b-admin", &warn).await.unwrap();
    assert_eq!(second.ladder.count, 2, "{second:#?}");
    assert_eq!(
        second.ladder.due.map(|s| s.measure),
        Some(qunguan_core::credit::Measure::Mute { seconds: 86_400 }),
        "2nd warning in 30 days: next is a 1-day mute"
    );
    assert_eq!(second.credit.score, 95);
    assert_eq!(e.action_preview("!b-admin", &Action::Lock).await.unwrap_err().code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_removed_message_costs_its_sender() {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = signed_in(home.path(), Arc::new(MemorySecrets::default()), Some(T0)).await;
    *fake.messages.lock().unwrap() = vec![MessageSnapshot {
        event_id: "$ad".into(),
        sender: "@zed:hs".into(),
        ts: 0,
        kind: "m.room.message".into(),
        body: Some("广告".into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }];
    e.act(req(Action::Remove { event_id: "$ad".into() })).await.unwrap();
    let c = e.credit("!b-admin", "@zed:hs").await.unwrap();
    assert_eq!((c.score, c.changes[0].rule.as_str()), (95, "points.remove.default"), "{c:#?}");
    let cases = e.cases(None, None, None).await.unwrap();
    assert_eq!(cases[0].detail.get("sender").map(String::as_str), Some("@zed:hs"), "the removal names the sender");
}

#[tokio::test]
async fn an_automatic_ladder_takes_the_step_as_my_case_citing_it() {
    use qunguan_core::action::PlatformOp;
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = signed_in(home.path(), Arc::new(MemorySecrets::default()), Some(T0)).await;
    e.set_credit_policy(None, r#"{"ladder": {"automatic": true}}"#).await.unwrap();
    let warn = || req(Action::Warn { user: "@zed:hs".into() });
    let first = e.act(warn()).await.unwrap();
    assert_eq!(first.ladder_step, None, "one warning: no step yet");
    let second = e.act(warn()).await.unwrap();
    let step = second.ladder_step.as_deref().expect("the second warning reaches the 1-day mute");
    assert_eq!(step.status, Status::Done, "{step:?}");
    let applied: Vec<PlatformOp> = fake.applied.lock().unwrap().iter().map(|a| a.1.clone()).collect();
    assert_eq!(applied.last(), Some(&PlatformOp::SetUserPower { user: "@zed:hs".into(), level: Some(-1) }));
    let cases = e.cases(None, None, None).await.unwrap();
    let mute = cases.iter().find(|c| c.case_id == step.case_id).unwrap();
    assert_eq!((mute.action.as_str(), mute.actor.as_str(), mute.rule.as_deref()), ("mute", "@me:hs", Some("ladder:2")));
    assert!(
        mute.reason.contains(&second.case_id) && mute.reason.starts_with("warning ladder: 2 warn in 30d"),
        "{}",
        mute.reason
    );
    assert_eq!(mute.detail.get("until").map(String::as_str), Some("2026-03-02T00:00:00Z"), "a 1-day mute");

    // The step is not counted: the third warning reaches the kick, not the ban.
    let third = e.act(warn()).await.unwrap();
    let kick = cases_of(&e, &third.ladder_step.expect("the kick").case_id).await;
    assert_eq!((kick.action.as_str(), kick.rule.as_deref()), ("kick", Some("ladder:3")));
    // A kick is no warning: it reaches nothing.
    assert_eq!(e.act(req(Action::Kick { user: "@zed:hs".into() })).await.unwrap().ladder_step, None);
}

async fn cases_of(e: &Engine, case_id: &str) -> qunguan_core::case::CaseView {
    e.cases(None, None, None).await.unwrap().into_iter().find(|c| c.case_id == case_id).unwrap()
}

#[tokio::test]
async fn a_timed_ban_is_lifted_when_its_time_is_up_and_costs_what_it_took() {
    use qunguan_core::action::PlatformOp;
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, _) = signed_in(home.path(), secrets.clone(), Some(T0)).await;
    let ban = e.act(req(Action::Ban { user: "@zed:hs".into(), seconds: Some(7 * 86_400) })).await.unwrap();
    assert_eq!(ban.status, Status::Done);
    assert_eq!(cases_of(&e, &ban.case_id).await.detail.get("until").map(String::as_str), Some("2026-03-08T00:00:00Z"));
    assert!(e.run_due().await.unwrap().is_empty(), "not yet");
    let err = e.act(req(Action::Ban { user: "@zed:hs".into(), seconds: Some(0) })).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "a zero-length ban is bad input");

    let (later, fake) = signed_in(home.path(), secrets, Some("2026-03-08T00:00:01Z")).await;
    let ended = later.run_due().await.unwrap();
    assert_eq!(ended.len(), 1, "{ended:?}");
    let unban = cases_of(&later, &ended[0].case_id).await;
    assert_eq!((unban.action.as_str(), unban.detail.get("ends_case")), ("unban", Some(&ban.case_id)));
    assert!(unban.reason.starts_with("timed ban ended (case "), "{}", unban.reason);
    assert_eq!(
        fake.applied.lock().unwrap().last().map(|a| a.1.clone()),
        Some(PlatformOp::Unban { user: "@zed:hs".into(), reason: unban.reason.clone() })
    );
    assert!(later.run_due().await.unwrap().is_empty(), "lifted once");
    let c = later.credit("!b-admin", "@zed:hs").await.unwrap();
    assert_eq!((c.score, c.changes.len()), (71, 2), "served: the 30 stay taken, one week heals 1: {c:#?}");
}
