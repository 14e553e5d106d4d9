//! Crash safety, against a real Synapse: `qg` processes carrying out a batch of decided actions
//! are SIGKILLed at random points (seeded, 0–300 ms in), then `qg outbox retry` finishes the
//! work; every decided action must be on the server exactly once — one warning per case,
//! one power-level change per mute, one kick / ban membership event, one redaction.
//!
//! `QG_CRASH_KILLS` sets how many kills (default 100; the soak is `QG_CRASH_KILLS=1000`),
//! `QG_CRASH_SEED` the seed (default fixed, printed either way, so a failure can be replayed).
//!
//! The second test stops Synapse itself in the middle of a batch and starts it again.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::process::ExitStatusExt as _;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use qunguan_testkit::{Client, RoomSpec, Synapse, TestUser};
use qunguan_tests::console::{Console, PASSWORD, membership, sent_for_case, timeline, unique, user_level};
use qunguan_tests::{RUNTIME, require_keyring};
use serde_json::Value;

fn synapse() -> &'static Synapse {
    static SYNAPSE: OnceLock<Synapse> = OnceLock::new();
    SYNAPSE.get_or_init(|| RUNTIME.block_on(Synapse::start()).expect("start Synapse (run `cargo xtask setup` first)"))
}

/// xorshift64*: small, seeded, good enough to spread kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One decided action of a batch, and how to recognise its case.
#[derive(Debug, Clone)]
enum Planned {
    Warn(String),
    Mute(String),
    Kick(String),
    Ban(String),
    Remove(String),
}

impl Planned {
    fn args(&self, room: &str) -> Vec<String> {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match self {
            Planned::Warn(u) => v(&["warn", room, u, "--reason", "crash test warning"]),
            Planned::Mute(u) => v(&["mute", room, u, "--for", "1h", "--reason", "crash test mute"]),
            Planned::Kick(u) => v(&["kick", room, u, "--reason", "crash test kick"]),
            Planned::Ban(u) => v(&["ban", room, u, "--reason", "crash test ban"]),
            Planned::Remove(e) => v(&["remove", room, e, "--reason", "crash test removal"]),
        }
    }

    fn action_and_target(&self) -> (&'static str, &str) {
        match self {
            Planned::Warn(t) => ("warn", t),
            Planned::Mute(t) => ("mute", t),
            Planned::Kick(t) => ("kick", t),
            Planned::Ban(t) => ("ban", t),
            Planned::Remove(t) => ("remove", t),
        }
    }

    fn cases<'a>(&self, cases: &'a [Value]) -> Vec<&'a Value> {
        let (action, target) = self.action_and_target();
        cases.iter().filter(|c| c["action"] == action && c["target"] == target).collect()
    }
}

#[derive(Debug, Default)]
struct Stats {
    batches: u32,
    actions: u32,
    kills: u32,
    /// Killed before the decision was recorded: nothing happened, the action is run again.
    killed_undecided: u32,
    /// Killed after the decision, before its outcome: left queued for the outbox.
    killed_queued: u32,
    /// Killed after the outcome was recorded (on the way out).
    killed_settled: u32,
    /// `qg outbox retry` runs killed mid-way.
    killed_retries: u32,
    /// Runs that finished before their kill time.
    finished: u32,
    /// Outcomes of retries that found the earlier (killed) attempt's work already on the server.
    already_in_effect: u32,
    finished_ms: Vec<u128>,
}

/// What one possibly-killed `qg` run came to.
enum Ended {
    Killed,
    Finished { code: i32, stdout: String, stderr: String },
}

/// Runs `qg ARGS`, SIGKILLs it `delay` in if it is still running.
fn run_killed_after(c: &Console, args: &[&str], delay: Duration, stats: &mut Stats) -> Ended {
    let started = Instant::now();
    let mut child = c.qg.command(args).stdin(Stdio::null()).spawn().expect("spawn qg");
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut stdout = String::new();
            let mut stderr = String::new();
            child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            stats.finished += 1;
            stats.finished_ms.push(started.elapsed().as_millis());
            return Ended::Finished { code: status.code().unwrap_or(-1), stdout, stderr };
        }
        if started.elapsed() >= delay {
            let _ = child.kill(); // SIGKILL
            let status = child.wait().expect("wait for the killed qg");
            if status.signal() == Some(9) {
                stats.kills += 1;
                return Ended::Killed;
            }
            // It finished between the check and the kill.
            let mut stdout = String::new();
            let mut stderr = String::new();
            child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            stats.finished += 1;
            return Ended::Finished { code: status.code().unwrap_or(-1), stdout, stderr };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn count_already(stdout: &str, stats: &mut Stats) {
    stats.already_in_effect += stdout.matches("already in effect").count() as u32;
}

fn register(s: &Synapse, prefix: &str) -> TestUser {
    RUNTIME.block_on(s.register(&unique(prefix), PASSWORD, false)).expect("register")
}

/// A room owned by `owner` with `n` joined members; returns (room, members).
fn room_with_members(s: &Synapse, owner: &Client, n: usize) -> (String, Vec<TestUser>) {
    let members: Vec<TestUser> = (0..n).map(|_| register(s, "target")).collect();
    let room = RUNTIME
        .block_on(async {
            let room = owner.create_room(&RoomSpec { name: Some(unique("crash")), ..RoomSpec::default() }).await?;
            for m in &members {
                owner.with_token(&m.access_token).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .expect("build the room");
    (room, members)
}

/// One batch of ten actions on fresh targets in a fresh room, with random kills throughout.
fn batch(c: &Console, owner: &Client, rng: &mut Rng, stats: &mut Stats) {
    let s = synapse();
    let (room, members) = room_with_members(s, owner, 10);
    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
    let events: Vec<String> = RUNTIME
        .block_on(async {
            let mut out = Vec::new();
            for m in [&members[6], &members[9]] {
                out.push(owner.with_token(&m.access_token).send_text(&room, "免费领取 加我微信 spam").await?);
            }
            anyhow::Ok(out)
        })
        .unwrap();
    let plan = vec![
        Planned::Warn(ids[0].clone()),
        Planned::Mute(ids[1].clone()),
        Planned::Warn(ids[2].clone()),
        Planned::Mute(ids[3].clone()),
        Planned::Kick(ids[4].clone()),
        Planned::Ban(ids[5].clone()),
        Planned::Remove(events[0].clone()),
        Planned::Warn(ids[7].clone()),
        Planned::Mute(ids[8].clone()),
        Planned::Remove(events[1].clone()),
    ];
    let group = ["--group", room.as_str()];
    for p in &plan {
        let mut args = p.args(&room);
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        loop {
            let delay = Duration::from_millis(rng.below(301));
            match run_killed_after(c, &args, delay, stats) {
                Ended::Finished { code, stdout, stderr } => {
                    assert!(
                        code == 0 || code == 3,
                        "{p:?} should be done (or queued): exit {code}\n{stdout}\n{stderr}"
                    );
                    count_already(&stdout, stats);
                    break;
                }
                Ended::Killed => {
                    let cases = c.cases(&group);
                    let mine = p.cases(&cases);
                    assert!(mine.len() <= 1, "a killed run never leaves two decisions: {mine:#?}");
                    match mine.first().map(|c| c["status"].as_str().unwrap_or_default()) {
                        None => stats.killed_undecided += 1,
                        Some("queued") => {
                            stats.killed_queued += 1;
                            break;
                        }
                        Some(_) => {
                            stats.killed_settled += 1;
                            break;
                        }
                    }
                }
            }
        }
        stats.actions += 1;
        // Sometimes a `qg outbox retry` (as `qg serve` or the app would run) is killed too.
        if rng.below(2) == 0 {
            let delay = Duration::from_millis(rng.below(301));
            match run_killed_after(c, &["outbox", "retry", "--json"], delay, stats) {
                Ended::Killed => stats.killed_retries += 1,
                Ended::Finished { stdout, .. } => count_already(&stdout, stats),
            }
        }
    }

    // Finish the work: retry until nothing is queued.
    for attempt in 0.. {
        let r = c.run(&["outbox", "retry", "--json"]);
        count_already(&r.stdout, stats);
        let queued = c.outbox().iter().filter(|e| e["status"] == "queued").count();
        if r.code == 0 && queued == 0 {
            break;
        }
        assert!(attempt < 10, "the outbox does not drain: {r:#?}\n{:#?}", c.outbox());
        std::thread::sleep(Duration::from_millis(200));
    }

    // Every decided action exactly once in the case log, done.
    let cases = c.cases(&group);
    assert_eq!(cases.len(), plan.len(), "one decision per planned action, no more: {cases:#?}");
    let mut case_of = BTreeMap::new();
    for p in &plan {
        let mine = p.cases(&cases);
        assert_eq!(mine.len(), 1, "{p:?}: exactly one case");
        assert_eq!(mine[0]["status"], "done", "{p:?}: {}", mine[0]);
        case_of.insert(p.action_and_target().1.to_owned(), mine[0]["case_id"].as_str().unwrap().to_owned());
    }

    // …and exactly once on the server.
    let timeline = RUNTIME.block_on(timeline(owner, &room)).unwrap();
    let tagged: Vec<&Value> = timeline.iter().filter(|e| e["content"].get("org.qunguan.case_id").is_some()).collect();
    let warn_cases: Vec<&String> =
        plan.iter().filter(|p| matches!(p, Planned::Warn(_))).map(|p| &case_of[p.action_and_target().1]).collect();
    assert_eq!(tagged.len(), warn_cases.len(), "one tagged message per warning, nothing else: {tagged:#?}");
    let mut pl_before: Option<Value> = None;
    let mut pl_changes: BTreeMap<String, u32> = BTreeMap::new();
    for e in timeline.iter().filter(|e| e["type"] == "m.room.power_levels") {
        if let Some(prev) = &pl_before {
            for (user, level) in e["content"]["users"].as_object().into_iter().flatten() {
                if &prev["content"]["users"][user] != level {
                    *pl_changes.entry(user.clone()).or_default() += 1;
                }
            }
        }
        pl_before = Some(e.clone());
    }
    for p in &plan {
        match p {
            Planned::Warn(u) => {
                let sent = sent_for_case(&timeline, &case_of[u]);
                assert_eq!(sent.len(), 1, "warning of {u} sent exactly once: {sent:#?}");
                assert_eq!(sent[0]["content"]["m.mentions"]["user_ids"][0], u.as_str());
            }
            Planned::Mute(u) => {
                assert_eq!(pl_changes.get(u), Some(&1), "{u}'s power level changed exactly once: {pl_changes:?}");
                let level = RUNTIME.block_on(user_level(owner, &room, u)).unwrap();
                assert!(level.is_some_and(|l| l < 0), "{u} is muted: {level:?}");
            }
            Planned::Kick(u) | Planned::Ban(u) => {
                let want = if matches!(p, Planned::Kick(_)) { "leave" } else { "ban" };
                let events: Vec<&Value> = timeline
                    .iter()
                    .filter(|e| e["type"] == "m.room.member" && e["state_key"] == u.as_str())
                    .filter(|e| e["content"]["membership"] == want)
                    .collect();
                assert_eq!(events.len(), 1, "{u}: exactly one {want}: {events:#?}");
                assert!(
                    events[0]["content"]["reason"].as_str().is_some_and(|r| r.contains(&case_of[u])),
                    "the event should name its case in the reason"
                );
                assert_eq!(
                    RUNTIME.block_on(membership(owner, &room, u)).unwrap().as_deref(),
                    Some(want),
                    "the member should end in the state the action set"
                );
            }
            Planned::Remove(ev) => {
                let redactions: Vec<&Value> = timeline
                    .iter()
                    .filter(|e| e["type"] == "m.room.redaction")
                    .filter(|e| e["content"]["redacts"] == ev.as_str() || e["redacts"] == ev.as_str())
                    .collect();
                assert_eq!(redactions.len(), 1, "{ev} redacted exactly once: {redactions:#?}");
            }
        }
    }
    assert_eq!(pl_changes.len(), 3, "only the muted members' levels changed: {pl_changes:?}");
    let audit = c.run(&["audit", "verify"]);
    assert_eq!(audit.code, 0, "the case log survives the kills intact: {audit:#?}");
    stats.batches += 1;
}

#[test]
fn sigkill_at_random_points_never_loses_or_repeats_an_action() {
    require_keyring();
    let wanted: u32 = std::env::var("QG_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let seed: u64 = std::env::var("QG_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_cafe_f00d);
    eprintln!("crash test: seed {seed}, {wanted} kills wanted (QG_CRASH_SEED / QG_CRASH_KILLS)");
    let s = synapse();
    let owner = register(s, "owner");
    let owner_client = Client::new(&s.base_url, &owner.access_token);
    let c = Console::sign_in(&s.base_url, &owner);
    let mut rng = Rng(seed | 1);
    let mut stats = Stats::default();
    let started = Instant::now();
    while stats.kills < wanted {
        batch(&c, &owner_client, &mut rng, &mut stats);
    }
    let mut ms = std::mem::take(&mut stats.finished_ms);
    ms.sort_unstable();
    let median = ms.get(ms.len() / 2).copied().unwrap_or(0);
    let Stats { batches, actions, kills, killed_undecided, killed_queued, killed_settled, killed_retries, .. } = stats;
    eprintln!(
        "crash test: {kills} kills in {:.0?}: {batches} batches, {actions} actions carried out exactly once; \
         killed before the decision {killed_undecided}, after it (left queued) {killed_queued}, after the outcome \
         {killed_settled}, mid outbox retry {killed_retries}; {} runs finished before their kill time (median \
         {median} ms), {} outcomes found the killed attempt's work already in effect",
        started.elapsed(),
        stats.finished,
        stats.already_in_effect
    );
    assert!(stats.kills >= wanted, "the run should have made at least the SIGKILLs asked for");
    assert!(
        stats.killed_undecided > 0 && stats.killed_queued > 0,
        "kills should land both before and after decisions (else the delays miss the window): {stats:?}"
    );
}

#[test]
fn synapse_stopped_mid_batch_queues_then_carries_out_exactly_once() {
    require_keyring();
    let mut s = RUNTIME.block_on(Synapse::start()).expect("start a Synapse of this test's own");
    let owner = register(&s, "owner");
    let owner_client = Client::new(&s.base_url, &owner.access_token);
    let (room, members) = room_with_members(&s, &owner_client, 6);
    let c = Console::sign_in(&s.base_url, &owner);
    let plan: Vec<Planned> = members
        .iter()
        .enumerate()
        .map(|(i, m)| match i % 3 {
            0 => Planned::Warn(m.user_id.clone()),
            1 => Planned::Mute(m.user_id.clone()),
            _ => Planned::Ban(m.user_id.clone()),
        })
        .collect();
    let mut case_ids = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        if i == 3 {
            RUNTIME.block_on(s.shutdown()).expect("stop Synapse");
        }
        let args = p.args(&room);
        let o = c.act(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let want = if i < 3 { (0, "done") } else { (3, "queued") };
        assert_eq!((o.code, o.status.as_str()), want, "{p:?}: {o:#?}");
        case_ids.push(o.case_id);
    }
    assert_eq!(
        c.outbox().iter().filter(|e| e["status"] == "queued").count(),
        3,
        "the three actions decided offline should be queued"
    );

    RUNTIME.block_on(s.resume()).expect("start Synapse again on the same data");
    let r = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.json().as_array().map(Vec::len), Some(3), "the three queued actions: {r:#?}");
    let again = c.run(&["outbox", "retry", "--json"]);
    assert_eq!(again.json(), serde_json::json!([]), "nothing left: {again:#?}");

    let events = RUNTIME.block_on(timeline(&owner_client, &room)).unwrap();
    for (p, case_id) in plan.iter().zip(&case_ids) {
        assert_eq!(c.case(case_id)["status"], "done", "{p:?}");
        match p {
            Planned::Warn(_) => assert_eq!(sent_for_case(&events, case_id).len(), 1, "{p:?} sent once"),
            Planned::Mute(u) => {
                assert!(
                    RUNTIME.block_on(user_level(&owner_client, &room, u)).unwrap().is_some_and(|l| l < 0),
                    "a muted member should be below the default level"
                )
            }
            Planned::Ban(u) => {
                let bans = events
                    .iter()
                    .filter(|e| e["type"] == "m.room.member" && e["state_key"] == u.as_str())
                    .filter(|e| e["content"]["membership"] == "ban")
                    .count();
                assert_eq!(bans, 1, "{u} banned once");
            }
            _ => unreachable!(),
        }
    }
    RUNTIME.block_on(s.stop()).unwrap();
}

// Regression (21ebbc3, 8bb5539): two outbox runners on one account failed with "database is
// locked", then carried out the same action twice; appends wait their turn and a runner claims
// the action it carries out.
#[test]
fn concurrent_retries_carry_out_each_action_once_and_settle_it_done() {
    require_keyring();
    let s = synapse();
    let owner = register(s, "owner");
    let owner_client = Client::new(&s.base_url, &owner.access_token);
    let (room, members) = room_with_members(s, &owner_client, 6);
    let target: std::net::SocketAddr = s.base_url.trim_start_matches("http://").parse().unwrap();
    let mut proxy = qunguan_tests::proxy::Proxy::start(target);
    let port = proxy.port();
    let c = Console::sign_in(&proxy.url(), &owner);
    proxy.stop();
    let plan: Vec<Planned> = members
        .iter()
        .enumerate()
        .map(|(i, m)| match i {
            0 | 1 => Planned::Warn(m.user_id.clone()),
            2 | 3 => Planned::Mute(m.user_id.clone()),
            4 => Planned::Kick(m.user_id.clone()),
            _ => Planned::Ban(m.user_id.clone()),
        })
        .collect();
    let case_ids: Vec<String> = plan
        .iter()
        .map(|p| {
            let o = c.act(&p.args(&room).iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(o.code, 3, "queued: {o:#?}");
            o.case_id
        })
        .collect();
    let _back = qunguan_tests::proxy::Proxy::start_on(port, target);

    // Three runners at once (say the app, `qg serve` and an admin's `qg outbox retry`).
    let runners: Vec<_> = (0..3)
        .map(|_| c.qg.command(&["outbox", "retry", "--json"]).stdin(Stdio::null()).spawn().expect("spawn"))
        .collect();
    for r in runners {
        let out = r.wait_with_output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "each runner ends done or queued (a clobbered power-level edit is retried): {:?}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for _ in 0..5 {
        if c.outbox().iter().all(|e| e["status"] != "queued") {
            break;
        }
        c.run(&["outbox", "retry"]);
    }
    let events = RUNTIME.block_on(timeline(&owner_client, &room)).unwrap();
    for (p, case_id) in plan.iter().zip(&case_ids) {
        let case = c.case(case_id);
        assert_eq!(case["status"], "done", "{p:?} settled done, whatever the interleaving: {case}");
        let (_, u) = p.action_and_target();
        let count = match p {
            Planned::Warn(_) => sent_for_case(&events, case_id).len(),
            Planned::Mute(_) => events
                .iter()
                .filter(|e| {
                    e["type"] == "m.room.power_levels" && e["content"]["users"][u].as_i64().is_some_and(|l| l < 0)
                })
                .count()
                .min(1),
            Planned::Kick(_) | Planned::Ban(_) => events
                .iter()
                .filter(|e| e["type"] == "m.room.member" && e["state_key"] == u)
                .filter(|e| e["content"]["membership"] == if matches!(p, Planned::Kick(_)) { "leave" } else { "ban" })
                .count(),
            Planned::Remove(_) => unreachable!(),
        };
        assert_eq!(count, 1, "{p:?} on the server exactly once");
        if let Planned::Mute(u) = p {
            assert!(RUNTIME.block_on(user_level(&owner_client, &room, u)).unwrap().is_some_and(|l| l < 0), "{u} muted");
        }
    }
    assert_eq!(c.run(&["audit", "verify"]).code, 0, "the case log should verify after concurrent retries");
}
