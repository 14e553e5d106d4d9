//! Speed of the live flagged queue, with baselines measured in the same run: ingest (a `/sync`
//! answer parsed, sorted and checked, written to the encrypted store) and opening the queue.
//!
//! `cargo bench -p qunguan-engine --bench ingest` (options: `--messages N` (1,000,000),
//! `--batch N` (1,000 messages a `/sync` answer), `--groups N` (300), `--items N` (100,000 open
//! items in the queue store), `--only ingest|queue`). Deterministic: the same seed makes the same
//! chat, events and IDs on every machine (`detect/support/rng.rs`).
//!
//! **Ingest.** Mixed Chinese/English chat over a few hundred groups, ~3% of it carrying personal
//! data, spam keywords or links, ~0.5% report replies (`!举报 …`, `!report …`, some with the
//! quoted fallback), ~1% 🚩 reactions and ~0.7% other reactions, ~0.1% removals, written as
//! Matrix `/sync` answers (JSON text), all generated before anything is timed. Then two passes
//! over the same answers, each into a fresh SQLCipher file (temp dir, random key):
//!
//! 1. **The engine's way** (the figure against the target): this thread reads each answer —
//!    `serde_json` text → `Value`, `qunguan_matrix::sync::read_sync` — and sorts it with
//!    [`qunguan_engine::sync::Sorter`] (the detector per message, the group's flood stream,
//!    reports) into a `qunguan_store::Ingest`, as `Engine::sync_groups` does, and hands it to
//!    [`qunguan_engine::ingest::Writer`], the store writer `sync_groups` uses: its own thread,
//!    rounds that queued up while it wrote in one transaction. Timed until the last round is
//!    written.
//! 2. **One stage after the other**: the same reading and sorting, then `Store::ingest`, one
//!    transaction a round, on this thread (how rounds were written before the writer); and on
//!    each answer right after, the baselines: (a) `serde_json` over the same text into
//!    `IgnoredAny` (reading the JSON without building anything); (b) the detector alone
//!    (`scan_with`) over the same message texts; (c) the same message rows `INSERT`ed with one
//!    prepared statement into a table without indexes in another encrypted file, one
//!    transaction per answer.
//!
//! **Queue.** A store holding `--items` open items (real detector findings over hot messages,
//! mixed severities, a third reported by 1–3 members, plus 10% closed items so that reporters
//! have records) among twice as many messages; then `Store::queue` first page (50 open items) and
//! the views `Engine::queue` builds from it (`qunguan_engine::queue::view`: text re-scanned for
//! masking), cold (store just reopened) and warm (median of 21), against (d) `SELECT count(*)` of
//! the open items and (e) the page's rows alone, one indexed `SELECT`, on a second connection.
//!
//! Times are wall clock (the store waits on the disk); on-CPU time of the bench thread
//! (`/proc/thread-self/schedstat`) is printed beside the ingest figures (the writer's thread
//! is not this one: its CPU is not shown). Not a timed test: it prints figures for `BENCH.md`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qunguan_core::queue::ItemState;
use qunguan_core::report::ReportWords;
use qunguan_core::role::{PowerLevels, PowerSnapshot};
use qunguan_core::{GroupState, Secret};
use qunguan_detect::{self as detect, Scratch, Stream};
use qunguan_engine::ingest::Writer;
use qunguan_engine::sync::Sorter;
use qunguan_store::{Ingest, NewReport, QueueFilter, Store};
use serde_json::{Value, json};

#[path = "../../detect/support/rng.rs"]
mod rng;
use rng::Rng;
#[path = "support/chat.rs"]
mod chat;
#[path = "support/common.rs"]
mod common;
use chat::HAN;
use common::{load, ms, random_key};

/// Words of the built-in lexicons (spam, gambling, fraud).
const HOT_WORDS: [&str; 8] = ["加vx", "免费领取", "私聊领取", "刷单返利", "兼职刷单", "网赌", "线上赌场", "杀猪盘"];
const REPORTS: [&str; 5] =
    ["!举报 广告", "!report spam", "！举报　诈骗", "!举报", "> <@x:bench.test> 原文\n\n!举报 骚扰"];
const SERVER: &str = "bench.test";
const ME: &str = "@console:bench.test";
const MEMBERS: usize = 50;

// ---------------------------------------------------------------------------------------------
// Clocks.

fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Wall clock and on-CPU time of this thread since `start`.
struct Clock(Instant, Option<u64>);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu_ns())
    }
    fn add_to(&self, span: &mut Span) {
        span.wall += self.0.elapsed();
        if let (Some(a), Some(b)) = (self.1, cpu_ns()) {
            span.cpu += Duration::from_nanos(b.saturating_sub(a));
        }
    }
}

/// Time spent in one stage, summed over the answers.
#[derive(Default, Clone, Copy)]
struct Span {
    wall: Duration,
    cpu: Duration,
}

impl std::ops::Add for Span {
    type Output = Span;
    fn add(self, o: Span) -> Span {
        Span { wall: self.wall + o.wall, cpu: self.cpu + o.cpu }
    }
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// The generator.

fn group_id(g: usize) -> String {
    format!("!g{g:04}:{SERVER}")
}

fn member(g: usize, k: usize) -> String {
    format!("@u{}:{SERVER}", g * MEMBERS + k)
}

/// A group I manage: I am its admin, its first member a moderator.
fn state(g: usize) -> GroupState {
    let mut levels = PowerLevels::default();
    levels.users.insert(ME.into(), 100);
    levels.users.insert(member(g, 0), 50);
    GroupState {
        id: group_id(g),
        name: Some(format!("群 {g}")),
        alias: None,
        joined_members: MEMBERS as u64 + 1,
        encrypted: false,
        is_direct: false,
        console_room: false,
        power: PowerSnapshot { creators: vec![ME.into()], creators_outrank: false, levels },
        report_words: None,
        rules: None,
        joined_managers: Vec::new(),
        credit_policy: None,
    }
}

struct Gen {
    rng: Rng,
    han: Vec<char>,
    groups: usize,
    /// Each group's latest messages, and its latest hot ones (what members report).
    recent: Vec<VecDeque<String>>,
    hot: Vec<VecDeque<String>>,
    ts: i64,
    answers: u64,
}

impl Gen {
    fn new(seed: u64, groups: usize) -> Gen {
        Gen {
            rng: Rng(seed),
            han: HAN.chars().collect(),
            groups,
            recent: vec![VecDeque::new(); groups],
            hot: vec![VecDeque::new(); groups],
            ts: 1_700_000_000_000,
            answers: 0,
        }
    }

    fn event_id(&mut self) -> String {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s = String::with_capacity(44);
        s.push('$');
        for _ in 0..43 {
            s.push(B64[self.rng.below(64)] as char);
        }
        s
    }

    /// Ordinary chat.
    fn chat(&mut self, out: &mut String) {
        chat::chat(&mut self.rng, &self.han, out);
    }

    /// Something the detector flags: a phone number, an e-mail address, a lexicon word, a link.
    fn hot_part(&mut self, out: &mut String) {
        match self.rng.below(8) {
            0 | 1 => {
                out.push_str(" 1");
                out.push(self.rng.pick(&['3', '5', '7', '8', '9']));
                for _ in 0..9 {
                    out.push((b'0' + self.rng.below(10) as u8) as char);
                }
                out.push(' ');
            }
            2 => out.push_str(&format!(" zhang{}@qq.com ", self.rng.below(10_000))),
            3 => out.push_str(&format!(" https://t.cn/{} ", self.rng.below(1_000_000))),
            _ => out.push_str(self.rng.pick(&HOT_WORDS)),
        }
    }

    /// A message carrying something to flag.
    fn hot_text(&mut self) -> String {
        let mut s = String::new();
        self.chat(&mut s);
        self.hot_part(&mut s);
        self.chat(&mut s);
        s
    }

    fn remember(list: &mut VecDeque<String>, id: &str) {
        if list.len() == 20 {
            list.pop_front();
        }
        list.push_back(id.to_owned());
    }

    /// A report's target in group `g`: a recent hot message if any, else a recent message.
    fn target(&mut self, g: usize) -> Option<String> {
        let from = if self.hot[g].is_empty() || self.rng.below(4) == 0 { &self.recent[g] } else { &self.hot[g] };
        (!from.is_empty()).then(|| from[self.rng.below(from.len())].clone())
    }

    fn envelope(&mut self, kind: &str, sender: String, content: Value) -> (String, Value) {
        let id = self.event_id();
        self.ts += self.rng.below(20) as i64;
        let ev = json!({
            "type": kind, "event_id": id, "sender": sender, "origin_server_ts": self.ts,
            "content": content, "unsigned": {"age": self.rng.below(5_000)},
        });
        (id, ev)
    }

    /// One `/sync` answer with `n` messages (and the reactions and removals around them), as
    /// JSON text.
    fn answer(&mut self, n: usize) -> String {
        let mut rooms: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
        for _ in 0..n {
            let g = self.rng.below(self.groups);
            let sender = member(g, self.rng.below(MEMBERS));
            let roll = self.rng.below(1000);
            let (content, hot) = match (roll, self.target(g)) {
                (0..5, Some(target)) => {
                    let body = self.rng.pick(&REPORTS);
                    (
                        json!({"msgtype": "m.text", "body": body, "m.relates_to": {"m.in_reply_to": {"event_id": target}}}),
                        false,
                    )
                }
                (5..35, _) => (json!({"msgtype": "m.text", "body": self.hot_text()}), true),
                _ => {
                    let mut body = String::new();
                    self.chat(&mut body);
                    (json!({"msgtype": "m.text", "body": body}), false)
                }
            };
            let (id, ev) = self.envelope("m.room.message", sender, content);
            rooms.entry(g).or_default().push(ev);
            Gen::remember(&mut self.recent[g], &id);
            if hot {
                Gen::remember(&mut self.hot[g], &id);
            }
            // Reactions: ~1% report (🚩), ~0.7% others; ~0.1% removals by the moderator.
            let roll = self.rng.below(1000);
            if roll < 17
                && let Some(target) = self.target(g)
            {
                let key = if roll < 10 { "🚩" } else { self.rng.pick(&["👍", "😂", "🎉"]) };
                let reactor = member(g, self.rng.below(MEMBERS));
                let content = json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}});
                let (_, ev) = self.envelope("m.reaction", reactor, content);
                rooms.entry(g).or_default().push(ev);
            } else if roll < 18
                && let Some(target) = self.recent[g].front().cloned()
            {
                let (_, ev) = self.envelope("m.room.redaction", member(g, 0), json!({"redacts": target}));
                rooms.entry(g).or_default().push(ev);
            }
        }
        self.answers += 1;
        let join: serde_json::Map<String, Value> = rooms
            .into_iter()
            .map(|(g, events)| {
                let room = json!({
                    "timeline": {"events": events, "limited": false, "prev_batch": format!("t{}_{g}", self.answers)},
                    "state": {"events": []},
                });
                (group_id(g), room)
            })
            .collect();
        json!({"next_batch": format!("s{}", self.answers), "rooms": {"join": join}}).to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Ingest.

fn plain_db(path: &Path, key: &Secret) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("baseline db");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.expose())).expect("key");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS plain (group_id TEXT, event_id TEXT, sender TEXT, ts INTEGER, body TEXT,
             reply_to TEXT, redacted INTEGER, case_id TEXT);",
    )
    .expect("baseline schema");
    conn
}

/// The generated feed's answers and the groups' state: the same for every pass.
struct Feed {
    answers: Vec<String>,
    states: HashMap<String, GroupState>,
    words: ReportWords,
}

/// Reads one answer and sorts it into a round, as `Engine::sync_groups` does, timing the parse
/// and the sort.
fn read_round(
    feed: &Feed,
    text: &str,
    detector: &detect::Engine,
    streams: &mut HashMap<String, Stream>,
    times: &mut [Span; 3],
) -> (Ingest, usize) {
    let t = Clock::start();
    let value: Value = serde_json::from_str(text).expect("json");
    t.add_to(&mut times[0]);
    let t = Clock::start();
    let sync = qunguan_matrix::sync::read_sync(&value, &[]).expect("a sync answer");
    drop(value);
    t.add_to(&mut times[1]);
    let t = Clock::start();
    let mut round = Ingest { token: Some(sync.next.clone()), ..Ingest::default() };
    let mut sorter = Sorter::new(detector, &feed.words, ME);
    let mut events = 0;
    for g in sync.groups {
        events += g.events.len();
        let state = feed.states.get(&g.group_id);
        let stream = streams.entry(g.group_id.clone()).or_insert_with(|| Stream::new(detector.rules()));
        sorter.sort(&g.group_id, g.events, state, stream, &mut round);
    }
    t.add_to(&mut times[2]);
    (round, events)
}

fn ingest_bench(detector: &detect::Engine, messages: usize, batch: usize, groups: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = random_key();
    let mut chat = Gen::new(7, groups);
    let answers = messages.div_ceil(batch);
    let t0 = Instant::now();
    let feed = Feed {
        answers: (0..answers).map(|a| chat.answer(batch.min(messages - a * batch))).collect(),
        states: (0..groups).map(|g| (group_id(g), state(g))).collect(),
        words: ReportWords::default(),
    };
    let gen_t = t0.elapsed();
    let bytes: usize = feed.answers.iter().map(String::len).sum();
    let n = messages;

    // Pass 1, the engine's way: this thread reads and sorts each answer and hands the round to
    // the store writer (`qunguan_engine::ingest::Writer`), which writes on its own thread,
    // rounds that queued up together. End to end = until the last round is written.
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("cache.db"), &key).expect("store")));
    let mut streams = HashMap::new();
    let mut piped = [Span::default(); 3];
    let (mut events, mut flagged, mut reports) = (0, 0, 0);
    let start = Clock::start();
    let mut writer = Writer::start(store.clone(), next_ms);
    for text in &feed.answers {
        let (round, e) = read_round(&feed, text, detector, &mut streams, &mut piped);
        events += e;
        flagged += round.flagged.len();
        reports += round.reports.len();
        writer.submit_blocking(round).expect("written");
    }
    let written = writer.finish_blocking().expect("written");
    let mut pipeline = Span::default();
    start.add_to(&mut pipeline);
    let items: usize = written.rounds.iter().map(|w| w.new_items.len()).sum();
    let stored: u32 = written.rounds.iter().map(|w| w.new_messages).sum();
    assert_eq!(stored as usize, n, "every message stored once");
    drop(store);

    // Pass 2, one stage after the other on the same answers: each round written alone
    // (`Store::ingest`, one transaction an answer, as before the writer), then the baselines.
    let mut store = Store::open(&dir.path().join("alone.db"), &key).expect("store");
    let mut plain = plain_db(&dir.path().join("plain.db"), &key);
    let mut streams = HashMap::new();
    let mut staged = [Span::default(); 3];
    let (mut alone_t, mut any_t, mut scan_t, mut plain_t) = Default::default();
    let mut scratch = Scratch::new();
    let mut found_n = 0;
    // Store time per tenth of the run, each way (does writing slow down as the file grows?).
    let mut tenths: Vec<(Duration, Duration)> = vec![Default::default(); 10];
    for (a, text) in feed.answers.iter().enumerate() {
        let (round, _) = read_round(&feed, text, detector, &mut streams, &mut staged);
        let t = Clock::start();
        let mut this = Span::default();
        store.ingest(&round, next_ms()).expect("ingest");
        t.add_to(&mut this);
        alone_t = alone_t + this;
        let tenth = &mut tenths[a * 10 / answers];
        tenth.0 += written.per_round[a];
        tenth.1 += this.wall;

        let t = Clock::start();
        let _: serde::de::IgnoredAny = serde_json::from_str(text).expect("json");
        t.add_to(&mut any_t);
        let t = Clock::start();
        let mut found = Vec::new();
        for (_, m) in &round.messages {
            found.clear();
            detector.scan_with(m.body.as_deref().unwrap_or(""), &mut scratch, &mut found);
            found_n += found.len();
        }
        t.add_to(&mut scan_t);
        let t = Clock::start();
        let tx = plain.transaction().expect("baseline tx");
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO plain VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").expect("insert");
            for (g, m) in &round.messages {
                insert
                    .execute(rusqlite::params![
                        g, m.event_id, m.sender, m.ts, m.body, m.reply_to, m.redacted, m.case_id
                    ])
                    .expect("baseline insert");
            }
        }
        tx.commit().expect("baseline commit");
        t.add_to(&mut plain_t);
    }
    let size = |f: &str| {
        std::fs::metadata(dir.path().join(f)).map_or(0, |m| m.len())
            + std::fs::metadata(dir.path().join(format!("{f}-wal"))).map_or(0, |m| m.len())
    };
    println!(
        "ingest: {messages} messages, {events} events in {answers} /sync answers of {batch} messages over {groups} groups, \
         {:.0} MB of JSON (generated in {gen_t:.1?}, not timed)",
        bytes as f64 / 1e6
    );
    println!(
        "        {flagged} flagged, {reports} reports, {items} new queue items; store file {:.0} MB (baseline file {:.0} MB)",
        size("cache.db") as f64 / 1e6,
        size("plain.db") as f64 / 1e6
    );
    let show = |name: &str, s: Span| {
        println!("  {name:<52} {:>10.0} msg/s  ({:>6.2?} wall, {:>6.2?} on CPU)", rate(n, s.wall), s.wall, s.cpu)
    };
    let wrote = Span { wall: written.busy, cpu: Duration::ZERO };
    println!("  the engine's way: read + sort here, the store writer on its own thread");
    show("END TO END: until the last round is written", pipeline);
    show("  1. parse (JSON text -> Value -> SyncBatch)", piped[0] + piped[1]);
    show("  2. sort/detect (Sorter: detector, flood, reports)", piped[2]);
    show("  3. store writer busy (wall; CPU is the writer's)", wrote);
    println!(
        "     {} transactions for {answers} rounds ({:.1} rounds each)",
        written.transactions,
        answers as f64 / f64::from(written.transactions.max(1))
    );
    let staged_total = staged[0] + staged[1] + staged[2] + alone_t;
    println!("  one stage after the other, each round its own transaction (same answers, fresh store)");
    show("one after the other: parse + sort/detect + store", staged_total);
    show("  1. parse (JSON text -> Value -> SyncBatch)", staged[0] + staged[1]);
    show("     of which serde_json text -> Value", staged[0]);
    show("     of which read_sync (Value -> SyncBatch)", staged[1]);
    show("  2. sort/detect (Sorter: detector, flood, reports)", staged[2]);
    show("  3. store (Store::ingest, SQLCipher)", alone_t);
    show("(a) baseline: serde_json -> IgnoredAny", any_t);
    show("(b) baseline: detector scan_with alone", scan_t);
    show("(c) baseline: plain INSERT, no indexes, SQLCipher", plain_t);
    println!("  ({found_n} findings in (b))");
    let per = |pick: fn(&(Duration, Duration)) -> Duration| {
        tenths.iter().map(|t| format!("{:.0}", rate(n / 10, pick(t)) / 1e3)).collect::<Vec<_>>().join(" ")
    };
    println!("  store per tenth of the run (k msg/s), writer: {}", per(|t| t.0));
    println!("  store per tenth of the run (k msg/s), alone:  {}", per(|t| t.1));
    let parse_t = staged[0] + staged[1];
    println!(
        "  ratios: parse/(a) = {:.2}x, sort/(b) = {:.2}x, store alone/(c) = {:.2}x time; engine's way vs one after the other = {:.2}x",
        parse_t.wall.as_secs_f64() / any_t.wall.as_secs_f64(),
        staged[2].wall.as_secs_f64() / scan_t.wall.as_secs_f64(),
        alone_t.wall.as_secs_f64() / plain_t.wall.as_secs_f64(),
        rate(n, pipeline.wall) / rate(n, staged_total.wall),
    );
    println!(
        "  END TO END {:.0} msg/s against the target 50,000 = {:.2}x",
        rate(n, pipeline.wall),
        rate(n, pipeline.wall) / 50_000.0
    );
}

/// The clock items are dated by: one second further at each call (rounds a second apart).
fn next_ms() -> i64 {
    static NOW: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1_700_000_000_000);
    NOW.fetch_add(1_000, std::sync::atomic::Ordering::Relaxed)
}

// ---------------------------------------------------------------------------------------------
// Queue.

/// A store with `target` open items (and 10% more closed ones) among twice as many messages.
fn queue_store(path: &Path, key: &Secret, detector: &detect::Engine, target: usize, groups: usize) -> (usize, usize) {
    let mut store = Store::open(path, key).expect("store");
    let mut feed = Gen::new(11, groups);
    let mut scratch = Scratch::new();
    let (mut open, mut closed, mut reports) = (0usize, 0usize, 0usize);
    let mut now = 1_700_000_000_000i64;
    let mut case = 0u64;
    while open < target {
        // A round: 100 hot messages (each an item), 100 chat; a third of the items reported.
        let mut round = Ingest::default();
        for _ in 0..100 {
            let g = feed.rng.below(groups);
            let gid = group_id(g);
            feed.ts += 1 + feed.rng.below(20) as i64;
            let body = feed.hot_text();
            let id = feed.event_id();
            let mut found = Vec::new();
            detector.scan_with(&body, &mut scratch, &mut found);
            if let Some(top) = found.iter().max_by_key(|f| f.severity) {
                let flags = found
                    .iter()
                    .map(|f| qunguan_core::message::Flag {
                        rule: f.rule.to_string(),
                        kind: f.kind.as_str().to_owned(),
                        category: f.category.as_deref().map(str::to_owned),
                        severity: match f.severity {
                            detect::Severity::Low => qunguan_core::message::Severity::Low,
                            detect::Severity::Medium => qunguan_core::message::Severity::Medium,
                            detect::Severity::High => qunguan_core::message::Severity::High,
                        },
                        suggested: "review".into(),
                    })
                    .collect();
                round.flagged.push(qunguan_store::Flagged {
                    group_id: gid.clone(),
                    event_id: id.clone(),
                    kind: top.kind.as_str().to_owned(),
                    category: top.category.as_deref().map(str::to_owned),
                    flags,
                });
            }
            if feed.rng.below(3) == 0 {
                for _ in 0..1 + feed.rng.below(3) {
                    let via = if feed.rng.below(2) == 0 {
                        qunguan_core::queue::ReportVia::Reply
                    } else {
                        qunguan_core::queue::ReportVia::Reaction
                    };
                    round.reports.push(NewReport {
                        group_id: gid.clone(),
                        event_id: id.clone(),
                        // Reporters across groups: some report often, most rarely.
                        reporter: member(feed.rng.below(groups), feed.rng.below(MEMBERS)),
                        via,
                        reason: (via == qunguan_core::queue::ReportVia::Reply).then(|| "广告 13812345678".to_owned()),
                        at_ms: feed.ts,
                    });
                }
            }
            let snapshot =
                |event_id: String, body: String, ts: i64, sender: String| qunguan_core::action::MessageSnapshot {
                    event_id,
                    sender,
                    ts,
                    kind: "m.room.message".into(),
                    body: Some(body),
                    redacted: false,
                    redacted_by: None,
                    case_id: None,
                    reply_to: None,
                };
            let sender = member(g, feed.rng.below(MEMBERS));
            round.messages.push((gid.clone(), snapshot(id, body, feed.ts, sender)));
            let mut chat = String::new();
            feed.chat(&mut chat);
            let (id, sender) = (feed.event_id(), member(g, feed.rng.below(MEMBERS)));
            round.messages.push((gid, snapshot(id, chat, feed.ts, sender)));
        }
        reports += round.reports.len();
        now += 60_000;
        let written = store.ingest(&round, now).expect("ingest");
        // Every eleventh new item is closed (dismissed or actioned): the reporters' records.
        for id in written.new_items {
            if (open + closed) % 11 == 10 {
                case += 1;
                let state = if case.is_multiple_of(2) { ItemState::Dismissed } else { ItemState::Actioned };
                store.close_item(&id, state, &format!("case-{case}")).expect("close");
                closed += 1;
            } else {
                open += 1;
            }
        }
    }
    (closed, reports)
}

fn queue_bench(detector: &detect::Engine, target: usize, groups: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = random_key();
    let path = dir.path().join("cache.db");
    let t0 = Instant::now();
    let (closed, reports) = queue_store(&path, &key, detector, target, groups);
    let built = t0.elapsed();

    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.expose())).expect("key");
    let one = |sql: &str| raw.query_row(sql, [], |r| r.get::<_, i64>(0)).expect("count");
    println!(
        "queue: {} open items (high {}, medium {}, low {}), {closed} closed, {reports} reports, {} messages; built in {built:.1?}",
        one("SELECT count(*) FROM queue_items WHERE state = 'open'"),
        one("SELECT count(*) FROM queue_items WHERE state = 'open' AND rank = 2"),
        one("SELECT count(*) FROM queue_items WHERE state = 'open' AND rank = 1"),
        one("SELECT count(*) FROM queue_items WHERE state = 'open' AND rank = 0"),
        one("SELECT count(*) FROM timeline"),
    );
    let filter = QueueFilter {
        state: Some(ItemState::Open),
        limit: Some(50),
        now_ms: 1_800_000_000_000,
        ..QueueFilter::default()
    };

    // Cold: the store just opened (the file in the OS cache, SQLite's own cache empty).
    let mut cold = Vec::new();
    let mut cold_views = Vec::new();
    for _ in 0..5 {
        let store = Store::open(&path, &key).expect("reopen");
        let t = Instant::now();
        let rows = store.queue(&filter).expect("queue");
        cold.push(t.elapsed());
        let t = Instant::now();
        let views: Vec<_> = rows.into_iter().map(|r| qunguan_engine::queue::view(detector, r)).collect();
        cold_views.push(t.elapsed());
        assert_eq!(views.len(), 50);
    }
    // Warm.
    let store = Store::open(&path, &key).expect("reopen");
    let page = store.queue(&filter).expect("queue");
    let (mut warm, mut warm_views, mut counts, mut selects) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let page_sql = "SELECT * FROM queue_items WHERE state = 'open' ORDER BY rank DESC, created_at, id LIMIT 50";
    let mut ids_alone = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let rows = store.queue(&filter).expect("queue");
        warm.push(t.elapsed());
        let t = Instant::now();
        let views: Vec<_> = rows.into_iter().map(|r| qunguan_engine::queue::view(detector, r)).collect();
        warm_views.push(t.elapsed());
        assert_eq!(views.len(), 50);
        let t = Instant::now();
        one("SELECT count(*) FROM queue_items WHERE state = 'open'");
        counts.push(t.elapsed());
        let t = Instant::now();
        let mut stmt = raw.prepare_cached(page_sql).expect("select");
        ids_alone = stmt
            .query_map([], |r| r.get::<_, String>("id"))
            .expect("select")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        selects.push(t.elapsed());
    }
    let page_ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
    assert_eq!(page_ids, ids_alone, "the store's first page is the indexed select's");
    let plan: Vec<String> = raw
        .prepare(&format!("EXPLAIN QUERY PLAN {page_sql}"))
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(3))?.collect())
        .expect("plan");
    let (w, wv, c, s) = (median(warm), median(warm_views), median(counts), median(selects));
    println!("  first page (50 items), median of 5 cold / 21 warm:");
    println!("  Store::queue                      cold {:>7.2} ms   warm {:>7.2} ms", ms(median(cold.clone())), ms(w));
    println!(
        "  views (queue::view, masking)      cold {:>7.2} ms   warm {:>7.2} ms",
        ms(median(cold_views.clone())),
        ms(wv)
    );
    println!(
        "  engine first page (both)          cold {:>7.2} ms   warm {:>7.2} ms   (target <= 50 ms)",
        ms(median(cold) + median(cold_views)),
        ms(w + wv)
    );
    println!("  (d) baseline: SELECT count(*) open            warm {:>7.2} ms", ms(c));
    println!("  (e) baseline: the page's rows, one SELECT     warm {:>7.2} ms   (plan: {})", ms(s), plan.join("; "));
    println!(
        "  ratios (warm): Store::queue/(d) = {:.2}x, Store::queue/(e) = {:.1}x, engine first page/(e) = {:.1}x",
        w.as_secs_f64() / c.as_secs_f64(),
        w.as_secs_f64() / s.as_secs_f64(),
        (w + wv).as_secs_f64() / s.as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| common::arg(&args, name, default);
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let (messages, batch, groups, items) = (
        arg("--messages", 1_000_000),
        arg("--batch", 1_000).max(1),
        arg("--groups", 300).max(1),
        arg("--items", 100_000),
    );
    let t0 = Instant::now();
    let detector = detect::Engine::builtin();
    println!(
        "detector: built-in lexicons, built in {:.1?}; load average at start {}; timing: wall clock{}",
        t0.elapsed(),
        load(),
        if cpu_ns().is_some() { " (and on-CPU time of the bench thread)" } else { "" }
    );
    if only.as_deref() != Some("queue") {
        ingest_bench(&detector, messages, batch, groups);
    }
    if only.as_deref() != Some("ingest") {
        queue_bench(&detector, items, groups);
    }
    println!("load average at end {}", load());
}
