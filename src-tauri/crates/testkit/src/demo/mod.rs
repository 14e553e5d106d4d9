//! The demo world: an owner, two admins, a moderator and 1,200 members across four groups
//! (技术交流群 with ~1,000 members, Open Source Chat, 二手交易群, Weekend Hikers), a room where
//! the owner is only a member, a direct chat, and ~350 messages in Chinese and English including
//! the ones a moderator must act on (gambling and fraud ads, leaked ID and phone numbers,
//! insults, a flooding burst).
//!
//! Why a cache: registering and joining 1,200 users takes over a minute, a copy of the SQLite
//! file takes milliseconds. [`fixture`](crate::demo::fixture) builds the world once per *version key* (Synapse version +
//! the source of this module and [`data`](crate::demo::data)), stores Synapse's data dir under
//! `<cache>/fixtures/<key>/` with `world.json`, and [`start`](crate::demo::start) boots a throw-away copy of it.
//! Editing the seed changes the key, so a stale fixture is never used.
//!
//! Everything is deterministic (a fixed-seed PRNG), so tests can rely on names, counts and roles.

/// The seed's vocabulary: names, topics and the messages a moderator must act on.
pub mod data;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest as _;

use crate::client::{Client, RoomSpec};
use crate::synapse::{Fixture, SERVER_NAME, SYNAPSE_VERSION, Synapse, SynapseOptions, cache_dir, synapse_python};

/// The owner's password (`@owner`), as the README lists it.
pub const OWNER_PASSWORD: &str = "demo-owner-pass";
/// Both admins' password (`@admin1`, `@admin2`).
pub const ADMIN_PASSWORD: &str = "demo-admin-pass";
/// The moderator's password (`@moderator`).
pub const MODERATOR_PASSWORD: &str = "demo-moderator-pass";
/// Every plain member's password.
pub const MEMBER_PASSWORD: &str = "demo-member-pass";
/// Number of plain members (`@wang0001` … `@xx1200`).
pub const MEMBERS: usize = 1200;

/// A demo account, signed in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoUser {
    /// The full Matrix ID.
    pub user_id: String,
    /// The display name it was seeded with.
    pub display_name: String,
    /// Its password (one of the `*_PASSWORD` constants).
    pub password: String,
    /// A token of the seeding session, valid in every copy of the fixture.
    pub access_token: String,
}

/// A seeded room.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoGroup {
    /// Short stable name: `tech`, `opensource`, `secondhand`, `hikers`, `chitchat`.
    pub key: String,
    /// The room ID.
    pub room_id: String,
    /// The room name (技术交流群, …).
    pub name: String,
    /// `#key:server`
    pub alias: String,
    /// The account that created the room (its owner).
    pub creator: String,
    /// What the owner account is here: `owner`, `admin` or `member`.
    pub owner_role: String,
    /// `power_levels.users` as seeded (the creator is never in it).
    pub power: BTreeMap<String, i64>,
    /// Members at power -1 (below `events_default`).
    pub muted: Vec<String>,
    /// Joined members, creator and staff included.
    pub members: usize,
    /// `m.room.message` events sent.
    pub messages: usize,
}

/// A message a moderator must act on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoMessage {
    /// The [`DemoGroup::key`] of its room.
    pub group: String,
    /// The room ID.
    pub room_id: String,
    /// The message's event ID.
    pub event_id: String,
    /// Who sent it.
    pub sender: String,
    /// `gambling`, `fraud`, `pii`, `insult` or `flood`.
    pub category: String,
    /// Its text.
    pub body: String,
}

/// Everything tests and the demo need to know about the seeded world.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoWorld {
    /// The server name (`localhost`).
    pub server_name: String,
    /// 王建国, the owner of three groups and an admin of the fourth.
    pub owner: DemoUser,
    /// The two admins (power 100).
    pub admins: Vec<DemoUser>,
    /// The moderator of all four groups (power 50).
    pub moderator: DemoUser,
    /// Plain members, `members[0]` is number 1.
    pub members: Vec<DemoUser>,
    /// The four groups the owner manages: tech, opensource, secondhand, hikers.
    pub groups: Vec<DemoGroup>,
    /// 闲聊灌水区: the owner is a plain member, so it must not be listed as a group.
    pub plain_room: DemoGroup,
    /// The owner's direct chat with the first admin (must not be listed as a group).
    pub direct_room: String,
    /// The seeded messages a moderator must act on.
    pub flagged: Vec<DemoMessage>,
    /// All `m.room.message` events sent, in every room.
    pub total_messages: usize,
}

impl DemoWorld {
    /// A group by key (`tech`, `opensource`, `secondhand`, `hikers`, `chitchat`); panics if unknown.
    pub fn group(&self, key: &str) -> &DemoGroup {
        self.groups
            .iter()
            .chain(std::iter::once(&self.plain_room))
            .find(|g| g.key == key)
            .unwrap_or_else(|| panic!("no demo group {key:?}"))
    }

    /// A demo user by Matrix ID.
    pub fn user(&self, user_id: &str) -> Option<&DemoUser> {
        [&self.owner, &self.moderator]
            .into_iter()
            .chain(&self.admins)
            .chain(&self.members)
            .find(|u| u.user_id == user_id)
    }
}

/// The staff accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Staff {
    Owner,
    Admin1,
    Admin2,
    Moderator,
}

/// Who created a room and at what levels the staff sit there.
struct Plan {
    key: &'static str,
    name: &'static str,
    topic: &'static str,
    creator: Option<Staff>, // None: created by member `creator_member`
    creator_member: usize,
    staff: &'static [(Staff, i64)],
    members: std::ops::RangeInclusive<usize>,
    muted: &'static [usize],
    lines: usize,
    english: bool,
}

const PLANS: &[Plan] = &[
    Plan {
        key: "tech",
        name: "技术交流群",
        topic: "技术交流，禁止广告、赌博、诈骗和人身攻击 · Tech talk, no ads",
        creator: Some(Staff::Owner),
        creator_member: 0,
        staff: &[(Staff::Admin1, 100), (Staff::Admin2, 100), (Staff::Moderator, 50)],
        members: 1..=1000,
        muted: &[13, 666, 888],
        lines: 170,
        english: false,
    },
    Plan {
        key: "opensource",
        name: "Open Source Chat",
        topic: "Open source projects, releases and good first issues",
        creator: Some(Staff::Owner),
        creator_member: 0,
        staff: &[(Staff::Admin1, 100), (Staff::Moderator, 50)],
        members: 901..=1080,
        muted: &[1001],
        lines: 55,
        english: true,
    },
    Plan {
        key: "secondhand",
        name: "二手交易群",
        topic: "同城二手交易，当面验货，谨防诈骗",
        creator: Some(Staff::Owner),
        creator_member: 0,
        staff: &[(Staff::Admin2, 100), (Staff::Moderator, 50)],
        members: 1001..=1150,
        muted: &[1120],
        lines: 45,
        english: false,
    },
    Plan {
        key: "hikers",
        name: "Weekend Hikers",
        topic: "Weekend hikes around the city. Safety first.",
        creator: Some(Staff::Admin2),
        creator_member: 0,
        staff: &[(Staff::Owner, 100), (Staff::Moderator, 50)],
        members: 1101..=1200,
        muted: &[],
        lines: 30,
        english: true,
    },
    Plan {
        key: "chitchat",
        name: "闲聊灌水区",
        topic: "随便聊聊",
        creator: None,
        creator_member: 5,
        staff: &[(Staff::Owner, 0)],
        members: 1..=40,
        muted: &[],
        lines: 10,
        english: false,
    },
];

/// A fixed-seed xorshift PRNG: the same world every build.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Localpart and display name of member `n` (1-based).
fn member_identity(n: usize) -> (String, String) {
    let (surname, pinyin) = data::SURNAMES[(n * 7) % data::SURNAMES.len()];
    let display = match n % 10 {
        3 => format!("{} {}", data::ENGLISH_GIVEN[n % data::ENGLISH_GIVEN.len()], capitalise(pinyin)),
        7 => format!("{}{}", data::HANDLES[n % data::HANDLES.len()], n % 100),
        _ => format!("{surname}{}", data::GIVEN[(n * 13) % data::GIVEN.len()]),
    };
    (format!("{pinyin}{n:04}"), display)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn log(msg: &str) {
    if std::env::var_os("QG_DEMO_QUIET").is_none() {
        eprintln!("[demo] {msg}");
    }
}

/// Seeds the whole demo world into a fresh server (slow: ~1–2 minutes). Use [`start`] for the
/// cached copy.
pub async fn seed(s: &Synapse) -> Result<DemoWorld> {
    let t = Instant::now();
    let reg = |localpart: String, password: &'static str, display: String| async move {
        let u = s.register_with(&localpart, password, false, Some(&display)).await?;
        anyhow::Ok(DemoUser {
            user_id: u.user_id,
            display_name: display,
            password: password.into(),
            access_token: u.access_token,
        })
    };
    let owner = reg("owner".into(), OWNER_PASSWORD, "王建国".into()).await?;
    let admin1 = reg("admin1".into(), ADMIN_PASSWORD, "李娜".into()).await?;
    let admin2 = reg("admin2".into(), ADMIN_PASSWORD, "Alice Chen".into()).await?;
    let moderator = reg("moderator".into(), MODERATOR_PASSWORD, "赵敏".into()).await?;
    let members: Vec<DemoUser> = futures::stream::iter(1..=MEMBERS)
        .map(|n| {
            let (localpart, display) = member_identity(n);
            reg(localpart, MEMBER_PASSWORD, display)
        })
        .buffered(6)
        .try_collect()
        .await?;
    log(&format!("registered {} users in {:.1?}", members.len() + 4, t.elapsed()));

    let base = Client::new(&s.base_url, "");
    let as_user = |u: &DemoUser| base.with_token(&u.access_token);
    let staff = |st: Staff| match st {
        Staff::Owner => &owner,
        Staff::Admin1 => &admin1,
        Staff::Admin2 => &admin2,
        Staff::Moderator => &moderator,
    };
    let member = |n: usize| &members[n - 1];

    // Rooms and joins.
    let mut groups = Vec::new();
    for plan in PLANS {
        let t = Instant::now();
        let creator = plan.creator.map(staff).unwrap_or_else(|| member(plan.creator_member));
        let mut power: BTreeMap<String, i64> =
            plan.staff.iter().filter(|(_, l)| *l != 0).map(|(st, l)| (staff(*st).user_id.clone(), *l)).collect();
        for m in plan.muted {
            power.insert(member(*m).user_id.clone(), -1);
        }
        let spec = RoomSpec {
            name: Some(plan.name.into()),
            topic: Some(plan.topic.into()),
            alias: Some(plan.key.into()),
            power: power.iter().map(|(u, l)| (u.clone(), *l)).collect(),
            ..RoomSpec::default()
        };
        let room_id = as_user(creator).create_room(&spec).await.with_context(|| format!("create {}", plan.name))?;
        let mut joiners: Vec<&DemoUser> = plan.staff.iter().map(|(st, _)| staff(*st)).collect();
        joiners.extend(plan.members.clone().map(member).filter(|u| u.user_id != creator.user_id));
        futures::stream::iter(joiners.iter().map(|u| {
            let c = as_user(u);
            let room_id = room_id.clone();
            async move { c.join(&room_id).await }
        }))
        .buffer_unordered(6)
        .try_collect::<Vec<_>>()
        .await
        .with_context(|| format!("joins to {}", plan.name))?;
        let owner_role = if creator.user_id == owner.user_id {
            "owner"
        } else if power.get(&owner.user_id).is_some_and(|l| *l >= 100) {
            "admin"
        } else {
            "member"
        };
        log(&format!("{}: {} members joined in {:.1?}", plan.name, joiners.len() + 1, t.elapsed()));
        groups.push(DemoGroup {
            key: plan.key.into(),
            room_id,
            name: plan.name.into(),
            alias: format!("#{}:{}", plan.key, s.server_name),
            creator: creator.user_id.clone(),
            owner_role: owner_role.into(),
            muted: plan.muted.iter().map(|m| member(*m).user_id.clone()).collect(),
            power,
            members: joiners.len() + 1,
            messages: 0,
        });
    }

    // History: one script per room, rooms in parallel, each room in order.
    let t = Instant::now();
    let mut rng = Rng(0x5eed_0f9a_11c0_ffee);
    let mut scripts = Vec::new();
    for (plan, group) in PLANS.iter().zip(&groups) {
        let speakers: Vec<usize> = plan.members.clone().filter(|n| !plan.muted.contains(n)).collect();
        let mut script: Vec<(&DemoUser, String, Option<&'static str>)> = Vec::new();
        let welcome = if plan.english {
            format!(
                "Welcome to {}! Rules: no ads, gambling, scams, insults or other people's personal data.",
                plan.name
            )
        } else {
            format!("欢迎加入{}！群规：禁止广告、赌博、诈骗信息，禁止人身攻击和泄露他人隐私。", plan.name)
        };
        let creator = plan.creator.map(staff).unwrap_or_else(|| member(plan.creator_member));
        script.push((creator, welcome, None));
        let flagged: Vec<_> = data::FLAGGED.iter().filter(|(k, _, _)| *k == plan.key).collect();
        for i in 0..plan.lines {
            let sender = member(*rng.pick(&speakers));
            script.push((sender, line(plan.key, &mut rng), None));
            // Spread the flagged messages evenly through the history.
            let due = (0..flagged.len()).find(|k| (k + 1) * plan.lines / (flagged.len() + 1) == i);
            if let Some((_, category, body)) = due.map(|k| flagged[k]) {
                script.push((member(*rng.pick(&speakers)), (*body).into(), Some(*category)));
                let warn = if plan.english {
                    "Please keep it civil and on topic, ads and abuse will be removed."
                } else {
                    "请大家文明发言，广告和违规内容一律删除。"
                };
                script.push((&moderator, warn.into(), None));
            }
            if plan.key == "tech" && i == plan.lines * 7 / 10 {
                let flooder = member(777);
                for _ in 0..data::FLOOD_COUNT {
                    script.push((flooder, data::FLOOD_BODY.into(), Some("flood")));
                }
            }
        }
        scripts.push((group, script));
    }
    let sent: Vec<(usize, Vec<DemoMessage>)> =
        futures::future::try_join_all(scripts.into_iter().map(|(group, script)| {
            let base = &base;
            async move {
                let mut flagged = Vec::new();
                for (sender, body, category) in &script {
                    let event_id = base.with_token(&sender.access_token).send_text(&group.room_id, body).await?;
                    if let Some(c) = category {
                        flagged.push(DemoMessage {
                            group: group.key.clone(),
                            room_id: group.room_id.clone(),
                            event_id,
                            sender: sender.user_id.clone(),
                            category: (*c).into(),
                            body: body.clone(),
                        });
                    }
                }
                anyhow::Ok((script.len(), flagged))
            }
        }))
        .await?;
    let mut flagged = Vec::new();
    let mut total_messages = 0;
    for (group, (count, f)) in groups.iter_mut().zip(sent) {
        group.messages = count;
        total_messages += count;
        flagged.extend(f);
    }

    // The direct chat between the owner and the first admin.
    let o = as_user(&owner);
    let direct_room = o
        .create_room(&RoomSpec {
            preset: Some("trusted_private_chat".into()),
            invite: vec![admin1.user_id.clone()],
            is_direct: true,
            ..RoomSpec::default()
        })
        .await?;
    let a = as_user(&admin1);
    a.join(&direct_room).await?;
    o.set_direct(&owner.user_id, &admin1.user_id, &direct_room).await?;
    a.set_direct(&admin1.user_id, &owner.user_id, &direct_room).await?;
    o.send_text(&direct_room, "技术群里今晚的赌博广告麻烦处理一下").await?;
    a.send_text(&direct_room, "好的，我来看，顺便把刷屏的那个人禁言").await?;
    total_messages += 2;
    log(&format!("sent {total_messages} messages in {:.1?}", t.elapsed()));

    let plain_room = groups.pop().expect("chitchat is the last plan");
    Ok(DemoWorld {
        server_name: s.server_name.clone(),
        owner,
        admins: vec![admin1, admin2],
        moderator,
        members,
        groups,
        plain_room,
        direct_room,
        flagged,
        total_messages,
    })
}

/// One ordinary line for a room.
fn line(key: &str, rng: &mut Rng) -> String {
    match key {
        "tech" => {
            let t = rng.pick(data::TECH);
            let u = loop {
                let u = rng.pick(data::TECH);
                if u != t {
                    break u;
                }
            };
            rng.pick(data::TECH_LINES).replace("{t}", t).replace("{u}", u)
        }
        "opensource" => {
            let p = rng.pick(data::PROJECTS);
            rng.pick(data::OPEN_SOURCE_LINES).replace("{p}", p)
        }
        "secondhand" => {
            let (i, p) = rng.pick(data::ITEMS);
            rng.pick(data::SECOND_HAND_LINES).replace("{i}", i).replace("{p}", &p.to_string())
        }
        "hikers" => {
            let r = rng.pick(data::TRAILS);
            rng.pick(data::HIKER_LINES).replace("{r}", r)
        }
        _ => rng.pick(data::CHITCHAT_LINES).to_string(),
    }
}

/// Changes whenever the seed or the Synapse version does: `demo-<version>-<hash>`.
pub fn version_key() -> String {
    let mut h = sha2::Sha256::new();
    for part in [SYNAPSE_VERSION, SERVER_NAME, include_str!("mod.rs"), include_str!("data.rs")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let hex: String = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("demo-{SYNAPSE_VERSION}-{hex}")
}

/// `<cache>/fixtures`
pub fn fixtures_dir() -> PathBuf {
    cache_dir().join("fixtures")
}

const WORLD: &str = "world.json";
const META: &str = "fixture.json";

/// The cached demo fixture, built first if missing or stale.
pub async fn fixture() -> Result<(Fixture, DemoWorld)> {
    // One builder per process; across processes the atomic rename below decides.
    static BUILD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = BUILD.lock().await;
    let dir = fixtures_dir().join(version_key());
    if let Some(found) = load(&dir)? {
        return Ok(found);
    }
    build(&dir).await?;
    load(&dir)?.context("fixture vanished right after it was built")
}

fn load(dir: &Path) -> Result<Option<(Fixture, DemoWorld)>> {
    let Ok(meta) = fs::read(dir.join(META)) else { return Ok(None) };
    let mut fixture: Fixture = serde_json::from_slice(&meta).context("fixture.json")?;
    fixture.dir = dir.to_owned();
    let world = serde_json::from_slice(&fs::read(dir.join(WORLD))?).context("world.json")?;
    Ok(Some((fixture, world)))
}

/// Seeds a fresh server, stops it, checkpoints and `ANALYZE`s the database, and moves the data
/// into place atomically (`fixture.json` is written last: its presence means complete).
async fn build(dir: &Path) -> Result<()> {
    let t = Instant::now();
    log(&format!("building the demo fixture {} (once per seed version, ~2 minutes)", dir.display()));
    let mut s = fresh_server().await?;
    let world = seed(&s).await?;
    s.shutdown().await?;
    let db = s.data_dir().join(Fixture::DB);
    let script = "import sqlite3, sys\n\
                  c = sqlite3.connect(sys.argv[1])\n\
                  c.execute('PRAGMA wal_checkpoint(TRUNCATE)')\n\
                  c.execute('ANALYZE')\n\
                  c.commit()\n\
                  c.execute('PRAGMA journal_mode=DELETE')\n\
                  c.execute('VACUUM')\n\
                  c.close()\n";
    let status = std::process::Command::new(synapse_python()?).arg("-c").arg(script).arg(&db).status()?;
    if !status.success() {
        bail!("ANALYZE of {} failed: {status}", db.display());
    }
    let parent = dir.parent().context("fixture dir has a parent")?;
    fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(".tmp-{}-{}", version_key(), std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    for f in [Fixture::DB, Fixture::KEY, "homeserver.yaml"] {
        fs::copy(s.data_dir().join(f), tmp.join(f)).with_context(|| format!("copy {f}"))?;
    }
    fs::write(tmp.join(WORLD), serde_json::to_vec(&world)?)?;
    let meta = Fixture { dir: dir.to_owned(), server_name: s.server_name.clone() };
    fs::write(tmp.join(META), serde_json::to_vec_pretty(&json!({"dir": meta.dir, "server_name": meta.server_name}))?)?;
    drop(s);
    if fs::rename(&tmp, dir).is_err() {
        // Another process finished first (or a stale incomplete dir is in the way).
        if load(dir)?.is_some() {
            fs::remove_dir_all(&tmp)?;
        } else {
            fs::remove_dir_all(dir)?;
            fs::rename(&tmp, dir)?;
        }
    }
    // Old versions are dead weight.
    for e in fs::read_dir(parent)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("demo-") && e.path() != dir {
            let _ = fs::remove_dir_all(e.path());
        }
    }
    log(&format!("fixture built in {:.1?}", t.elapsed()));
    Ok(())
}

/// A throw-away server started from a copy of the cached demo fixture (built first if needed).
pub async fn start() -> Result<(Synapse, DemoWorld)> {
    start_with(false).await
}

/// [`start`], optionally with low rate limits.
pub async fn start_with(rate_limited: bool) -> Result<(Synapse, DemoWorld)> {
    let (fixture, world) = fixture().await?;
    let s = Synapse::start_with(SynapseOptions { rate_limited, fixture: Some(fixture) }).await?;
    Ok((s, world))
}

/// An empty server configured the way the fixture is built (push rules off, which makes seeding
/// several times faster); for testing [`seed`] itself.
pub async fn fresh_server() -> Result<Synapse> {
    Synapse::start_configured(SynapseOptions::default(), false).await
}
