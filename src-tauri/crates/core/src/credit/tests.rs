//! Table tests: each action kind, reversals, recovery over an injected clock, the caps, trust,
//! and the ladder.

use super::*;
use crate::Status;
use crate::case::CaseView;
use crate::time::{millis_from_rfc3339, rfc3339_from_millis};

const DAY: i64 = 86_400_000;
const USER: &str = "@u:hs";
const G: &str = "!g:hs";

/// Day 0 of every test.
fn t0() -> i64 {
    millis_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
}

fn at(day: f64) -> i64 {
    t0() + (day * DAY as f64) as i64
}

/// A done, trusted decision about `USER` on `day`.
fn case(id: &str, action: &str, day: f64) -> CaseView {
    CaseView { group: G.into(), ..CaseView::decided(id, "@admin:hs", action, USER, at(day)) }
}

fn with(mut c: CaseView, key: &str, value: &str) -> CaseView {
    c.detail.insert(key.into(), value.into());
    c
}

/// A timed measure lasting `seconds`.
fn timed(id: &str, action: &str, day: f64, seconds: i64) -> CaseView {
    let c = case(id, action, day);
    let until = rfc3339_from_millis(at(day) + seconds * 1000);
    with(c, score::UNTIL_KEY, &until)
}

/// A removal of a message `USER` sent.
fn removal(id: &str, day: f64, category: Option<&str>) -> CaseView {
    let mut c = case(id, "remove", day);
    c.target = Some("$event".into());
    c = with(c, score::SENDER_KEY, USER);
    match category {
        Some(cat) => with(c, score::CATEGORY_KEY, cat),
        None => c,
    }
}

fn score_at(cases: &[CaseView], day: f64) -> Credit {
    credit(cases, USER, Some(G), at(day), &CreditPolicy::default())
}

/// Each action kind takes what the default policy says, named by the policy field.
#[test]
fn each_sanction_takes_its_points_by_kind_and_severity() {
    let table: Vec<(CaseView, i32, &str)> = vec![
        (case("w", "warn", 0.0), -5, "points.warn"),
        (timed("m1", "mute", 0.0, 600), -5, "points.mute.up_to_1h"),
        (timed("m2", "mute", 0.0, 3600), -5, "points.mute.up_to_1h"),
        (timed("m3", "mute", 0.0, 3601), -10, "points.mute.up_to_1d"),
        (timed("m4", "mute", 0.0, 3 * 86_400), -15, "points.mute.up_to_1w"),
        (timed("m5", "mute", 0.0, 30 * 86_400), -20, "points.mute.longer"),
        (case("m6", "mute", 0.0), -20, "points.mute.longer"),
        (removal("r1", 0.0, None), -5, "points.remove.default"),
        (removal("r2", 0.0, Some("fraud")), -15, "points.remove.fraud"),
        (removal("r3", 0.0, Some("porn")), -10, "points.remove.porn"),
        (removal("r4", 0.0, Some("weather")), -5, "points.remove.default"),
        (case("k", "kick", 0.0), -20, "points.kick"),
        (timed("b1", "ban", 0.0, 7 * 86_400), -30, "points.ban.up_to_1w"),
        (case("b2", "ban", 0.0), -40, "points.ban.longer"),
        (case("s", "staff_suspend", 0.0), -40, "points.suspend"),
    ];
    for (c, delta, rule) in table {
        let id = c.case_id.clone();
        let got = score_at(&[c], 0.5);
        assert_eq!(got.changes.len(), 1, "{id}: one change: {got:#?}");
        let ch = &got.changes[0];
        assert_eq!((ch.delta, ch.rule.as_str()), (delta, rule), "{id}");
        assert_eq!((ch.kind, ch.case_id.as_deref()), (ChangeKind::Sanction, Some(id.as_str())), "{id}");
        assert_eq!(got.score, (100 + delta) as u32, "{id}: the score after it");
    }
}

#[test]
fn cases_that_are_not_sanctions_or_not_in_effect_take_nothing() {
    let mut failed = case("f", "kick", 0.0);
    failed.status = Status::Failed;
    let mut queued = case("q", "ban", 0.0);
    queued.status = Status::Queued;
    let mut refused = case("x", "warn", 0.0);
    refused.status = Status::Refused;
    let mut other = case("o", "warn", 0.0);
    other.target = Some("@someone-else:hs".into());
    let mut removal_of_another = removal("r", 0.0, Some("fraud"));
    removal_of_another.detail.insert(score::SENDER_KEY.into(), "@someone-else:hs".into());
    let table = [
        failed,
        queued,
        refused,
        other,
        removal_of_another,
        case("role", "role", 0.0),
        case("rep", "report_member", 0.0),
        case("unmute", "unmute", 0.0),
    ];
    for c in table {
        let got = score_at(std::slice::from_ref(&c), 1.0);
        assert_eq!(
            (got.score, got.changes.len()),
            (100, 0),
            "{} ({}, {:?}) takes nothing",
            c.case_id,
            c.action,
            c.status
        );
    }
}

#[test]
fn untrusted_records_never_lower_credit_nor_raise_it() {
    let mut forged = case("forged", "ban", 1.0);
    forged.trusted = false;
    let got = score_at(&[forged], 2.0);
    assert_eq!((got.score, got.changes.len()), (100, 0), "an untrusted ban is ignored");
    let mut forged_unban = case("u", "unban", 2.0);
    forged_unban.trusted = false;
    let got = score_at(&[case("b", "ban", 1.0), forged_unban], 3.0);
    assert_eq!(got.score, 60, "an untrusted unban gives nothing back");
}

#[test]
fn a_reversal_by_hand_gives_back_what_its_sanction_took_and_a_timed_end_does_not() {
    // Unban by hand: the ban's 40 come back.
    let got = score_at(&[case("b", "ban", 1.0), case("ub", "unban", 2.0)], 3.0);
    assert_eq!(got.score, 100, "{got:#?}");
    let back = &got.changes[1];
    assert_eq!((back.kind, back.delta, back.reverses.as_deref()), (ChangeKind::Reversal, 40, Some("b")));
    assert_eq!(back.rule, "reversal");

    // A manual unmute lifts the latest open mute (the 1-day one, 10 points), not the older.
    let cases = [timed("m1", "mute", 1.0, 600), timed("m2", "mute", 2.0, 86_400), case("um", "unmute", 2.5)];
    let got = score_at(&cases, 3.0);
    assert_eq!(got.score, 95, "only the 1-day mute's points come back: {got:#?}");
    assert_eq!(got.changes[2].reverses.as_deref(), Some("m2"));

    // A timed mute that ran out was served: its unmute (naming it) gives nothing back, and a
    // later unmute by hand finds no open mute to lift.
    let end = with(case("end", "unmute", 2.0), score::ENDS_KEY, "m");
    let got = score_at(&[timed("m", "mute", 1.0, 86_400), end, case("late", "unmute", 3.0)], 4.0);
    assert_eq!((got.score, got.changes.len()), (90, 1), "{got:#?}");

    // A reversal in another group lifts nothing here.
    let mut elsewhere = case("ub", "unban", 2.0);
    elsewhere.group = "!other:hs".into();
    assert_eq!(score_at(&[case("b", "ban", 1.0), elsewhere], 3.0).score, 60);

    // What it gives back is what the sanction took (the floor may have cut it), never more.
    let cases = [case("b1", "ban", 1.0), case("b2", "ban", 1.1), case("b3", "ban", 1.2), case("ub", "unban", 1.5)];
    let got = score_at(&cases, 1.6);
    assert_eq!(got.changes[2].delta, -20, "the floor (0) cut the third ban to 20");
    assert_eq!((got.changes[3].delta, got.score), (20, 20), "the unban gives back those 20: {got:#?}");
}

/// Recovery over an injected clock: +1 per 7 clean days, each run its own change, up to the start.
#[test]
fn clean_time_heals_slowly_up_to_the_start() {
    let cases = [case("w1", "warn", 0.0), case("w2", "warn", 1.0), timed("m", "mute", 2.0, 86_400)];
    let table = [
        (2.5, 80, 3),               // 100 - 5 - 5 - 10, no recovery yet
        (8.9, 80, 3),               // 6.9 days after the mute: not a full period
        (9.0, 81, 4),               // one period
        (30.0, 84, 4),              // four periods (28 days), one change
        (2.0 + 7.0 * 20.0, 100, 4), // twenty periods: back at the start
        (1000.0, 100, 4),           // never above it
    ];
    for (day, score, changes) in table {
        let got = score_at(&cases, day);
        assert_eq!((got.score, got.changes.len()), (score, changes), "on day {day}: {got:#?}");
    }
    let healed = score_at(&cases, 1000.0);
    let r = &healed.changes[3];
    assert_eq!((r.kind, r.delta, r.steps, r.rule.as_str()), (ChangeKind::Recovery, 20, Some(20), "recovery"));
    assert_eq!(r.at, rfc3339_from_millis(at(2.0 + 140.0)), "dated at the step that reached the start");
    assert_eq!(r.case_id, None, "recovery has no case");

    // A new case starts the clean time again: recovery before it is its own change.
    let cases = [case("w1", "warn", 0.0), case("w2", "warn", 15.0)];
    let got = score_at(&cases, 16.0);
    let kinds: Vec<_> = got.changes.iter().map(|c| (c.kind, c.delta)).collect();
    assert_eq!(kinds, [(ChangeKind::Sanction, -5), (ChangeKind::Recovery, 2), (ChangeKind::Sanction, -5)]);
    assert_eq!(got.score, 92);
    assert_eq!(score_at(&cases, 21.9).score, 92, "6.9 days after the second warning: the clock restarted");
    assert_eq!(score_at(&cases, 22.0).score, 93);

    // Cases after `now` have not happened yet (the clock may be injected in the past).
    assert_eq!(score_at(&cases, 10.0).score, 96, "as of day 10: one warning, one period of recovery");
}

#[test]
fn the_floor_and_the_start_cap_the_score() {
    let policy = CreditPolicy::from_value(&serde_json::json!({"floor": 10, "levels": {"poor": 30}})).unwrap();
    let cases = [case("b1", "ban", 0.0), case("b2", "ban", 0.1), case("b3", "ban", 0.2)];
    let got = credit(&cases, USER, None, at(1.0), &policy);
    assert_eq!(got.score, 10, "never below the floor");
    let deltas: Vec<_> = got.changes.iter().map(|c| c.delta).collect();
    assert_eq!(deltas, [-40, -40, -10], "the last ban took only what was left above the floor");
    assert_eq!(got.level, Level::Danger);
    let none = credit(&[], USER, None, at(1.0), &policy);
    assert_eq!((none.score, none.level, none.start), (100, Level::Good, 100), "no case: the start");
}

#[test]
fn the_level_follows_the_score_and_the_groups_thresholds() {
    let cases = [case("w1", "warn", 0.0), case("w2", "warn", 1.0), timed("m", "mute", 2.0, 86_400)];
    assert_eq!((score_at(&cases, 3.0).score, score_at(&cases, 3.0).level), (80, Level::Fair));
    let strict =
        CreditPolicy::from_value(&serde_json::json!({"levels": {"good": 99, "fair": 90, "poor": 85}})).unwrap();
    assert_eq!(credit(&cases, USER, None, at(3.0), &strict).level, Level::Danger);
    let sums = score::summaries(&cases, at(3.0), &CreditPolicy::default());
    assert_eq!(sums.get(USER), Some(&CreditSummary { score: 80, level: Level::Fair }));
    assert_eq!(score::clean(&CreditPolicy::default()), CreditSummary { score: 100, level: Level::Good });
}

fn standing(cases: &[CaseView], day: f64, ladder_policy: &Ladder, pending: Option<&str>) -> LadderStanding {
    let pending = pending.map(crate::action::ActionKind::from);
    ladder(cases, USER, at(day), ladder_policy, pending.as_ref())
}

#[test]
fn the_ladder_counts_warnings_in_the_window_and_names_the_step_due() {
    let l = CreditPolicy::default().ladder; // 2 → mute 1d, 3 → kick, 4 → ban 7d, in 30 days
    let mute = Some(LadderStep { after: 2, measure: Measure::Mute { seconds: 86_400 } });
    let kick = Some(LadderStep { after: 3, measure: Measure::Kick });
    let ban = Some(LadderStep { after: 4, measure: Measure::Ban { seconds: Some(7 * 86_400) } });

    let none = standing(&[], 0.0, &l, None);
    assert_eq!((none.count, none.due, none.next), (0, None, mute));
    let one = [case("w1", "warn", 0.0)];
    let s = standing(&one, 1.0, &l, Some("warn"));
    assert_eq!((s.count, s.due, s.next), (2, mute, kick), "the dialog's second warning: a 1-day mute is due");
    assert_eq!(s.cases, ["w1"]);
    let s = standing(&one, 1.0, &l, Some("kick"));
    assert_eq!((s.count, s.due), (1, None), "a kick is not counted by a warnings-only ladder");

    let three = [case("w1", "warn", 0.0), case("w2", "warn", 5.0), case("w3", "warn", 10.0)];
    assert_eq!(standing(&three, 11.0, &l, None).due, kick);
    assert_eq!(standing(&three, 11.0, &l, Some("warn")).due, ban);
    let five = [&three[..], &[case("w4", "warn", 11.0), case("w5", "warn", 12.0)]].concat();
    assert_eq!(
        (standing(&five, 13.0, &l, None).due, standing(&five, 13.0, &l, None).next),
        (ban, None),
        "the top repeats"
    );
    assert_eq!(standing(&three, 31.0, &l, None).count, 2, "the first warning left the 30-day window");
    assert_eq!(standing(&three, 41.0, &l, None).count, 0);

    // A step the ladder took is not counted; neither is another member's, nor an untrusted one.
    let mut forged = case("f", "warn", 1.0);
    forged.trusted = false;
    let mut other = case("o", "warn", 1.0);
    other.target = Some("@else:hs".into());
    let taken = with(timed("m", "mute", 5.1, 86_400), LADDER_KEY, "2");
    let s = standing(&[three[0].clone(), three[1].clone(), taken, forged, other], 6.0, &l, None);
    assert_eq!(s.count, 2, "{s:#?}");

    // A ladder counting any sanction counts the mute too.
    let any = CreditPolicy::from_value(&serde_json::json!({"ladder": {"counts": ["warn", "mute", "remove"]}})).unwrap();
    let cases = [case("w", "warn", 0.0), timed("m", "mute", 1.0, 600), removal("r", 2.0, None)];
    assert_eq!(standing(&cases, 3.0, &any.ladder, None).count, 3);
    assert_eq!(LadderStep { after: 2, measure: Measure::Kick }.rule_id(), "ladder:2");
    assert_eq!(Measure::Mute { seconds: 86_400 }.describe(), "mute for 1d");
}
