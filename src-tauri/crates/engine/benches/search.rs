//! Speed of search over the cached messages, against a full scan in the same run.
//!
//! `cargo bench -p qunguan-engine --bench search` (options: `--messages N` (1,000,000),
//! `--groups N` (300), `--runs N` (10 timed runs of each query)). Deterministic: the same seed
//! makes the same chat on every machine (`detect/support/rng.rs`, `benches/support/chat.rs`).
//!
//! 1. **The cache.** `--messages` messages of mixed Chinese/English chat (the ingest bench's
//!    generator, with everyday words and phrases mixed in: `我们`, `明天开会`, `北京大学`, …) over
//!    `--groups` groups of 50 members, about 180 days of timestamps, written with
//!    `Store::ingest` in rounds of 1,000 into a fresh SQLCipher file (temp dir, random key) —
//!    the ingest path, which writes no search terms.
//! 2. **The index.** `Store::index_pending` in passes of 2,000 (as the engine does after a sync
//!    round) until nothing is behind: the catch-up rate. The file's size per message before and
//!    after (WAL checkpointed).
//! 3. **Queries**, first page of 50 through `qunguan_engine::search::search_page` (the engine's
//!    path: index candidates, the confirm step on the text, masking, the confirm on the masked
//!    text, context): 1-, 2- and 3+-character Chinese queries and English words and prefixes,
//!    common, rare and absent ones; one untimed run, then `--runs` timed ones each; p50/p95 per
//!    class. **Baselines**, once per query on a second connection: the full scan
//!    `SELECT count(*) FROM timeline WHERE instr(body, ?)` and the scan for the same first page
//!    (`… WHERE instr(body, ?) > 0 ORDER BY seq DESC LIMIT 50`, which stops early for common
//!    queries).
//!
//! 4. **Ingest with and without the search triggers**, alternated three times each in the same
//!    store (the only change search makes to the ingest path: the triggers that take a redacted,
//!    edited or deleted message's terms out of the index): rounds of 1,000 new messages through
//!    `Store::ingest`, each with one removal of an indexed message.
//!
//! Not a timed test: it prints figures for `BENCH-search.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use qunguan_core::action::MessageSnapshot;
use qunguan_core::search::SearchQuery;
use qunguan_detect as detect;
use qunguan_engine::search::{search_page, validate};
use qunguan_store::{Ingest, Removed, Store};

#[path = "../../detect/support/rng.rs"]
mod rng;
use rng::Rng;
#[path = "support/chat.rs"]
mod chat;
#[path = "support/common.rs"]
mod common;
use common::{load, ms, random_key};

/// Everyday words and phrases chat is full of (the generator's random characters alone make
/// no words).
const PHRASES: [&str; 24] = [
    "我们",
    "你们",
    "今天",
    "明天",
    "时间",
    "没有",
    "什么",
    "知道",
    "红包",
    "北京",
    "上海",
    "开会",
    "明天开会",
    "北京大学",
    "今天晚上",
    "不知道",
    "发红包",
    "谢谢大家",
    "没问题",
    "怎么回事",
    "周末去哪",
    "好的收到",
    "辛苦了",
    "早上好",
];
const PAGE: u32 = 50;

/// The queries, by class: common, less common, rare and absent ones.
const CLASSES: [(&str, &[&str]); 4] = [
    ("1 character", &["的", "国", "电", "研", "鑫"]),
    ("2 characters", &["我们", "红包", "开会", "质量", "鑫鑫"]),
    ("3+ characters", &["北京大学", "明天开会", "不知道", "谢谢大家", "中华人民共和国"]),
    ("English word/prefix", &["meeting", "tick", "coffee", "week", "zebra"]),
];

fn percentile(xs: &mut [Duration], p: f64) -> Duration {
    xs.sort();
    xs[((xs.len() - 1) as f64 * p).round() as usize]
}

/// One message of ordinary chat, with an everyday phrase in about half of them.
fn text(rng: &mut Rng, han: &[char]) -> String {
    let mut s = String::new();
    chat::chat(rng, han, &mut s);
    if rng.chance(0.5) {
        s.push_str(rng.pick(&PHRASES));
        chat::chat(rng, han, &mut s);
    }
    s
}

/// The chat: `groups` groups of 50 members, about 180 days of timestamps for `messages`.
struct Chat {
    rng: Rng,
    han: Vec<char>,
    groups: usize,
    step: i64,
    ts: i64,
    /// Each message's group, by its number.
    group_of: Vec<u16>,
}

impl Chat {
    fn new(messages: usize, groups: usize) -> Chat {
        // About 180 days of chat: 15.5 s between messages on average at a million.
        let step = 180 * 86_400_000 / messages.max(1) as i64;
        let han = chat::HAN.chars().collect();
        Chat { rng: Rng(0x5EA7C4), han, groups, step, ts: 1_760_000_000_000, group_of: Vec::new() }
    }

    fn group_id(g: usize) -> String {
        format!("!g{g:04}:bench.test")
    }

    fn event_id(i: usize) -> String {
        format!("$e{i:08}")
    }

    /// The next `n` messages, in a round.
    fn round(&mut self, n: usize) -> Vec<(String, MessageSnapshot)> {
        (0..n)
            .map(|_| {
                let i = self.group_of.len();
                self.ts += self.rng.below(2 * self.step as usize + 1) as i64;
                let g = self.rng.below(self.groups);
                self.group_of.push(g as u16);
                let m = MessageSnapshot {
                    event_id: Chat::event_id(i),
                    sender: format!("@u{}:bench.test", g * 50 + self.rng.below(50)),
                    ts: self.ts,
                    kind: "m.room.message".into(),
                    body: Some(text(&mut self.rng, &self.han)),
                    redacted: false,
                    redacted_by: None,
                    case_id: None,
                    reply_to: None,
                };
                (Chat::group_id(g), m)
            })
            .collect()
    }
}

/// Writes the cache: `messages`, rounds of 1,000; how long it took.
fn fill(store: &mut Store, chat: &mut Chat, messages: usize) -> Duration {
    let t = Instant::now();
    let mut n = 0;
    while n < messages {
        let round = chat.round((messages - n).min(1000));
        n += round.len();
        store.ingest(&Ingest { messages: round, ..Ingest::default() }, 1).expect("ingest");
    }
    t.elapsed()
}

/// Ingest with the search triggers and without them, alternated in one run: rounds of 1,000
/// new messages and one removal of an indexed message each (the ingest bench's 0.1%), so the
/// triggers' work (the removed message's terms out of the index) is in the figure. Messages/s
/// of each, per repetition.
fn triggers_ab(
    store: &mut Store,
    conn: &rusqlite::Connection,
    chat: &mut Chat,
    indexed: usize,
) -> (Vec<f64>, Vec<f64>) {
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("the triggers");
    let set = |on: bool| {
        for (name, sql) in &triggers {
            let stmt = if on { format!("{sql};") } else { format!("DROP TRIGGER {name};") };
            conn.execute_batch(&stmt).expect("trigger");
        }
    };
    set(false);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for rep in 0..6 {
        let on = rep % 2 == 0;
        if on {
            set(true);
        }
        let t = Instant::now();
        let rounds = 20;
        for _ in 0..rounds {
            let messages = chat.round(1000);
            let victim = chat.rng.below(indexed);
            let group = Chat::group_id(chat.group_of[victim] as usize);
            // A moderator's removal (it counts for anyone's message).
            let removed =
                Removed { group_id: group, event_id: Chat::event_id(victim), by: "@mod:bench".into(), any: true };
            let round = Ingest { messages, redactions: vec![removed], ..Ingest::default() };
            store.ingest(&round, 1).expect("ingest");
        }
        let rate = (rounds * 1000) as f64 / t.elapsed().as_secs_f64();
        if on {
            with.push(rate);
            set(false);
        } else {
            without.push(rate);
        }
    }
    set(true);
    (with, without)
}

/// The file's size once the WAL is folded in.
fn size(conn: &rusqlite::Connection, path: &Path) -> u64 {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| common::arg(&args, name, default);
    let (messages, groups, runs) =
        (arg("--messages", 1_000_000), arg("--groups", 300).max(1), arg("--runs", 10).max(1));
    println!("search bench: {messages} messages, {groups} groups; load average at start {}", load());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.db");
    let key = random_key();
    let mut store = Store::open(&path, &key).expect("store");
    let conn = rusqlite::Connection::open(&path).expect("second connection");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA cache_size = -32768;", key.expose())).expect("key");

    let mut chat = Chat::new(messages, groups);
    let took = fill(&mut store, &mut chat, messages);
    let plain = size(&conn, &path);
    println!(
        "cache: written in {:.1} s ({:.0} msg/s, no search terms in ingest); {:.1} MiB, {:.0} bytes/message",
        took.as_secs_f64(),
        messages as f64 / took.as_secs_f64(),
        plain as f64 / 1048576.0,
        plain as f64 / messages as f64
    );

    let t = Instant::now();
    let (mut indexed, mut passes) = (0u64, 0u32);
    loop {
        let c = store.index_pending(2_000).expect("index");
        indexed += u64::from(c.indexed);
        passes += 1;
        if c.behind == 0 {
            break;
        }
    }
    let built = t.elapsed();
    let with = size(&conn, &path);
    println!(
        "index: {indexed} messages in {passes} passes, {:.1} s ({:.0} msg/s catch-up); cache {:.1} MiB, {:.0} bytes/message ({:.0} of them the index, x{:.2})",
        built.as_secs_f64(),
        indexed as f64 / built.as_secs_f64(),
        with as f64 / 1048576.0,
        with as f64 / messages as f64,
        (with - plain) as f64 / messages as f64,
        with as f64 / plain as f64
    );

    let detector = detect::Engine::builtin();
    println!(
        "\n{:<22} {:>8} {:>8} {:>8} | {:>10} {:>10} | {:>10} {:>10} | {:>8}",
        "class", "p50 ms", "p95 ms", "max ms", "scan p50", "scan p95", "page p50", "page p95", "x (p95)"
    );
    for (class, queries) in CLASSES {
        let (mut times, mut scans, mut pages) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts = Vec::new();
        for q in queries {
            let v = validate(&SearchQuery { text: q.to_string(), limit: Some(PAGE), ..SearchQuery::default() })
                .expect("valid");
            let hits = search_page(&store, &detector, &v, "@me:bench.test").expect("search").hits.len();
            for _ in 0..runs {
                let t = Instant::now();
                let page = search_page(&store, &detector, &v, "@me:bench.test").expect("search");
                times.push(t.elapsed());
                std::hint::black_box(page);
            }
            let t = Instant::now();
            let all: i64 = conn
                .query_row("SELECT count(*) FROM timeline WHERE instr(body, ?1) > 0", [q], |r| r.get(0))
                .expect("scan");
            scans.push(t.elapsed());
            let t = Instant::now();
            let mut stmt = conn
                .prepare_cached("SELECT seq FROM timeline WHERE instr(body, ?1) > 0 ORDER BY seq DESC LIMIT ?2")
                .expect("scan page");
            let page = stmt.query_map(rusqlite::params![q, PAGE], |r| r.get::<_, i64>(0)).expect("scan page").count();
            pages.push(t.elapsed());
            counts.push(format!("{q} {hits}/{page} of {all}"));
        }
        let (p50, p95, max) = (percentile(&mut times, 0.5), percentile(&mut times, 0.95), percentile(&mut times, 1.0));
        let (s50, s95) = (percentile(&mut scans, 0.5), percentile(&mut scans, 0.95));
        let (g50, g95) = (percentile(&mut pages, 0.5), percentile(&mut pages, 0.95));
        println!(
            "{class:<22} {:>8.2} {:>8.2} {:>8.2} | {:>10.1} {:>10.1} | {:>10.1} {:>10.1} | {:>8.0}",
            ms(p50),
            ms(p95),
            ms(max),
            ms(s50),
            ms(s95),
            ms(g50),
            ms(g95),
            s95.as_secs_f64() / p95.as_secs_f64()
        );
        println!("    hits on the first page / the scan's page / matches in all: {}", counts.join(", "));
    }
    let (with, without) = triggers_ab(&mut store, &conn, &mut chat, messages);
    let show = |xs: &[f64]| xs.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ");
    println!(
        "\ningest (Store::ingest, rounds of 1,000 with one removal of an indexed message), alternated in this run:\n  with the search triggers    {} msg/s\n  without them                {} msg/s",
        show(&with),
        show(&without)
    );
    println!("\nload average at end {}", load());
}
